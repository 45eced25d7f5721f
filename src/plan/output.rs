//! `cymig plan` output: one function per format. The JSON shape is the documented one
//! (`{"migrations": [{"version", "file", "checksum", "steps": [{"transaction", "statements":
//! [{"line", "kind"}], "down"}]}]}`) plus a few extra fields; the text form is a Markdown table
//! a reviewer can paste into a pull request.

use super::{CallbackPlan, MigrationPlan, Plan, PlannedPrecondition, StatementClass, Step, TransactionMode};
use crate::migration::precondition::Kind;
use serde::Serialize;

#[derive(Serialize)]
struct JsonPlan<'a> {
    migrations: Vec<JsonMigration<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    callbacks: Vec<JsonCallback>,
}

/// A neo4j-migrations callback: its phase, file and the databases its statements run against.
#[derive(Serialize)]
struct JsonCallback {
    phase: String,
    file: String,
    statements: usize,
    databases: Vec<Option<String>>,
}

#[derive(Serialize)]
struct JsonMigration<'a> {
    version: Option<&'a str>,
    description: &'a str,
    file: String,
    checksum: &'a str,
    steps: Vec<JsonStep<'a>>,
    /// `"explicit"` (a U file), `"derived"`, or `null` when the migration cannot be undone.
    down_source: Option<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    preconditions: &'a [PlannedPrecondition],
}

#[derive(Serialize)]
struct JsonStep<'a> {
    /// After `:use <db>`; absent: the configured database.
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'a str>,
    transaction: TransactionMode,
    statements: Vec<JsonStatement>,
    await_indexes: &'a [String],
    down: Option<String>,
}

#[derive(Serialize)]
struct JsonStatement {
    line: usize,
    kind: StatementClass,
}

fn path_string(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn down_source(m: &MigrationPlan) -> Option<&'static str> {
    m.down.as_ref().map(|d| if d.explicit { "explicit" } else { "derived" })
}

/// The documented JSON shape, pretty-printed.
pub fn json(plan: &Plan) -> String {
    let out = JsonPlan {
        migrations: plan
            .migrations
            .iter()
            .map(|m| JsonMigration {
                version: m.version_text(),
                description: &m.description,
                file: path_string(&m.file),
                checksum: &m.checksum,
                down_source: down_source(m),
                preconditions: &m.preconditions,
                steps: m
                    .steps
                    .iter()
                    .map(|s| JsonStep {
                        database: s.database.as_deref(),
                        transaction: s.transaction,
                        statements: s
                            .statements
                            .iter()
                            .map(|st| JsonStatement { line: st.line, kind: st.kind })
                            .collect(),
                        await_indexes: &s.await_indexes,
                        down: s.down.as_deref().map(crate::config::redact_cypher_passwords),
                    })
                    .collect(),
            })
            .collect(),
        callbacks: plan.callbacks.iter().map(json_callback).collect(),
    };
    serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn json_callback(c: &CallbackPlan) -> JsonCallback {
    JsonCallback {
        phase: c.phase.clone(),
        file: path_string(&c.file),
        statements: c.runs.iter().flat_map(|r| &r.steps).map(|s| s.statements.len()).sum(),
        databases: c.runs.iter().map(|r| r.database.clone()).collect(),
    }
}

fn kind_word(k: StatementClass) -> &'static str {
    match k {
        StatementClass::Schema => "schema",
        StatementClass::Data => "data",
        StatementClass::Read => "read",
        StatementClass::Admin => "admin",
    }
}

fn transaction_word(t: TransactionMode) -> &'static str {
    match t {
        TransactionMode::Explicit => "explicit",
        TransactionMode::AutoCommit => "auto-commit",
    }
}

fn statements_cell(step: &Step) -> String {
    let statements = step
        .statements
        .iter()
        .map(|s| format!("line {} {}{}", s.line, kind_word(s.kind), batch_note(&s.text)))
        .collect::<Vec<_>>()
        .join(", ");
    match &step.database {
        Some(database) => format!("{statements} in database `{database}`"),
        None => statements,
    }
}

