//! What each schema statement of an `up` really did, and the `down` that undoes exactly that.
//!
//! `CREATE INDEX x IF NOT EXISTS` on a database where `x` already existed creates nothing; a down
//! derived from the file alone would drop `x` all the same. So the executor asks Neo4j: the
//! statement's update counters (`indexes_added`, `constraints_removed`, …) say whether it changed
//! anything; a named statement needs nothing more, except a `DROP`, whose object's
//! `createStatement` is read from `SHOW INDEXES` / `SHOW CONSTRAINTS` first so `down` can re-create
//! it exactly. A statement that names no object (Neo4j generates the name) or that cymig cannot
//! read is compared by name with `SHOW` before and after (after only when the counters moved).
//!
//! The effects are appended to the migration's history record (`schema_effects`, one JSON string
//! per object, in the order they happened) right after each statement, and reset when a new `up`
//! of the migration starts (not when `retry` resumes one: what the failed attempt did stays).
//! A record without them (applied before cymig recorded effects, `mark-applied`, `baseline`)
//! keeps the down as planned; so does one holding an `unknown` effect (a `SHOW` that failed).

use super::apply::{self, Unit};
use super::connect::Db;
use super::counters::Counters;
use super::history::{Record, MIGRATION_LABEL};
use super::migration_key;
use crate::ast::{DropTarget, SchemaCommand, StatementKind};
use crate::plan::{MigrationPlan, PlannedStatement, StatementClass, TransactionMode};
use neo4rs::{query, Query};
use serde::{Deserialize, Serialize};

/// The kind of schema object; Neo4j 5 names indexes and constraints in one namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Catalog {
    Index,
    Constraint,
}

impl Catalog {
    fn as_str(self) -> &'static str {
        match self {
            Catalog::Index => "index",
            Catalog::Constraint => "constraint",
        }
    }

    fn show(self) -> &'static str {
        match self {
            Catalog::Index => "SHOW INDEXES",
            Catalog::Constraint => "SHOW CONSTRAINTS",
        }
    }

    fn changed(self, c: &Counters) -> (i64, i64) {
        match self {
            Catalog::Index => (c.indexes_added, c.indexes_removed),
            Catalog::Constraint => (c.constraints_added, c.constraints_removed),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Dropped,
    /// What the statement did could not be read (a `SHOW` failed): the record's effects are
    /// incomplete, so `down` does not rely on them.
    Unknown,
}

/// One object a statement really created or dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaEffect {
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Catalog>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a dropped object: Neo4j's own statement re-creating it (`SHOW … YIELD createStatement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_statement: Option<String>,
    /// 1-based line of the up statement that did it.
    #[serde(default)]
    pub line: usize,
}

impl SchemaEffect {
    fn object(&self) -> String {
        format!("{} {}", self.kind.map_or("object", Catalog::as_str), self.name.as_deref().unwrap_or("(unnamed)"))
    }

    fn unknown(line: usize) -> SchemaEffect {
        SchemaEffect { action: Action::Unknown, kind: None, name: None, create_statement: None, line }
    }

    /// `created index x`, `dropped constraint c`, for status lines.
    pub fn describe(&self) -> String {
        match self.action {
            Action::Created => format!("created {}", self.object()),
            Action::Dropped => format!("dropped {}", self.object()),
            Action::Unknown => format!("line {}: effect unknown", self.line),
        }
    }
}

/// Reads the history's `schema_effects` list; `None` when the record has none.
pub(crate) fn from_history(raw: Option<Vec<String>>) -> Option<Vec<SchemaEffect>> {
    Some(raw?.iter().map(|s| serde_json::from_str(s).unwrap_or_else(|_| SchemaEffect::unknown(0))).collect())
}

/// Appends effects to a migration's record.
pub(crate) fn append(key: &str, effects: &[SchemaEffect]) -> Query {
    let encoded: Vec<String> = effects.iter().filter_map(|e| serde_json::to_string(e).ok()).collect();
    query(&format!(
        "MATCH (m:{MIGRATION_LABEL} {{key: $key}}) SET m.schema_effects = coalesce(m.schema_effects, []) + $effects"
    ))
    .param("key", key)
    .param("effects", encoded)
}

/// What a schema statement is about, as far as its text tells.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    /// `None`: cannot tell (a procedure, a statement that did not parse): both catalogs.
    catalog: Option<Catalog>,
    create: bool,
    /// The object's name; `None` when Neo4j generates it or it is given by a parameter.
    name: Option<String>,
}

