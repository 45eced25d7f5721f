//! Down derivation: the script that undoes a migration, statement by statement in reverse
//! order, or the reasons it cannot be undone.
//!
//! - CREATE INDEX/CONSTRAINT `name` → `DROP … name IF EXISTS`;
//! - DROP INDEX/CONSTRAINT → re-create it exactly as the schema model last defined it;
//! - property, label and relationship-type renames → the reverse rename;
//! - added labels and properties → removed again, from the marker-selected nodes when the
//!   migration marks what it touches, else from the same match (with the assumption stated);
//! - CREATE/MERGE of keyed data → those entities deleted by key;
//! - batching (`CALL … IN TRANSACTIONS`, `apoc.periodic.iterate`) preserved;
//! - DELETE, REMOVE of existing data, overwriting SET → irreversible, never guessed.
//!
//! # The rules of derivation
//!
//! A derived statement may only touch what the up created or changed, found again by something
//! the up made unique. Each inverse names its identity:
//!
//! 1. *Created entities* are found by the deterministic keys the up wrote on them — also when a
//!    later clause of the same statement uses the node (`CREATE (u:User {uid: 'u1'}) CREATE
//!    (u)-[:R]->(r)` deletes `(u:User {uid: 'u1'})-[rel:R]->(r)`, never `(u)-[rel:R]->(r)`).
//!    Exact when a uniqueness constraint covers those keys; otherwise an `Assumption:` comment
//!    says which other nodes share them. A created node with no key, found only through its
//!    relationships to matched nodes, is `Inexact:` (it names what else it deletes); a node with
//!    neither labels nor key is refused.
//! 2. *Changed entities* are found by a marker property the up wrote, else by the same match
//!    after the up (the matched state after the up), with the assumption stated.
//! 3. *The matched state after the up*: a guard of the up that its own writes falsify — a test of
//!    a property or label it writes, a pattern predicate on a relationship type it creates
//!    (`WHERE NOT (c)-[:HAS_P]->()`) — is left out of the down's match. A property the up
//!    matched on and SETs (`MATCH (m {genre: 'Comedy'}) SET m.genre = 'Drama'`) is refused: after
//!    the up, nothing tells the changed entities from those that already had the new value.
//! 4. *Every variable in a derived statement is bound by that statement* (and it parses and
//!    passes the semantic checks): a final validation pass ([`validate`]) refuses a step whose
//!    inverse Neo4j would reject, e.g. one using a value computed in a `WITH` the down dropped.
//!
//! Where no identity exists the step is inexact (with a comment saying what else it may touch) or
//! refused — never exact.

mod data;
mod validate;

/// Expression helpers live beside the AST; the up/down comparison lives in [`crate::undo`].
use crate::expr;

pub use data::InverseStatement;

use crate::ast::{Statement, StatementKind};
use crate::migration::{Directive, DirectiveKind, Migration};
use crate::schema::{SchemaEvent, SchemaModel};
use crate::source::SourceFile;
use crate::span::Span;
use std::path::PathBuf;

/// The checker, as derivation needs it: the findings, as `(rule, message)`, of the rules named in
/// the second argument on a Cypher script. Derivation runs after checking and never calls back
/// into it: the caller (the plan compiler, `derive-down`) supplies [`crate::check::findings_of`].
pub type Checker<'a> = &'a dyn Fn(&str, &[&str]) -> Vec<(&'static str, String)>;

/// What undoing one up statement takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// These statements, in order.
    Inverse(Vec<InverseStatement>),
    /// Nothing: the statement changes nothing that needs undoing (a read, a no-op).
    Nothing(String),
    /// It cannot be undone, and why.
    Irreversible(String),
    /// It cannot be undone, and the migration says so (`// cymig:irreversible -- reason`).
    Acknowledged { why: String, reason: String },
}

/// The down derivation of one up statement.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedStep {
    pub statement: Span,
    /// 1-based line of the statement's first token.
    pub line: usize,
    /// The statement's first line, for comments and messages.
    pub summary: String,
    /// A schema command (its inverse is one too).
    pub schema: bool,
    pub outcome: Outcome,
}

/// The derived down script of one migration.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedDown {
    pub version: String,
    pub file: PathBuf,
    /// One per up statement, in up order.
    pub steps: Vec<DerivedStep>,
}

impl DerivedDown {
    /// The statements that cannot be undone (not acknowledged).
    pub fn irreversible(&self) -> Vec<&DerivedStep> {
        self.steps.iter().filter(|s| matches!(s.outcome, Outcome::Irreversible(_))).collect()
    }

    pub fn is_reversible(&self) -> bool {
        self.irreversible().is_empty()
    }