/// Says why a data statement runs alone.
fn batch_note(text: &str) -> &'static str {
    let upper = text.to_ascii_uppercase();
    if upper.contains("IN TRANSACTIONS") || upper.contains("IN CONCURRENT TRANSACTIONS") {
        " (batched: IN TRANSACTIONS)"
    } else if upper.contains("PERIODIC COMMIT") {
        " (batched: PERIODIC COMMIT)"
    } else if upper.contains("APOC.PERIODIC.") {
        " (batched: apoc.periodic)"
    } else {
        ""
    }
}

fn undo_cell(m: &MigrationPlan, step: &Step) -> String {
    match (&step.down, &m.down) {
        (Some(_), _) => "derived".into(),
        (None, Some(d)) if d.explicit => "explicit down".into(),
        (None, _) => "**none: irreversible**".into(),
    }
}

/// A Markdown summary: one table of steps per migration.
pub fn text(plan: &Plan) -> String {
    let steps: usize = plan.migrations.iter().map(|m| m.steps.len()).sum();
    let mut out = format!(
        "## cymig plan: {} migration{}, {} step{}\n",
        plan.migrations.len(),
        if plan.migrations.len() == 1 { "" } else { "s" },
        steps,
        if steps == 1 { "" } else { "s" }
    );
    if plan.migrations.is_empty() {
        out.push_str("\nNothing to apply.\n");
    }
    for m in &plan.migrations {
        let title = match &m.version {
            Some(v) => format!("V{v}"),
            None => "R (repeatable)".into(),
        };
        out.push_str(&format!("\n### {title} {} (`{}`)\n\n", m.description, path_string(&m.file)));
        let down = match &m.down {
            Some(d) if d.explicit => "explicit down script".to_string(),
            Some(_) => "derived (`cymig derive-down` prints it)".to_string(),
            None if m.version.is_none() => "none (repeatable)".to_string(),
            None => "**none: irreversible** (`cymig derive-down` says why)".to_string(),
        };
        out.push_str(&format!("sha256 `{}` · down: {down}\n\n", m.checksum));
        out.push_str(&preconditions_text(&m.preconditions));
        out.push_str("| step | transaction | statements | then await indexes | undo |\n");
        out.push_str("|-----:|-------------|------------|--------------------|------|\n");
        for (i, step) in m.steps.iter().enumerate() {
            let awaits = step.await_indexes.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                i + 1,
                transaction_word(step.transaction),
                statements_cell(step),
                awaits,
                undo_cell(m, step)
            ));
        }
        if m.steps.is_empty() {
            out.push_str("| – | – | no statements | | |\n");
        }
    }
    out.push_str(&callbacks_text(&plan.callbacks));
    out
}

/// What `up` does with each precondition where it does not hold.
fn preconditions_text(preconditions: &[PlannedPrecondition]) -> String {
    let mut out = String::new();
    for p in preconditions {
        let otherwise = match p.kind {
            Kind::Assume => "else skipped (not applied, not recorded)",
            Kind::Assert => "else `up` stops before applying anything",
        };
        out.push_str(&format!("- precondition (line {}): `{}` — {otherwise}\n", p.line, p.text));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The callbacks `up` runs around the migrations (never recorded as migrations).
fn callbacks_text(callbacks: &[CallbackPlan]) -> String {
    if callbacks.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n### Callbacks (neo4j-migrations)\n\n| phase | file | statements | databases |\n|-------|------|-----------:|-----------|\n");
    for c in callbacks {
        let j = json_callback(c);
        let databases: Vec<String> =
            j.databases.iter().map(|d| d.as_deref().map_or("default".to_string(), |d| format!("`{d}`"))).collect();
        out.push_str(&format!("| {} | `{}` | {} | {} |\n", j.phase, j.file, j.statements, databases.join(", ")));
    }
    out
}