fn target_of(text: &str) -> Target {
    let unknown = Target { catalog: None, create: false, name: None };
    let script = crate::syntax::parse(text);
    let Some(StatementKind::Schema(command)) = script.statements.first().map(|s| &s.kind) else { return unknown };
    let named = |n: Option<&crate::ast::Name>| n.map(|n| n.value.clone()).filter(|v| !v.starts_with('$'));
    let dropped = |t: &DropTarget| match t {
        DropTarget::Name(n) => named(Some(n)),
        _ => None,
    };
    match command {
        SchemaCommand::CreateIndex(c) => {
            Target { catalog: Some(Catalog::Index), create: true, name: named(c.name.as_ref()) }
        }
        SchemaCommand::CreateConstraint(c) => {
            Target { catalog: Some(Catalog::Constraint), create: true, name: named(c.name.as_ref()) }
        }
        SchemaCommand::DropIndex(d) => {
            Target { catalog: Some(Catalog::Index), create: false, name: dropped(&d.target) }
        }
        SchemaCommand::DropConstraint(d) => {
            Target { catalog: Some(Catalog::Constraint), create: false, name: dropped(&d.target) }
        }
    }
}

/// An object as `SHOW` lists it.
#[derive(Clone, Debug)]
struct Shown {
    name: String,
    create_statement: Option<String>,
}

async fn show(db: &Db, catalog: Catalog, only: Option<&str>) -> Result<Vec<Shown>, neo4rs::Error> {
    let filter = if only.is_some() { " WHERE name = $name" } else { "" };
    let text = format!("{} YIELD name, createStatement{filter} RETURN name, createStatement", catalog.show());
    let rows = db.rows_raw(query(&text).param("name", only.unwrap_or_default())).await?;
    Ok(rows
        .iter()
        .filter_map(|r| Some(Shown { name: r.get("name").ok()?, create_statement: r.get("createStatement").ok() }))
        .collect())
}

/// Runs one schema statement of an `up` and says what it really created or dropped. The
/// statement's own failure is the error; a `SHOW` that fails only makes the effect `unknown`.
pub(crate) async fn run(db: &Db, statement: &PlannedStatement) -> Result<(Counters, Vec<SchemaEffect>), neo4rs::Error> {
    let target = target_of(&statement.text);
    let line = statement.line;
    let catalogs = match target.catalog {
        Some(c) => vec![c],
        None => vec![Catalog::Index, Catalog::Constraint],
    };
    // A named CREATE is told by its counters alone; anything else needs the objects before.
    let mut before = Vec::new();
    let mut blind = false;
    if !(target.create && target.name.is_some()) {
        for &c in &catalogs {
            match show(db, c, target.name.as_deref()).await {
                Ok(shown) => before.push((c, shown)),
                Err(_) => blind = true,
            }
        }
    }
    let counters = db.run_raw(query(&statement.text)).await?;
    if blind {
        return Ok((counters, vec![SchemaEffect::unknown(line)]));
    }
    let mut effects = Vec::new();
    for &c in &catalogs {
        let (added, removed) = c.changed(&counters);
        if added == 0 && removed == 0 {
            continue;
        }
        let was: &[Shown] = before.iter().find(|(k, _)| *k == c).map_or(&[], |(_, s)| s.as_slice());
        match (&target.name, target.create) {
            (Some(name), true) => effects.push(created(c, name, line)),
            (Some(name), false) => effects.push(dropped(c, name, was, line)),
            (None, _) => match show(db, c, None).await {
                Ok(now) => effects.extend(diff(c, was, &now, line)),
                Err(_) => effects.push(SchemaEffect::unknown(line)),
            },
        }
    }
    Ok((counters, effects))
}

/// Whether statements that ran may have left an index or a constraint to wait for: their
/// counters say one was added, or one of them is not a plain `CREATE` / `DROP` command (a
/// procedure, which the counters may not see). A `CREATE … IF NOT EXISTS` that found its object
/// has nothing to wait for.
pub(crate) fn may_have_created(statements: &[PlannedStatement], counters: &Counters) -> bool {
    counters.indexes_added > 0
        || counters.constraints_added > 0
        || statements.iter().any(|s| s.kind == StatementClass::Schema && target_of(&s.text).catalog.is_none())
}

