//! Fixes held back from migrations that `cymig.sum` records, or that the database given to
//! `cymig lint --uri` has applied. Such a migration may have run anywhere: rewriting it changes nothing in the databases that applied it, makes every one of
//! them report checksum drift (`edited-migration`), and gives new databases something else. So
//! `--fix` leaves the file alone and says, fix by fix, whether the change needs a new migration —
//! and where it is a schema change one can write, what that migration holds.

use super::fix::{apply_in, unit_of};
use super::set::ParsedFile;
use crate::ast::{SchemaCommand, Statement, StatementKind};
use crate::diagnostic::{Diagnostic, Edit};
use crate::report::{display_path, Base};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The migrations a database's history says ran there (`cymig lint --fix --uri`).
#[derive(Clone, Debug, Default)]
pub struct AppliedHistory {
    /// Where they ran, as the note names it (the URI without credentials, and the database).
    pub database: String,
    /// History keys (normalised versions, [`crate::migration::Version::history_key`]) of the
    /// migrations that ran there or may have (applied, running, failed).
    pub keys: BTreeSet<String>,
}

/// Why a file counts as a migration that may have run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordedIn {
    /// `cymig.sum` lists it.
    Sum,
    /// The history of this database holds its version.
    Database(String),
}

/// A recorded migration whose fixes were not applied, and what to do instead.
#[derive(Clone, Debug)]
pub struct HeldBack {
    pub path: PathBuf,
    /// The note for the user, several lines, ending with a newline.
    pub note: String,
}

/// What a fix does to a database that already ran the statement.
enum Effect {
    /// The statement does the same thing (idempotence, newer syntax, batching).
    Same,
    /// The fix changes the schema object the statement creates (its name, its index type).
    Schema,
    /// The fix changes what the statement writes.
    Data,
}

fn effect(rule: &str) -> Effect {
    match rule {
        "require-schema-name" | "btree-index" => Effect::Schema,
        "create-unique" | "id-function" | "duration-component" => Effect::Data,
        _ => Effect::Same,
    }
}

pub fn held_back(file: &ParsedFile, recorded: &RecordedIn, sum: &Path, fixable: &[&Diagnostic]) -> HeldBack {
    let path = display_path(&file.source.path, Base::WorkingDir);
    let fixes = crate::report::plural(fixable.len(), "fix was", "fixes were");
    let mut note = match recorded {
        RecordedIn::Sum => format!(
            "note: {path} is recorded in {}: {fixes} not applied, because editing a migration that may have run is checksum drift (edited-migration)\n",
            display_path(sum, Base::WorkingDir),
        ),
        RecordedIn::Database(database) => format!(
            "note: {path} was applied to {database}: {fixes} not applied, because editing a migration that has run is checksum drift (edited-migration)\n",
        ),
    };
    for d in fixable {
        let fix = d.fix.as_ref().expect("fixable");
        note.push_str(&format!("  {} ({}): ", d.rule, fix.message));
        note.push_str(&advice(file, d, fixable));
    }
    note.push_str(
        "  to change the file anyway (e.g. so new databases run the newer syntax), edit it, run `cymig hash`, and `cymig repair` the databases that applied it\n",
    );
    HeldBack { path: file.source.path.clone(), note }
}

fn advice(file: &ParsedFile, d: &Diagnostic, fixable: &[&Diagnostic]) -> String {
    match effect(d.rule) {
        Effect::Same => "the statement does the same with or without it, so the databases that ran it need no new migration\n".into(),
        Effect::Data => "it changes what the statement writes; the databases that ran it keep what the old statement wrote — if that data must change, a new migration has to transform it (cymig cannot derive one)\n".into(),
        Effect::Schema => match next_migration(file, d, fixable) {
            Some(content) => format!(
                "it changes the schema the migration created; add it as a new migration:\n{}",
                content.lines().map(|l| format!("      {l}\n")).collect::<String>()
            ),
            None => "it changes the schema the migration created; recreate that object in a new migration\n".into(),
        },
    }
}

/// The new migration for a schema fix: drop what the recorded statement created, create it the
/// fixed way (idempotently, when the statement's own `IF NOT EXISTS` fix is among the fixes).
fn next_migration(file: &ParsedFile, d: &Diagnostic, fixable: &[&Diagnostic]) -> Option<String> {
    let fix = d.fix.as_ref()?;
    let statement = statement_of(file, &fix.edits)?;
    let text = &file.source.text;
    let unit = unit_of(text, &file.script, &fix.edits);
    let idempotent = fixable
        .iter()
        .filter(|o| o.rule == "require-if-not-exists")
        .filter_map(|o| o.fix.as_ref())
        .filter(|o| unit_of(text, &file.script, &o.edits) == unit);
    let mut edits: Vec<Edit> = fix.edits.clone();
    edits.extend(idempotent.flat_map(|o| o.edits.iter().cloned()));
    let created = apply_in(text, unit, &edits);
    Some(format!("{}\n{created};\n", drop_of(statement)?))
}

fn statement_of<'a>(file: &'a ParsedFile, edits: &[Edit]) -> Option<&'a Statement> {
    let first = edits.first()?;
    file.script.statements.iter().find(|s| s.span.start <= first.span.start && first.span.end <= s.span.end)
}

/// Until the old object is gone an equivalent `CREATE … IF NOT EXISTS` does nothing; an unnamed
/// one has a name only the database knows, so that drop is left for the user to complete.
fn drop_of(statement: &Statement) -> Option<String> {
    let StatementKind::Schema(command) = &statement.kind else { return None };
    let (keyword, listing, name) = match command {
        SchemaCommand::CreateIndex(c) => ("INDEX", "SHOW INDEXES", c.name.as_ref()),
        SchemaCommand::CreateConstraint(c) => ("CONSTRAINT", "SHOW CONSTRAINTS", c.name.as_ref()),
        _ => return None,
    };
    Some(match name {
        Some(name) => format!("DROP {keyword} {} IF EXISTS;", quoted(&name.value)),
        None => format!(
            "// the {} has the name Neo4j generated ({listing}): drop it first, or the CREATE below does nothing\n// DROP {keyword} `<generated name>`;",
            keyword.to_ascii_lowercase()
        ),
    })
}

fn quoted(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with(|c: char| c.is_ascii_digit()) {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}