    fn file_name(&self) -> String {
        self.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// The whole down script, or `None` when a statement cannot be undone.
    pub fn render(&self) -> Option<String> {
        if !self.is_reversible() {
            return None;
        }
        let mut out = format!(
            "// Down script of {} (version {}), derived by cymig.\n\
             // It undoes the migration's statements in reverse order; every step that is exact only\n\
             // under an assumption, or not exact, says so in a comment above it.\n",
            self.file_name(),
            self.version
        );
        let undone = |schema: bool| {
            self.steps.iter().any(|s| s.schema == schema && matches!(&s.outcome, Outcome::Inverse(l) if !l.is_empty()))
        };
        let body = self.render_steps(&self.steps.iter().map(|s| s.statement).collect::<Vec<_>>());
        // The rule leaves a file alone when every statement can run again after a failure.
        let rerunnable = || crate::syntax::parse(&body).statements.iter().all(crate::rules::util::rerunnable);
        if undone(true) && undone(false) && !rerunnable() {
            out.push_str(
                "// cymig:ignore-file mixed-schema-and-data -- mirrors the migration, which mixes them too; \
                 the plan runs them in separate transactions\n",
            );
        }
        if !body.is_empty() {
            out.push('\n');
            out.push_str(&body);
        }
        Some(out)
    }

    /// The inverse of the given up statements (a plan step), without the header; `None` when
    /// one of them cannot be undone, an empty string when none needs undoing.
    pub fn render_for(&self, statements: &[Span]) -> Option<String> {
        let steps: Vec<&DerivedStep> = self.steps.iter().filter(|s| statements.contains(&s.statement)).collect();
        if steps.iter().any(|s| matches!(s.outcome, Outcome::Irreversible(_))) {
            return None;
        }
        Some(self.render_blocks(statements, false))
    }

    fn render_steps(&self, statements: &[Span]) -> String {
        self.render_blocks(statements, true)
    }

    /// `with_nothing`: also say which statements need no undoing (the full script does; a
    /// plan step's down keeps only what runs).
    fn render_blocks(&self, statements: &[Span], with_nothing: bool) -> String {
        let mut blocks = Vec::new();
        for step in self.steps.iter().rev().filter(|s| statements.contains(&s.statement)) {
            let undoes = format!("// Undoes line {}: {}", step.line, step.summary);
            match &step.outcome {
                Outcome::Inverse(list) => {
                    for (i, inv) in list.iter().enumerate() {
                        let mut block = String::new();
                        block.push_str(&undoes);
                        if list.len() > 1 {
                            block.push_str(&format!(" ({} of {})", i + 1, list.len()));
                        }
                        block.push('\n');
                        for note in &inv.notes {
                            block.push_str(&comment(note));
                        }
                        for directive in &inv.directives {
                            block.push_str(&format!("// {directive}\n"));
                        }
                        block.push_str(&inv.cypher);
                        block.push_str(";\n");
                        blocks.push(block);
                    }
                }
                Outcome::Nothing(why) if with_nothing => blocks.push(format!("{undoes}\n// Nothing to undo: {why}.\n")),
                Outcome::Nothing(_) => {}
                Outcome::Acknowledged { why, reason } => blocks
                    .push(format!("{undoes}\n// NOT UNDONE: {why}.\n// The migration acknowledges this: {reason}\n")),
                Outcome::Irreversible(why) => blocks.push(format!("{undoes}\n// CANNOT BE UNDONE: {why}.\n")),
            }
        }
        blocks.join("\n")
    }
}

/// A comment line (or lines), wrapped at about 100 characters.
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("//");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 100 && line.len() > 2 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("//  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Derives the down script of a migration of the set the model was built from.
pub fn derive_migration(model: &SchemaModel, migration: &Migration, checker: Checker) -> DerivedDown {
    derive(
        model,
        &migration.version.raw,
        &migration.up.source,
        migration.up.migration_statements(),
        &migration.up.directives,
        checker,
    )
}

/// Derives the down script of one parsed migration file, version `version` of `model`.
pub fn derive(
    model: &SchemaModel,
    version: &str,
    source: &SourceFile,
    statements: &[Statement],
    directives: &[Directive],
    checker: Checker,
) -> DerivedDown {
    let text = source.text.as_str();
    let mut steps = Vec::new();
    for statement in statements {
        let outcome = match derive_statement(model, version, statement, text, checker) {
            Outcome::Irreversible(why) => match acknowledgement(statement, statements, directives) {
                Some(reason) => Outcome::Acknowledged { why, reason },
                None => Outcome::Irreversible(why),
            },
            other => other,
        };
        let line = source.line_col(statement.span.start).line;
        let outcome = match outcome {
            Outcome::Inverse(list) => {
                Outcome::Inverse(list.into_iter().map(|inv| with_directives(inv, line, checker)).collect())
            }
            other => other,
        };
        steps.push(DerivedStep {
            statement: statement.span,
            schema: matches!(statement.kind, StatementKind::Schema(_)),
            line,
            summary: summary(statement.span.text(text)),
            outcome,
        });
    }
    DerivedDown { version: version.to_string(), file: source.path.clone(), steps }
}

/// Rules whose finding on a derived statement is deliberate: the inverse mirrors the migration.
/// Each such finding is acknowledged with a `cymig:ignore` directive saying why.
const MIRRORED_RULES: &[(&str, &str)] = &[
    ("unbatched-write", "undoes line {line} in one transaction, as the migration did it"),
    ("require-schema-name", "re-creates exactly what line {line} dropped, which had no name"),
    ("cartesian-product", "the same MATCH as line {line} of the migration"),
    ("destructive-delete", "deletes only what line {line} of the migration created (see the assumption above)"),
];

fn with_directives(mut inv: InverseStatement, line: usize, checker: Checker) -> InverseStatement {
    let rules: Vec<&str> = MIRRORED_RULES.iter().map(|(r, _)| *r).collect();
    let found = checker(&format!("{};\n", inv.cypher), &rules);
    for (rule, why) in MIRRORED_RULES {
        if found.iter().any(|(r, _)| r == rule) {
            inv.directives.push(format!("cymig:ignore {rule} -- {}", why.replace("{line}", &line.to_string())));
        }
    }
    inv
}

/// The first line of a statement, shortened.
pub fn summary(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let more = text.trim().lines().count() > 1;
    if first.chars().count() > 70 {
        format!("{}…", first.chars().take(70).collect::<String>())
    } else if more {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// The reason of a `cymig:irreversible` directive right before the statement.
fn acknowledgement(statement: &Statement, statements: &[Statement], directives: &[Directive]) -> Option<String> {
    let previous_end =
        statements.iter().filter(|s| s.span.end <= statement.span.start).map(|s| s.span.end).max().unwrap_or(0);
    directives.iter().find_map(|d| match &d.kind {
        DirectiveKind::Irreversible { reason }
            if d.span.start >= previous_end && d.span.end <= statement.span.start =>
        {
            Some(reason.clone().unwrap_or_else(|| "no reason given".into()))
        }
        _ => None,
    })
}

fn derive_statement(
    model: &SchemaModel,
    version: &str,
    statement: &Statement,
    text: &str,
    checker: Checker,
) -> Outcome {
    let migration = model.migration(version);
    match &statement.kind {
        StatementKind::Schema(_) => {
            let event = migration.and_then(|m| m.event_for(statement.span));
            match event {
                Some(event) => schema_inverse(event),
                None => Outcome::Irreversible("the schema model has no record of this statement".into()),
            }
        }
        StatementKind::Query(query) => {
            let ctx = data::Context {
                model,
                version,
                catalog: migration.map(|m| m.catalog_at(statement.span.start)).unwrap_or_default(),
            };
            match data::invert_query(&ctx, query, text)
                .and_then(|list| validate::runnable(&list, checker).map(|_| list))
            {
                Ok(list) if list.is_empty() => Outcome::Nothing("the statement changes nothing in the graph".into()),
                Ok(list) => Outcome::Inverse(list),
                Err(why) => Outcome::Irreversible(why),
            }
        }
        StatementKind::Show(c) if c.terminates() => {
            Outcome::Nothing("TERMINATE TRANSACTIONS changes no data or schema".into())
        }
        StatementKind::Show(_) => Outcome::Nothing("SHOW only reads".into()),
        StatementKind::Terminate(_) => Outcome::Nothing("TERMINATE TRANSACTIONS changes no data or schema".into()),
        StatementKind::Admin(a) => {
            Outcome::Irreversible(format!("administration commands (`{}`) are not inverted", a.keywords.join(" ")))
        }
    }
}

fn schema_inverse(event: &SchemaEvent) -> Outcome {
    match event {
        SchemaEvent::Created { object, .. } => match object.drop_cypher() {
            Some(drop) => Outcome::Inverse(vec![InverseStatement { cypher: drop, notes: Vec::new(), destructive: false, directives: Vec::new() }]),
            None => Outcome::Irreversible(format!(
                "the {} cannot be dropped: Neo4j generates its name, and Neo4j 5 drops by name only (give it a name; see require-schema-name)",
                object.describe()
            )),
        },
        SchemaEvent::AlreadyExists { existing, if_not_exists: true, .. } => Outcome::Nothing(format!(
            "IF NOT EXISTS made it a no-op: the {} already existed{}",
            existing.describe(),
            existing.created_by.as_deref().map(|v| format!(" (created by V{v})")).unwrap_or_default()
        )),
        SchemaEvent::AlreadyExists { existing, if_not_exists: false, .. } => Outcome::Nothing(format!(
            "the {} already exists{}, so Neo4j rejects this statement",
            existing.describe(),
            existing.created_by.as_deref().map(|v| format!(" (created by V{v})")).unwrap_or_default()
        )),
        SchemaEvent::Dropped { object, .. } => {
            let mut notes = Vec::new();
            if object.name.is_none() {
                notes.push("Inexact: the dropped object had no name; Neo4j generates a new one".to_string());
            }
            if object.kind == crate::schema::ObjectKind::Index(crate::ast::IndexKind::Btree) {
                notes.push("Inexact: BTREE indexes do not exist in Neo4j 5; re-created as a RANGE index".to_string());
            }
            if let Some(v) = &object.created_by {
                notes.push(format!("Re-creates the definition from V{v}"));
            }
            Outcome::Inverse(vec![InverseStatement { cypher: object.create_cypher(), notes, destructive: false, directives: Vec::new() }])
        }
        SchemaEvent::DroppedUnknown { target, .. } => Outcome::Irreversible(format!(
            "it drops `{target}`, which no earlier migration created, so its definition is unknown"
        )),
    }
}