fn created(kind: Catalog, name: &str, line: usize) -> SchemaEffect {
    SchemaEffect {
        action: Action::Created,
        kind: Some(kind),
        name: Some(name.to_string()),
        create_statement: None,
        line,
    }
}

fn dropped(kind: Catalog, name: &str, was: &[Shown], line: usize) -> SchemaEffect {
    let create_statement = was.iter().find(|s| s.name == name).and_then(|s| s.create_statement.clone());
    SchemaEffect { action: Action::Dropped, kind: Some(kind), name: Some(name.to_string()), create_statement, line }
}

/// Objects that appeared and disappeared between two listings.
fn diff(kind: Catalog, before: &[Shown], after: &[Shown], line: usize) -> Vec<SchemaEffect> {
    let gone = before.iter().filter(|b| !after.iter().any(|a| a.name == b.name));
    let new = after.iter().filter(|a| !before.iter().any(|b| b.name == a.name));
    gone.map(|b| dropped(kind, &b.name, before, line)).chain(new.map(|a| created(kind, &a.name, line))).collect()
}

/// The down units of a migration, given what its up really did, and what to tell the user.
pub(crate) struct Down {
    /// `None`: irreversible.
    pub units: Option<Vec<Unit>>,
    pub notes: Vec<String>,
}

/// [`apply::down_units`], narrowed to what the up really did when its record says so:
/// - a derived down skips the drop of an object the up did not create (it existed before: an
///   `IF NOT EXISTS` no-op) and the re-creation of one the up did not drop;
/// - a migration of schema statements only that has no down (one dropped an object no migration
///   created, or created one Neo4j named) is undone from its effects: the objects it created are
///   dropped, the ones it dropped re-created from their recorded `createStatement`;
/// - an explicit down runs as written, with a warning for each object it drops that the up did
///   not create.
pub(crate) fn down_for(m: &MigrationPlan, records: &[Record]) -> Down {
    let planned = apply::down_units(m);
    let key = migration_key(m);
    let effects = records
        .iter()
        .find(|r| r.key == key)
        .and_then(|r| r.schema_effects.as_deref())
        .filter(|e| !e.iter().any(|e| e.action == Action::Unknown));
    let Some(effects) = effects else { return Down { units: planned, notes: Vec::new() } };
    let of = format!("V{key}");
    match (&m.down, planned) {
        (Some(d), Some(units)) if d.explicit => {
            let notes = explicit_warnings(&units, effects, &of);
            Down { units: Some(units), notes }
        }
        (Some(_), Some(units)) => narrow_derived(units, effects, &of),
        (None, None) if only_schema(m) => from_effects(effects, &of),
        (_, planned) => Down { units: planned, notes: Vec::new() },
    }
}

fn names(effects: &[SchemaEffect], action: Action) -> Vec<&str> {
    effects.iter().filter(|e| e.action == action).filter_map(|e| e.name.as_deref()).collect()
}

fn narrow_derived(units: Vec<Unit>, effects: &[SchemaEffect], of: &str) -> Down {
    let created = names(effects, Action::Created);
    let dropped = names(effects, Action::Dropped);
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    for mut unit in units {
        // Effects are read in the configured database only; a unit elsewhere runs as planned.
        let elsewhere = unit.database.is_some();
        unit.statements.retain(|s| {
            if elsewhere || s.kind != StatementClass::Schema {
                return true;
            }
            let t = target_of(&s.text);
            let (Some(name), Some(catalog)) = (t.name.as_deref(), t.catalog) else { return true };
            let what = catalog.as_str();
            if !t.create && !created.contains(&name) {
                notes.push(format!("{what} {name} existed before {of}; left in place"));
                return false;
            }
            if t.create && !dropped.contains(&name) {
                notes.push(format!("{what} {name} did not exist before {of} (it dropped nothing); not re-created"));
                return false;
            }
            true
        });
        if !unit.statements.is_empty() {
            kept.push(unit);
        }
    }
    Down { units: Some(kept), notes }
}

fn explicit_warnings(units: &[Unit], effects: &[SchemaEffect], of: &str) -> Vec<String> {
    let created = names(effects, Action::Created);
    units
        .iter()
        .filter(|u| u.database.is_none())
        .flat_map(|u| &u.statements)
        .filter(|s| s.kind == StatementClass::Schema)
        .filter_map(|s| {
            let t = target_of(&s.text);
            let name = t.name.filter(|n| !t.create && !created.contains(&n.as_str()))?;
            Some(format!(
                "warning: the down script drops {} {name} (line {}), which {of} did not create (it existed \
                 before); running the down script as written",
                t.catalog.map_or("object", Catalog::as_str),
                s.line
            ))
        })
        .collect()
}

