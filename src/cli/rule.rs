//! `cymig rule <name>` prints a rule's documentation; `cymig rule --list` lists them all.

use super::CommandResult;
use crate::error::Error;
use crate::rules::registry;

#[derive(clap::Args, Debug)]
pub struct RuleArgs {
    /// The rule's name (e.g. `unbatched-write`) or code (e.g. `CM005`).
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// List every rule: name, code, default severity, summary.
    #[arg(long, conflicts_with = "name")]
    pub list: bool,
    /// Output as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RuleArgs) -> CommandResult {
    if args.list {
        return super::write_stdout(if args.json { list_json() } else { list_text() }.as_bytes());
    }
    let name = args.name.unwrap_or_default();
    let Some(rule) = registry::by_name(&name) else {
        let hint = registry::suggestion(&name)
            .filter(|s| registry::by_name(s).is_some())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(Error::Usage(format!("unknown rule `{name}`{hint}; `cymig rule --list` lists them")));
    };
    let m = rule.meta();
    if args.json {
        super::write_stdout(format!("{}\n", serde_json::to_string_pretty(m).unwrap_or_default()).as_bytes())
    } else {
        super::write_stdout(docs_text(m).as_bytes())
    }
}

pub fn docs_text(m: &registry::RuleMeta) -> String {
    let fix = m.fixes_line().map(|line| format!(" {line}")).unwrap_or_default();
    format!(
        "# {} ({})\n\n{}\n\nDefault severity: {}. Category: {}.{fix}\n\n{}",
        m.name,
        m.code,
        m.summary,
        m.severity.as_str(),
        m.category.as_str(),
        m.docs.trim_start()
    )
}

pub fn list_text() -> String {
    let rules = registry::all();
    let width = rules.iter().map(|r| r.meta().name.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in rules {
        let m = r.meta();
        let fix = if m.fixable() { "fix" } else { "   " };
        s.push_str(&format!("{}  {:<width$}  {:<7}  {fix}  {}\n", m.code, m.name, m.severity.as_str(), m.summary));
    }
    s
}

fn list_json() -> String {
    let metas: Vec<_> = registry::all().iter().map(|r| r.meta()).collect();
    serde_json::to_string_pretty(&metas).unwrap_or_default() + "\n"
}
