//! `cymig plan [<dir>] [--from V] [--to V] [--format text|json]`.

use super::config::ConfigFlags;
use super::CommandResult;
use crate::error::Error;
use crate::migration::layout::Layout;
use crate::migration::{convention_for, MigrationSet, Version};
use crate::plan::{compile, output, PlanOptions};
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanFormat {
    /// A Markdown table per migration (paste it into a pull request).
    #[default]
    Text,
    /// `{"migrations": [{"version", "file", "checksum", "steps": [...]}]}`.
    Json,
    /// One self-contained page: steps, schema changes per migration and the final schema, downs,
    /// findings.
    Html,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Each step is one transaction: a migration's data statements share one explicit \
transaction; schema commands, CALL … IN TRANSACTIONS, USING PERIODIC COMMIT and apoc.periodic.* \
each run alone in auto-commit; after schema steps the plan waits for new indexes.\n\n\
Exit codes: 0 planned; 1 a migration has syntax errors; 2 usage or IO error.")]
pub struct PlanArgs {
    /// The migration directory (default: `migrations` from cymig.toml, else ./migrations).
    pub dir: Option<PathBuf>,
    /// First version to plan (inclusive).
    #[arg(long)]
    pub from: Option<String>,
    /// Last version to plan (inclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub flags: ConfigFlags,
}

fn version(flag: &str, raw: &Option<String>) -> crate::error::Result<Option<Version>> {
    raw.as_deref()
        .map(|r| {
            Version::parse(r.trim_start_matches(['V', 'v'])).map_err(|e| Error::Usage(format!("--{flag} {r}: {e}")))
        })
        .transpose()
}

pub fn run(args: PlanArgs) -> CommandResult {
    let options = PlanOptions { from: version("from", &args.from)?, to: version("to", &args.to)? };
    let config = args.flags.load(args.dir.as_deref().unwrap_or(std::path::Path::new(".")))?;
    let dir = match args.dir {
        Some(d) => d,
        None => {
            let cwd = std::env::current_dir().unwrap_or_default();
            config.migrations.strip_prefix(&cwd).map(|p| p.to_path_buf()).unwrap_or(config.migrations.clone())
        }
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!("{} is not a directory", dir.display())));
    }
    let set = MigrationSet::load_with(&dir, convention_for(&dir, Some(&config.migrations), &config.layout))?;
    let layout = Layout::of_migrations_dir(&set).summary();
    eprintln!("cymig: {}: {layout}", dir.display());
    let mut bad = false;
    for m in &set.migrations {
        for e in &m.up.script.errors {
            let lc = m.up.source.line_col(e.span.start);
            eprintln!("{}:{}:{}: syntax error: {}", m.up.path().display(), lc.line, lc.column, e.message);
            bad = true;
        }
    }
    if bad {
        eprintln!("error: fix the syntax errors first: a plan is compiled from whole migrations");
        return Ok(1);
    }
    let plan = compile(&set, &options);
    let page = match args.format {
        PlanFormat::Text => output::text(&plan),
        PlanFormat::Json => format!("{}\n", output::json(&plan)),
        PlanFormat::Html => html_page(&dir, &layout, &set, &plan, &config)?,
    };
    super::write_stdout(page.as_bytes())
}

/// The plan page, with the findings `cymig lint` reports for the directory under the same
/// configuration.
fn html_page(
    dir: &std::path::Path,
    layout: &str,
    set: &MigrationSet,
    plan: &crate::plan::Plan,
    config: &crate::config::Config,
) -> crate::error::Result<String> {
    let options = crate::check::options::for_config(config)?;
    let outcome = crate::check::lint(&[dir.to_path_buf()], &options)?;
    let infos = super::lint::rule_infos();
    let report = crate::report::ReportOptions { rules: &infos, ..Default::default() };
    Ok(crate::plan::html::page(dir, layout, set, plan, &outcome.files, &report))
}