fn only_schema(m: &MigrationPlan) -> bool {
    if m.steps.iter().any(|s| s.database.is_some()) {
        return false;
    }
    let mut statements = m.steps.iter().flat_map(|s| &s.statements).peekable();
    statements.peek().is_some() && statements.all(|s| s.kind == StatementClass::Schema)
}

/// Undoes, newest first, what a schema-only up recorded.
fn from_effects(effects: &[SchemaEffect], of: &str) -> Down {
    let mut units = Vec::new();
    let mut notes = Vec::new();
    for e in effects.iter().rev() {
        let text = match (e.action, &e.name, e.kind) {
            (Action::Created, Some(name), Some(kind)) => {
                format!("DROP {} `{}` IF EXISTS", kind.as_str().to_uppercase(), name.replace('`', "``"))
            }
            (Action::Dropped, _, _) if e.create_statement.is_some() => e.create_statement.clone().unwrap_or_default(),
            _ => return Down { units: None, notes: Vec::new() },
        };
        notes.push(format!("{of} has no derived down; undoing what it recorded: {text}"));
        units.push(Unit {
            mode: TransactionMode::AutoCommit,
            statements: vec![PlannedStatement {
                line: e.line,
                kind: StatementClass::Schema,
                text,
                batched: None,
                driving_count: None,
            }],
            schema: true,
            database: None,
        });
    }
    Down { units: Some(units), notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(name: &str) -> Shown {
        Shown { name: name.into(), create_statement: Some(format!("CREATE INDEX `{name}` FOR (n:L) ON (n.p)")) }
    }

    #[test]
    fn reads_the_object_a_statement_names() {
        let t = target_of("CREATE INDEX x IF NOT EXISTS FOR (n:L) ON (n.p)");
        assert_eq!(t, Target { catalog: Some(Catalog::Index), create: true, name: Some("x".into()) });
        let t = target_of("DROP CONSTRAINT `my c` IF EXISTS");
        assert_eq!(t, Target { catalog: Some(Catalog::Constraint), create: false, name: Some("my c".into()) });
        assert_eq!(target_of("CREATE INDEX FOR (n:L) ON (n.p)").name, None);
        assert_eq!(target_of("CALL db.createIndex('x')").catalog, None);
    }

    #[test]
    fn a_listing_diff_names_what_appeared_and_what_went() {
        let effects = diff(Catalog::Index, &[shown("a"), shown("b")], &[shown("b"), shown("c")], 3);
        let described: Vec<String> = effects.iter().map(SchemaEffect::describe).collect();
        assert_eq!(described, ["dropped index a", "created index c"]);
        assert_eq!(effects[0].create_statement.as_deref(), Some("CREATE INDEX `a` FOR (n:L) ON (n.p)"));
    }

    #[test]
    fn effects_round_trip_through_the_history_and_garbage_is_unknown() {
        let e = created(Catalog::Constraint, "c", 2);
        let raw = vec![serde_json::to_string(&e).unwrap(), "not json".to_string()];
        let read = from_history(Some(raw)).unwrap();
        assert_eq!(read[0], e);
        assert_eq!(read[1].action, Action::Unknown);
        assert_eq!(from_history(None), None);
    }

    #[test]
    fn undoing_recorded_effects_goes_newest_first() {
        let mut gone = dropped(Catalog::Constraint, "old", &[], 1);
        gone.create_statement = Some("CREATE CONSTRAINT `old` FOR (n:L) REQUIRE n.p IS UNIQUE".into());
        let down = from_effects(&[gone, created(Catalog::Index, "in`dex", 2)], "V3");
        let texts: Vec<String> = down.units.unwrap().iter().map(|u| u.statements[0].text.clone()).collect();
        assert_eq!(
            texts,
            ["DROP INDEX `in``dex` IF EXISTS", "CREATE CONSTRAINT `old` FOR (n:L) REQUIRE n.p IS UNIQUE"]
        );
        let unknown_definition = dropped(Catalog::Index, "x", &[], 1);
        assert!(from_effects(&[unknown_definition], "V3").units.is_none());
    }
}
