//! `cymig plan --format html`: the plan as one page for a pull request artifact or a review —
//! the migrations in order, each step with its transaction mode and statements, the schema after
//! each migration (and what it added or dropped), whether its down is hand-written, derived
//! exactly, derived under an assumption, inexact or refused (and why), and the lint findings.

use super::{MigrationPlan, Plan, Step, TransactionMode};
use crate::check::FileResult;
use crate::derive::{derive_migration, DerivedDown, Outcome};
use crate::migration::{Migration, MigrationSet};
use crate::report::html::{badge, escape, findings_table, page as html_page, totals_boxes};
use crate::report::{ReportOptions, Totals};
use crate::schema::{Catalog, SchemaModel};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How a migration is undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownKind {
    /// A hand-written down script.
    Explicit,
    /// Derived, and exact.
    Exact,
    /// Derived, exact only under these assumptions.
    Assumed(Vec<String>),
    /// Derived, but these steps do not restore everything.
    Inexact(Vec<String>),
    /// Cannot be derived: these statements (line: why).
    Refused(Vec<String>),
    /// A repeatable migration: it is re-run, never rolled back.
    Repeatable,
}

impl DownKind {
    fn badge(&self) -> String {
        match self {
            DownKind::Explicit => badge("ok", "down: hand-written"),
            DownKind::Exact => badge("ok", "down: derived, exact"),
            DownKind::Assumed(_) => badge("info", "down: derived, exact under assumptions"),
            DownKind::Inexact(_) => badge("warning", "down: derived, inexact"),
            DownKind::Refused(_) => badge("error", "down: refused"),
            DownKind::Repeatable => badge("muted", "repeatable: no down"),
        }
    }

    fn reasons(&self) -> &[String] {
        match self {
            DownKind::Assumed(r) | DownKind::Inexact(r) | DownKind::Refused(r) => r,
            _ => &[],
        }
    }
}

/// What a derived down says about itself: refused statements first, then inexact steps, then
/// assumptions (the notes are prefixed `Inexact:` / `Assumption:` by the derivation).
pub fn down_kind(derived: &DerivedDown) -> DownKind {
    let refused: Vec<String> = derived
        .steps
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Irreversible(why) => Some(format!("line {}: {}: {why}", s.line, s.summary)),
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        return DownKind::Refused(refused);
    }
    let notes: Vec<&String> = derived
        .steps
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Inverse(list) => Some(list),
            _ => None,
        })
        .flatten()
        .flat_map(|inverse| &inverse.notes)
        .collect();
    let with = |prefix: &str| -> Vec<String> {
        notes.iter().filter_map(|n| n.strip_prefix(prefix)).map(|n| n.trim().to_string()).collect()
    };
    let inexact = with("Inexact:");
    if !inexact.is_empty() {
        return DownKind::Inexact(inexact);
    }
    let assumed = with("Assumption:");
    if !assumed.is_empty() {
        return DownKind::Assumed(assumed);
    }
    DownKind::Exact
}

/// The page for `plan`, compiled from `set`, with the lint findings of the set's files.
pub fn page(
    dir: &Path,
    layout: &str,
    set: &MigrationSet,
    plan: &Plan,
    findings: &[FileResult],
    options: &ReportOptions,
) -> String {
    let model = SchemaModel::from_migrations(&set.migrations);
    let by_file: HashMap<PathBuf, &Migration> = set.migrations.iter().map(|m| (canonical(m.up.path()), m)).collect();
    let findings_of = group_findings(findings);
    let mut shown = BTreeSet::new();
    let mut body = totals_boxes(&Totals::of(findings));
    body.push_str(&overview(plan, &by_file, &model));
    for m in &plan.migrations {
        let migration = by_file.get(&canonical(&m.file)).copied();
        let files: Vec<PathBuf> = match migration {
            Some(mig) => mig.files().map(|f| canonical(f.path())).collect(),
            None => vec![canonical(&m.file)],
        };
        let own: Vec<FileResult> =
            files.iter().filter_map(|f| findings_of.get(f)).flat_map(|r| r.iter().map(|r| (*r).clone())).collect();
        shown.extend(files);
        body.push_str(&migration_card(m, migration, &model, &own, options));
    }
    let others: Vec<FileResult> = findings_of
        .iter()
        .filter(|(path, _)| !shown.contains(*path))
        .flat_map(|(_, r)| r.iter().map(|r| (*r).clone()))
        .collect();
    if others.iter().any(|r| !r.diagnostics.is_empty()) {
        body.push_str("<div class=\"card\"><h2>Other files of the set</h2>\n");
        body.push_str(&findings_table(&others, options, true));
        body.push_str("</div>\n");
    }
    let subtitle = format!("{} · {layout} · {} migration(s)", dir.display(), plan.migrations.len());
    html_page("cymig plan", &subtitle, &body)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn group_findings(findings: &[FileResult]) -> std::collections::BTreeMap<PathBuf, Vec<&FileResult>> {
    let mut out: std::collections::BTreeMap<PathBuf, Vec<&FileResult>> = Default::default();
    for r in findings {
        out.entry(canonical(r.source.path())).or_default().push(r);
    }
    out
}

fn kind_of(m: &MigrationPlan, migration: Option<&Migration>, model: &SchemaModel) -> DownKind {
    match (migration, &m.down) {
        (None, _) => DownKind::Repeatable,
        (Some(_), Some(d)) if d.explicit => DownKind::Explicit,
        (Some(mig), _) => down_kind(&derive_migration(model, mig, &crate::check::findings_of)),
    }
}

/// One row per migration: version, description, steps, down.
fn overview(plan: &Plan, by_file: &HashMap<PathBuf, &Migration>, model: &SchemaModel) -> String {
    let mut out = String::from(
        "<h2>Migrations</h2>\n<table>\n<tr><th>Version</th><th>Description</th><th>Steps</th><th>Down</th></tr>\n",
    );
    for m in &plan.migrations {
        let migration = by_file.get(&canonical(&m.file)).copied();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{anchor}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(m.version_text().unwrap_or("R")),
            escape(&m.description),
            m.steps.len(),
            kind_of(m, migration, model).badge(),
            anchor = anchor(m),
        );
    }
    out.push_str("</table>\n");
    out
}

