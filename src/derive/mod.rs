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
//! - an unnamed index or constraint of a migration that runs on Neo4j 4.x only → dropped by its
//!   definition; a legacy drop of an unknown object → re-created as it spells it out; a
//!   `DROP … IF EXISTS` of what was already dropped → nothing;
//! - `SET n.p = coalesce(n.p, v)` → `p` removed where it equals `v`;
//! - a node created once with labels only (or one clock value only) → one such node deleted;
//! - `apoc.refactor.rename.*` with literal names → renamed back;
//! - `apoc.refactor.setType(r, 'NEW')` of a matched relationship → set back; `apoc.create.addLabels`
//!   / `removeLabels` with literal labels → undone as `SET n:L` / `REMOVE n:L` are;
//! - `MERGE … ON MATCH SET` a literal marker or a `coalesce(n.c, 0) + 1` counter → the merged nodes
//!   without that value (the created ones) deleted, the marker removed / counter taken back on the rest;
//! - a SET over a property that earlier migrations only wrote as one literal → that literal restored;
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
//! 5. *Indistinguishable entities*: a node created with labels only, once, has no identity, but
//!    every node with exactly those labels, no property and no relationship is the same content;
//!    deleting one of them restores the graph up to element ids, which the `Inexact:` note says.
//!
//! 6. *Created or matched by a MERGE*: after `MERGE (n:L {k: 'x'}) ON MATCH SET n.seen = true`,
//!    every `(n:L {k: 'x'})` was created (no `seen`) or matched (`seen` set), provided the key map
//!    and ON CREATE do not write `seen` and the statement runs once: the ON MATCH value tells them
//!    apart, so the created ones are deleted exactly (not under the assumption a MERGE otherwise
//!    needs). The matched ones' old `seen` is assumed absent.
//! 7. *An earlier literal*: a SET over a property that earlier migrations of the set wrote, all
//!    with one literal (the schema model keeps literal values of writes), restores that literal on
//!    the same match, assuming nothing else wrote the property since.
//!
//! Where no identity exists the step is inexact (with a comment saying what else it may touch) or
//! refused — never exact.

