//! `cymig plan --format html`: the plan as one page for a pull request artifact or a review —
//! the migrations in order, each step with its transaction mode and statements, the indexes and
//! constraints each migration added or dropped (the whole schema once, after the last one),
//! whether its down is hand-written, derived exactly, derived under an assumption, inexact or
//! refused (and why), and the lint findings.

use super::{MigrationPlan, Plan, Step, TransactionMode};
use crate::check::FileResult;
use crate::derive::{derive_migration, DerivedDown, Outcome};
use crate::migration::{Migration, MigrationSet};
use crate::report::html::{badge, escape, findings_table, page as html_page, totals_boxes};
use crate::report::{ReportOptions, Totals};
use crate::schema::{Catalog, SchemaEvent, SchemaModel, SchemaObject};
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
    // Each migration's file and down, once: the overview and the cards both show them.
    let migrations: Vec<Option<&Migration>> =
        plan.migrations.iter().map(|m| by_file.get(&canonical(&m.file)).copied()).collect();
    let kinds: Vec<DownKind> =
        plan.migrations.iter().zip(&migrations).map(|(m, &migration)| kind_of(m, migration, &model)).collect();
    body.push_str(&overview(plan, &kinds));
    for ((m, &migration), kind) in plan.migrations.iter().zip(&migrations).zip(&kinds) {
        let files: Vec<PathBuf> = match migration {
            Some(mig) => mig.files().map(|f| canonical(f.path())).collect(),
            None => vec![canonical(&m.file)],
        };
        let own: Vec<FileResult> =
            files.iter().filter_map(|f| findings_of.get(f)).flat_map(|r| r.iter().map(|r| (*r).clone())).collect();
        shown.extend(files);
        body.push_str(&migration_card(m, migration, kind, &model, &own, options));
    }
    body.push_str(&final_schema_html(&model));
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
fn overview(plan: &Plan, kinds: &[DownKind]) -> String {
    let mut out = String::from(
        "<h2>Migrations</h2>\n<table>\n<tr><th>Version</th><th>Description</th><th>Steps</th><th>Down</th></tr>\n",
    );
    for (m, kind) in plan.migrations.iter().zip(kinds) {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{anchor}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(m.version_text().unwrap_or("R")),
            escape(&m.description),
            m.steps.len(),
            kind.badge(),
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
    kind: &DownKind,
    model: &SchemaModel,
    findings: &[FileResult],
    options: &ReportOptions,
) -> String {
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

/// What the migration added to the schema and dropped from it, and how much schema there is
/// after it. Only the changes: the whole schema after every migration made the page grow with
/// the square of the set (8,000 one-index migrations: 32 million list items, 1.7 GB); it is
/// listed once, after the last migration ([`final_schema_html`]).
fn schema_html(m: &Migration, model: &SchemaModel) -> String {
    let mut out = String::from("<h3>Schema changes</h3>\n");
    let Some(mm) = model.migration(&m.version.raw) else {
        out.push_str("<p class=\"muted\">No indexes or constraints added or dropped.</p>\n");
        return out;
    };
    let (before, after) = (&mm.before, &mm.after);
    // Compared by description, as a reader sees them: only what was created since `before`
    // can be new to it, and only what the migration dropped can be gone from `after`.
    let added: BTreeSet<String> =
        after.iter_from(before.slots()).filter(|o| !describes(before, o)).map(|o| o.describe()).collect();
    let dropped = mm.events.iter().filter_map(|e| match e {
        SchemaEvent::Dropped { object, .. } => Some(object),
        _ => None,
    });
    let dropped: BTreeSet<String> =
        before.equal_to_any(dropped).into_iter().filter(|o| !describes(after, o)).map(|o| o.describe()).collect();
    if added.is_empty() && dropped.is_empty() {
        out.push_str("<p class=\"muted\">No indexes or constraints added or dropped.</p>\n");
    } else {
        out.push_str("<ul class=\"plain\">");
        for object in &added {
            let _ = write!(out, "<li>{} <code>{}</code></li>", badge("ok", "added"), escape(object));
        }
        for object in &dropped {
            let _ = write!(out, "<li>{} <code>{}</code></li>", badge("error", "dropped"), escape(object));
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} after this migration (<a href=\"#schema\">the schema after the last migration</a>).</p>",
        count_of(after)
    );
    out
}

/// Whether `catalog` holds an object described as `object` is.
fn describes(catalog: &Catalog, object: &SchemaObject) -> bool {
    let description = object.describe();
    catalog.like(object).any(|o| o.describe() == description)
}

fn count_of(catalog: &Catalog) -> String {
    match catalog.len() {
        1 => "1 index or constraint".to_string(),
        n => format!("{n} indexes and constraints"),
    }
}

/// The whole schema after the last migration, once.
fn final_schema_html(model: &SchemaModel) -> String {
    let catalog = model.final_catalog();
    let mut out = String::from("<div class=\"card\" id=\"schema\"><h2>Schema after the last migration</h2>\n");
    if catalog.is_empty() {
        out.push_str("<p class=\"muted\">No indexes or constraints.</p>\n");
    } else {
        let _ = writeln!(out, "<p class=\"muted\">{}.</p>", count_of(&catalog));
        out.push_str("<ul class=\"plain\">");
        for object in catalog.iter().map(|o| o.describe()).collect::<BTreeSet<_>>() {
            let _ = write!(out, "<li><code>{}</code></li>", escape(&object));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n");
    out
}