fn anchor(m: &MigrationPlan) -> String {
    let raw = match &m.version {
        Some(v) => format!("v{v}"),
        None => format!("r-{}", m.description),
    };
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

fn migration_card(
    m: &MigrationPlan,
    migration: Option<&Migration>,
    model: &SchemaModel,
    findings: &[FileResult],
    options: &ReportOptions,
) -> String {
    let kind = kind_of(m, migration, model);
    let title = match &m.version {
        Some(v) => format!("V{v} · {}", m.description),
        None => format!("R · {}", m.description),
    };
    let mut out = format!(
        "<div class=\"card\" id=\"{}\"><h2>{}</h2>\n<p class=\"muted\"><code>{}</code> · sha256 <code>{}</code></p>\n",
        anchor(m),
        escape(&title),
        escape(&m.file.to_string_lossy().replace('\\', "/")),
        escape(m.checksum.get(..12).unwrap_or(&m.checksum)),
    );
    if let Some(why) = &m.unsupported {
        let _ = writeln!(out, "<p>{} {}</p>", badge("error", "cannot run as written"), escape(why));
    }
    out.push_str("<h3>Steps</h3>\n");
    for (i, step) in m.steps.iter().enumerate() {
        out.push_str(&step_html(i + 1, step));
    }
    if let Some(mig) = migration {
        out.push_str(&schema_html(mig, model));
    }
    let _ = writeln!(out, "<h3>Down</h3>\n<p>{}</p>", kind.badge());
    if !kind.reasons().is_empty() {
        out.push_str("<ul class=\"plain\">");
        for r in kind.reasons() {
            let _ = write!(out, "<li>{}</li>", escape(r));
        }
        out.push_str("</ul>\n");
    }
    if let Some(down) = &m.down {
        let _ = writeln!(out, "<pre>{}</pre>", escape(&crate::config::redact_cypher_passwords(down.text.trim_end())));
    }
    out.push_str("<h3>Findings</h3>\n");
    out.push_str(&findings_table(findings, options, true));
    out.push_str("</div>\n");
    out
}

fn step_html(n: usize, step: &Step) -> String {
    let mode = match step.transaction {
        TransactionMode::Explicit => badge("ok", "explicit transaction"),
        TransactionMode::AutoCommit => badge("warning", "auto-commit"),
    };
    let mut out = format!("<p>Step {n} {mode}");
    if let Some(database) = &step.database {
        let _ = write!(out, " in database <code>{}</code>", escape(database));
    }
    if step.statements.iter().any(|s| s.batched.is_some()) {
        out.push(' ');
        out.push_str(&badge("info", "batched"));
    }
    if !step.await_indexes.is_empty() {
        let _ = write!(out, " <span class=\"muted\">then waits for {}</span>", escape(&step.await_indexes.join(", ")));
    }
    out.push_str("</p>\n");
    for s in &step.statements {
        let text = crate::config::redact_cypher_passwords(s.text.trim());
        let _ = writeln!(out, "<pre>{}</pre>", escape(&format!("{:>4} │ {text}", s.line)));
    }
    out
}

/// The schema after the migration, with what it added and dropped.
fn schema_html(m: &Migration, model: &SchemaModel) -> String {
    let before = described(&model.catalog_before(&m.version.raw));
    let after = described(&model.catalog_after(&m.version.raw));
    let mut out = String::from("<h3>Schema after this migration</h3>\n");
    if after.is_empty() && before.is_empty() {
        out.push_str("<p class=\"muted\">No indexes or constraints.</p>\n");
        return out;
    }
    out.push_str("<ul class=\"plain\">");
    for object in &after {
        let mark = if before.contains(object) { String::new() } else { format!("{} ", badge("ok", "added")) };
        let _ = write!(out, "<li>{mark}<code>{}</code></li>", escape(object));
    }
    for object in before.difference(&after) {
        let _ = write!(out, "<li>{} <code>{}</code></li>", badge("error", "dropped"), escape(object));
    }
    out.push_str("</ul>\n");
    out
}

fn described(catalog: &Catalog) -> BTreeSet<String> {
    catalog.iter().map(|o| o.describe()).collect()
}