mod data;
mod validate;

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
    /// The database the statement runs in (after `:use <db>`); its inverse runs there too.
    pub database: Option<String>,
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
        let rerunnable = || crate::syntax::parse(&body).statements.iter().all(crate::semantic::rerunnable);
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
        if self.steps_of(statements).any(|s| matches!(s.outcome, Outcome::Irreversible(_))) {
            return None;
        }
        Some(self.render_blocks(statements, false))
    }

    /// The steps of the given up statements, in up order. Steps are in file order, so each is
    /// found by a binary search (a scan of every step per plan step was quadratic in a file).
    fn steps_of(&self, statements: &[Span]) -> impl DoubleEndedIterator<Item = &DerivedStep> {
        let mut found: Vec<usize> = statements
            .iter()
            .filter_map(|span| {
                let i = self.steps.partition_point(|s| s.statement.start < span.start);
                self.steps.get(i).filter(|s| s.statement == *span).map(|_| i)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| &self.steps[i])
    }

    fn render_steps(&self, statements: &[Span]) -> String {
        self.render_blocks(statements, true)
    }

    /// `with_nothing`: also say which statements need no undoing (the full script does; a
    /// plan step's down keeps only what runs).
    /// The whole script (`with_nothing`) also switches databases with `:use <db>` lines where
    /// the up did (`:use neo4j` back to the configured one), so each inverse runs where its
    /// statement ran.
    fn render_blocks(&self, statements: &[Span], with_nothing: bool) -> String {
        let mut blocks = Vec::new();
        let mut database: Option<&str> = None;
        for step in self.steps_of(statements).rev() {
            let undoes = format!("// Undoes line {}: {}", step.line, step.summary);
            if with_nothing && step.database.as_deref() != database {
                database = step.database.as_deref();
                blocks.push(format!(":use {}\n", database.unwrap_or("neo4j")));
            }
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
    let mut down = derive(
        model,
        &migration.version.raw,
        &migration.up.source,
        migration.up.migration_statements(),
        &migration.up.directives,
        checker,
    );
    let uses = crate::ast::DatabaseUses::of(&migration.up.script.comments);
    for step in &mut down.steps {
        step.database = uses.at(step.statement.start).map(str::to_string);
    }
    down
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
    let once = validate::CheckedOnce::new(checker);
    let checker: Checker = &|text, select| once.findings(text, select);
    let text = source.text.as_str();
    let mut steps = Vec::new();
    let mut catalogs = model.migration(version).map(|m| m.catalogs_in_order());
    let words = data::FileWords::new(text);
    for statement in statements {
        let at = Place { catalogs: catalogs.as_mut(), words: &words };
        let outcome = match derive_statement(model, version, statement, text, checker, at) {
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
            database: None,
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
    (
        "legacy-index-syntax",
        "drops by definition what line {line} created unnamed; the migration runs on Neo4j 4.x only",
    ),
    (
        "legacy-constraint-syntax",
        "drops by definition what line {line} created unnamed; the migration runs on Neo4j 4.x only",
    ),
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
    let text = &crate::config::redact_cypher_passwords(text);
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
    // Statements (and directives) are in file order: binary searches, as a scan per
    // irreversible statement was quadratic in a file.
    let before = statements.partition_point(|s| s.span.start < statement.span.start);
    let previous_end =
        statements[..before].iter().rev().map(|s| s.span.end).find(|&end| end <= statement.span.start).unwrap_or(0);
    let first = directives.partition_point(|d| d.span.start < previous_end);
    directives[first..].iter().take_while(|d| d.span.start < statement.span.start).find_map(|d| match &d.kind {
        DirectiveKind::Irreversible { reason }
            if d.span.start >= previous_end && d.span.end <= statement.span.start =>
        {
            Some(reason.clone().unwrap_or_else(|| "no reason given".into()))
        }
        _ => None,
    })
}

/// What [`derive`] keeps across a file's statements for each one.
struct Place<'c, 'm, 't> {
    catalogs: Option<&'c mut crate::schema::CatalogCursor<'m>>,
    words: &'c data::FileWords<'t>,
}

fn derive_statement(
    model: &SchemaModel,
    version: &str,
    statement: &Statement,
    text: &str,
    checker: Checker,
    at: Place<'_, '_, '_>,
) -> Outcome {
    let migration = model.migration(version);
    match &statement.kind {
        StatementKind::Schema(_) => {
            let event = migration.and_then(|m| m.event_for(statement.span));
            match event {
                Some(event) => schema_inverse(model, version, statement, event),
                None => Outcome::Irreversible("the schema model has no record of this statement".into()),
            }
        }
        StatementKind::Query(query) => {
            let ctx = data::Context {
                model,
                version,
                catalog: at.catalogs.map(|c| c.at(statement.span.start).clone()).unwrap_or_default(),
                words: at.words,
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

fn schema_inverse(model: &SchemaModel, version: &str, statement: &Statement, event: &SchemaEvent) -> Outcome {
    match event {
        SchemaEvent::Created { object, .. } => match object.drop_cypher() {
            Some(drop) => Outcome::Inverse(vec![InverseStatement { cypher: drop, notes: Vec::new(), destructive: false, directives: Vec::new() }]),
            None => match unnamed_drop(model, version, object) {
                Some(inverse) => inverse,
                None => Outcome::Irreversible(format!(
                "the {} cannot be dropped: Neo4j generates its name, and Neo4j 5 drops by name only (give it a name; see require-schema-name)",
                object.describe()
                )),
            },
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
        SchemaEvent::DroppedUnknown { target, if_exists, .. } => {
            if let Some(v) = model.dropped_before(version, statement.span.start, target).filter(|_| *if_exists) {
                return Outcome::Nothing(format!("IF EXISTS made it a no-op: V{v} already dropped `{target}`"));
            }
            legacy_recreate(statement).unwrap_or_else(|| {
                Outcome::Irreversible(format!(
                    "it drops `{target}`, which no earlier migration created, so its definition is unknown"
                ))
            })
        }
    }
}

/// An unnamed index or constraint the migration created, on Neo4j 4.x: dropped by its definition.
/// Identity: 4.x allows one index (or constraint of a kind) per label and properties, so the
/// definition names exactly the object the up created.
fn unnamed_drop(model: &SchemaModel, version: &str, object: &crate::schema::SchemaObject) -> Option<Outcome> {
    if !model.drops_by_definition(version) {
        return None;
    }
    let cypher = object.legacy_drop_cypher()?;
    let note = "Neo4j 4.x only (as the migration is): Neo4j 5 drops by name only".to_string();
    Some(Outcome::Inverse(vec![InverseStatement {
        cypher,
        notes: vec![note],
        destructive: false,
        directives: Vec::new(),
    }]))
}

/// A legacy drop of an object no migration created re-creates what it spells out. Identity: the
/// drop failed unless exactly that definition existed; its name and options are not spelled out.
fn legacy_recreate(statement: &Statement) -> Option<Outcome> {
    use crate::ast::SchemaCommand;
    let StatementKind::Schema(command) = &statement.kind else { return None };
    let object = match command {
        SchemaCommand::DropIndex(d) => crate::schema::SchemaObject::from_legacy_target(&d.target, true)?,
        SchemaCommand::DropConstraint(d) => crate::schema::SchemaObject::from_legacy_target(&d.target, false)?,
        _ => return None,
    };
    let note = format!(
        "Inexact: re-creates the {} the DROP spells out; its name and options were not written, so Neo4j generates a new name and uses the default index provider",
        object.describe()
    );
    Some(Outcome::Inverse(vec![InverseStatement {
        cypher: object.create_cypher(),
        notes: vec![note],
        destructive: false,
        directives: Vec::new(),
    }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derived down of the last of `files` (version, text), as rendered, or the refusals.
    fn down(files: &[(&str, &str)]) -> String {
        let model = SchemaModel::replay_texts(files);
        let (version, text) = files[files.len() - 1];
        let statements = crate::syntax::parse(text).statements;
        let source = SourceFile::new(PathBuf::from(format!("V{version}__x.cypher")), text.to_string());
        let d = derive(&model, version, &source, &statements, &[], &|_: &str, _: &[&str]| Vec::new());
        d.render().unwrap_or_else(|| {
            d.irreversible().iter().map(|s| format!("REFUSED {:?}\n", s.outcome)).collect::<String>()
        })
    }

    #[test]
    fn an_unnamed_object_is_dropped_by_definition_only_on_4x() {
        let up = "CREATE CONSTRAINT ON (c:Car) ASSERT c.vin IS UNIQUE;\nCREATE INDEX ON :Car(model);\n";
        let guarded = format!("// assume that version is 4.4\n{up}");
        let d = down(&[("1", &guarded)]);
        assert!(d.contains("DROP INDEX ON :Car(model);"), "{d}");
        assert!(d.contains("DROP CONSTRAINT ON (n:Car) ASSERT n.vin IS UNIQUE;"), "{d}");
        assert!(!d.contains("Inexact"), "{d}");
        // Unguarded it may run on Neo4j 5, which drops by name only.
        assert!(down(&[("1", up)]).starts_with("REFUSED"));
    }

    #[test]
    fn a_legacy_drop_of_an_unknown_object_re_creates_what_it_spells_out() {
        let d = down(&[("1", "DROP INDEX ON :Plane(model);\n")]);
        assert!(d.contains("// Inexact: re-creates the range index (unnamed) on :Plane(model)"), "{d}");
        assert!(d.contains("CREATE INDEX IF NOT EXISTS FOR (n:Plane) ON (n.model);"), "{d}");
    }

    #[test]
    fn dropping_again_what_an_earlier_migration_dropped_is_a_no_op() {
        let create = ("1", "CREATE INDEX i FOR (n:L) ON (n.p);\n");
        let drop = ("2", "DROP INDEX i IF EXISTS;\n");
        let d = down(&[create, drop, ("3", "DROP INDEX i IF EXISTS;\n")]);
        assert!(d.contains("Nothing to undo: IF EXISTS made it a no-op: V2 already dropped `i`"), "{d}");
        // In the same migration too; but re-created in between, it is dropped for real.
        let d = down(&[("1", "CREATE INDEX i FOR (n:L) ON (n.p);\nDROP INDEX i;\nDROP INDEX i IF EXISTS;\n")]);
        assert!(d.contains("already dropped"), "{d}");
        let d = down(&[create, drop, ("3", "CREATE INDEX i FOR (n:L) ON (n.q);\nDROP INDEX i IF EXISTS;\n")]);
        assert!(d.contains("CREATE INDEX i IF NOT EXISTS FOR (n:L) ON (n.q);"), "{d}");
        // Without IF EXISTS Neo4j fails the statement: no claim about a no-op.
        assert!(down(&[create, drop, ("3", "DROP INDEX i;\n")]).starts_with("REFUSED"));
    }

    #[test]
    fn a_coalesce_fill_is_removed_where_it_equals_the_filled_value() {
        let d = down(&[("1", "MATCH (t:Ticket)\nSET t.status = coalesce(t.status, 'open');\n")]);
        assert!(d.contains("MATCH (t:Ticket)\nWHERE t.status = 'open'\nREMOVE t.status;"), "{d}");
        assert!(d.contains("// Inexact: removes `status` where it equals 'open'"), "{d}");
        // Computed from something else, or alongside another write: refused.
        assert!(down(&[("1", "MATCH (t:Ticket) SET t.status = coalesce(t.status, t.state);\n")]).starts_with("REFUSED"));
        let both = "MATCH (t:Ticket) SET t.status = coalesce(t.status, 'open'), t.seen = true;\n";
        assert!(down(&[("1", both)]).starts_with("REFUSED"), "{}", down(&[("1", both)]));
    }

    #[test]
    fn a_bare_created_node_is_deleted_as_one_identical_node() {
        let d = down(&[("1", "CREATE (n:Flag:Active) RETURN n;\n")]);
        assert!(
            d.contains(
                "MATCH (created:Flag:Active)\nWHERE size(labels(created)) = 2 AND size(keys(created)) = 0 AND NOT (created)--()\nWITH created LIMIT 1\nDELETE created;"
            ),
            "{d}"
        );
        assert!(d.contains("// Inexact: the created :Flag:Active node has no property to find it by"), "{d}");
        // Created with a clock value only: the latest one is deleted.
        let d = down(&[("1", "CREATE (m:Run {created_on: datetime.transaction()}) RETURN m;\n")]);
        assert!(
            d.contains("WHERE size(labels(created)) = 1 AND keys(created) = ['created_on'] AND NOT (created)--()\nWITH created ORDER BY created.created_on DESC LIMIT 1\nDELETE created;"),
            "{d}"
        );
        assert!(
            d.contains("// Inexact: the created :Run node has only a clock value `created_on` to find it by"),
            "{d}"
        );
        // Once per matched row, given more by another write, or a random value: refused.
        let refused = [
            "MATCH (x:X) CREATE (:Flag);\n",
            "CREATE (n:Flag) SET n.on = rand();\n",
            "CREATE (:Flag {at: rand()});\n",
            "CREATE (:Flag {at: timestamp(), by: randomUUID()});\n",
        ];
        for up in refused {
            assert!(down(&[("1", up)]).starts_with("REFUSED"), "{up}");
        }
    }

    #[test]
    fn an_apoc_rename_with_literal_names_is_renamed_back() {
        let d = down(&[("1", "CALL apoc.refactor.rename.label('Lead', 'Prospect');\n")]);
        assert!(d.contains("CALL apoc.refactor.rename.label('Prospect', 'Lead');"), "{d}");
        assert!(d.contains("// Assumption: no node had the label :Prospect before this migration"), "{d}");
        let d = down(&[("1", "CALL apoc.refactor.rename.type('OLD', 'NEW');\n")]);
        assert!(d.contains("CALL apoc.refactor.rename.type('NEW', 'OLD');"), "{d}");
        // A list of entities to rename cannot be found again.
        let listed = "MATCH (n:Lead) WITH collect(n) AS ns CALL apoc.refactor.rename.label('Lead', 'P', ns) YIELD total RETURN total;\n";
        assert!(down(&[("1", listed)]).starts_with("REFUSED"));
    }

    #[test]
    fn a_merge_on_match_marker_or_counter_tells_created_from_matched() {
        let up = "MERGE (c:Country {code: 'IT'}) ON CREATE SET c.name = 'Italia' ON MATCH SET c.seen = true, c.n = coalesce(c.n, 0) + 1;\n";
        let d = down(&[("1", up)]);
        assert!(
            d.contains("MATCH (c:Country {code: 'IT'})\nWHERE c.seen IS NULL AND c.n IS NULL\nDETACH DELETE c;"),
            "{d}"
        );
        assert!(d.contains("SET c.n = CASE c.n WHEN 1 THEN null ELSE c.n - 1 END\nREMOVE c.seen;"), "{d}");
        // An ON MATCH value the created nodes get too, a computed one, or a MERGE per row: refused.
        let refused = [
            "MERGE (c:Country {code: 'IT'}) ON CREATE SET c.seen = false ON MATCH SET c.seen = true;\n",
            "MERGE (c:Country {code: 'IT', seen: true}) ON MATCH SET c.seen = true;\n",
            "MERGE (c:Country {code: 'IT'}) ON MATCH SET c.at = datetime();\n",
            "MERGE (c:Country {code: 'IT'}) ON MATCH SET c.n = c.n + 1;\n",
            "UNWIND ['IT', 'IT'] AS k MERGE (c:Country {code: k}) ON MATCH SET c.seen = true;\n",
        ];
        for up in refused {
            assert!(down(&[("1", up)]).starts_with("REFUSED"), "{up}\n{}", down(&[("1", up)]));
        }
    }

    #[test]
    fn writing_the_earlier_literal_again_is_no_restore() {
        let v1 = ("1", "MATCH (m:Member) SET m.status = 'active';\n");
        let d = down(&[v1, ("2", "MATCH (m:Member {id: 8}) SET m.status = 'active';\n")]);
        assert!(d.starts_with("REFUSED"), "{d}");
    }

    #[test]
    fn created_nodes_found_by_keys_an_earlier_migration_writes_are_inexact() {
        let create = "UNWIND range(1, 6) AS i WITH i CREATE (n:Agent {idx: '00' + i});\n";
        let d = down(&[("1", create), ("2", create)]);
        assert!(d.contains("Inexact: V1 also writes :Agent with `idx`"), "{d}");
        assert!(!d.contains("Assumption: no :Agent"), "{d}");
        // Alone in its set, the usual assumption stands.
        assert!(down(&[("1", create)]).contains("Assumption: no :Agent with these properties"));
    }

    #[test]
    fn a_set_over_an_earlier_literal_restores_it() {
        let v1 = ("1", "MATCH (m:Member) SET m.status = 'active';\n");
        let d = down(&[v1, ("2", "MATCH (m:Member) WHERE m.age > 1 SET m.status = 'adult';\n")]);
        assert!(d.contains("MATCH (m:Member)\nWHERE m.age > 1\nSET m.status = 'active';"), "{d}");
        assert!(d.contains("as V1 wrote it"), "{d}");
        // Two different earlier literals, or a computed one: refused.
        let v2 = ("2", "CREATE (:Member {status: 'new'});\n");
        assert!(down(&[v1, v2, ("3", "MATCH (m:Member) SET m.status = 'x';\n")]).starts_with("REFUSED"));
        let computed = ("1", "MATCH (m:Member) SET m.status = toLower(m.name);\n");
        assert!(down(&[computed, ("2", "MATCH (m:Member) SET m.status = 'x';\n")]).starts_with("REFUSED"));
    }

    #[test]
    fn apoc_label_and_type_procedures_with_literals_are_undone() {
        let d = down(&[(
            "1",
            "MATCH (p:Person) CALL apoc.create.addLabels(p, ['Pioneer']) YIELD node RETURN count(node);\n",
        )]);
        assert!(d.contains("MATCH (p:Person)\nREMOVE p:Pioneer;"), "{d}");
        let rename = "MATCH (p:Old) CALL apoc.create.addLabels(p, ['New']) YIELD node CALL apoc.create.removeLabels(p, ['Old']) YIELD node AS n2 RETURN count(*);\n";
        let d = down(&[("1", rename)]);
        assert!(d.contains("MATCH (p:New)\nSET p:Old\nREMOVE p:New\nRETURN count(*);"), "{d}");
        let removed = "MATCH (p:Person) CALL apoc.create.removeLabels(p, ['Pioneer']) YIELD node RETURN count(node);\n";
        assert!(down(&[("1", removed)]).starts_with("REFUSED"));
        let d = down(&[(
            "1",
            "MATCH (a)-[k:KNOWS]->(b) CALL apoc.refactor.setType(k, 'MET') YIELD output RETURN count(*);\n",
        )]);
        assert!(d.contains("MATCH (a)-[k:MET]->(b)\nCALL apoc.refactor.setType(k, 'KNOWS') YIELD output AS restored\nRETURN count(restored) AS restored;"), "{d}");
        // Any other write beside it, or a computed type: refused.
        let other =
            "MATCH (a)-[k:KNOWS]->(b) SET a.x = 1 WITH k CALL apoc.refactor.setType(k, 'MET') YIELD output RETURN 1;\n";
        assert!(down(&[("1", other)]).starts_with("REFUSED"));
        let computed = "MATCH (a)-[k:KNOWS]->(b) CALL apoc.refactor.setType(k, a.t) YIELD output RETURN 1;\n";
        assert!(down(&[("1", computed)]).starts_with("REFUSED"));
    }
}
