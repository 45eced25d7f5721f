//! Compiling a migration set into a [`Plan`]: transaction steps, index waits, inverses and
//! checksums.
//!
//! Rules (Neo4j's, not ours):
//! - data statements of one migration share an explicit transaction (atomic);
//! - a schema command never shares a transaction with data (`ForbiddenDueToTransactionType`),
//!   so each runs alone, in auto-commit, and a mixed migration becomes several steps;
//! - `CALL { … } IN TRANSACTIONS`, `USING PERIODIC COMMIT` and `apoc.periodic.*` commit their own
//!   batches: each runs alone in auto-commit (Neo4j refuses the first two in an explicit one);
//! - administration commands run alone in auto-commit;
//! - after a run of schema steps that creates indexes or constraints, the last of them lists
//!   them in `await_indexes`, so the executor waits for them before anything later runs.

use super::batching::{batching_of, driving_count_of};
use super::{
    CallbackPlan, DatabaseRun, DownScript, MigrationPlan, PlaceholderUse, Plan, PlannedPrecondition, PlannedStatement,
    StatementClass, Step, TransactionMode,
};
use crate::ast::{Clause, Query, Statement, StatementKind};
use crate::derive::{derive_migration, DerivedDown};
use crate::migration::{precondition, FileRole, Migration, MigrationFile, MigrationSet, Version};
use crate::schema::effects::linear_clauses;
use crate::schema::{ModelInput, SchemaEvent, SchemaModel};
use crate::semantic::procedures;
use crate::semantic::{embedded_class, StatementClass as EmbeddedClass};
use crate::source::SourceFile;

/// Which migrations to plan: versions `from..=to` (both inclusive, both optional).
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub from: Option<Version>,
    pub to: Option<Version>,
}

impl PlanOptions {
    fn includes(&self, v: &Version) -> bool {
        self.from.as_ref().is_none_or(|f| v >= f) && self.to.as_ref().is_none_or(|t| v <= t)
    }
}

/// Compiles the set's versioned migrations in `options`' range (and, when no `to` is given,
/// its repeatable migrations after them).
pub fn compile(set: &MigrationSet, options: &PlanOptions) -> Plan {
    let mut model = SchemaModel::from_migrations(&set.migrations);
    let mut migrations: Vec<MigrationPlan> = Vec::new();
    for m in set.migrations.iter().filter(|m| options.includes(&m.version)) {
        let plan = plan_migration(&model, m);
        migrations.push(MigrationPlan { alternatives: alternatives_of(&mut model, m), ..plan });
    }
    migrations.extend(
        super::changelog::change_set_plans(set)
            .into_iter()
            .filter(|c| c.version.as_ref().is_some_and(|v| options.includes(v))),
    );
    if options.to.is_none() {
        for r in &set.repeatables {
            migrations.push(MigrationPlan {
                version: None,
                description: r.description.clone(),
                file: r.file.path().to_path_buf(),
                checksum: checksum(&r.file),
                steps: steps_of(&r.file.source, r.file.migration_statements(), None, None),
                down: None,
                verify: Vec::new(),
                unsupported: unsupported(&r.file),
                preconditions: preconditions_of(&r.file),
                placeholders: placeholders_of(&r.file),
                alternatives: Vec::new(),
            });
        }
    }
    Plan { migrations, callbacks: callbacks_of(set) }
}

/// The set's neo4j-migrations callbacks, in lifecycle order and, within a phase, by file name
/// (`beforeMigrate.cypher`, `beforeMigrate__a.cypher`, …).
fn callbacks_of(set: &MigrationSet) -> Vec<CallbackPlan> {
    let mut callbacks: Vec<CallbackPlan> = set
        .unrecognised
        .iter()
        .filter(|f| f.role == FileRole::Callback && f.catalog.is_none())
        .filter_map(|f| {
            let stem = f.path().file_stem()?.to_str()?;
            let phase = stem.split("__").next().unwrap_or(stem).to_string();
            Some(CallbackPlan {
                phase,
                file: f.path().to_path_buf(),
                runs: database_runs(f),
                unsupported: None,
                placeholders: placeholders_of(f),
            })
        })
        .collect();
    let lifecycle = |phase: &str| crate::migration::naming::CALLBACK_PHASES.iter().position(|p| *p == phase);
    callbacks.sort_by(|a, b| (lifecycle(&a.phase), a.file.file_name()).cmp(&(lifecycle(&b.phase), b.file.file_name())));
    callbacks
}

/// The file's statements cut where a `:use <db>` line changes the database, each run planned
/// into steps as a migration's statements are.
fn database_runs(file: &MigrationFile) -> Vec<DatabaseRun> {
    let statements = file.migration_statements();
    let mut runs = Vec::new();
    let mut start = 0;
    let uses = crate::ast::DatabaseUses::of(&file.script.comments);
    while start < statements.len() {
        let database = uses.at(statements[start].span.start);
        let len = statements[start..].iter().take_while(|s| uses.at(s.span.start) == database).count();
        let database = database.map(str::to_string);
        let steps = steps_of(&file.source, &statements[start..start + len], None, None);
        runs.push(DatabaseRun { database, steps });
        start += len;
    }
    runs
}

/// The neo4j-migrations preconditions of a file, with their places.
fn preconditions_of(file: &MigrationFile) -> Vec<PlannedPrecondition> {
    precondition::parse_runnable(&file.script.comments)
        .into_iter()
        .map(|p| {
            let at = file.source.line_col(p.offset);
            PlannedPrecondition {
                kind: p.kind,
                line: at.line,
                column: at.column,
                text: p.text,
                condition: p.condition,
                query: p.query,
            }
        })
        .collect()
}

fn plan_migration(model: &SchemaModel, m: &Migration) -> MigrationPlan {
    let derived = derive_migration(model, m, &crate::check::findings_of);
    let events = model.migration(&m.version.raw).map(|mm| mm.events.as_slice()).unwrap_or(&[]);
    // An empty or comment-only down script undoes nothing: planned as absent (derived, or
    // irreversible), as `irreversible` lints it, so `cymig down` never "rolls back" by doing
    // nothing.
    let explicit_down = m.down.as_ref().filter(|d| !d.migration_statements().is_empty() || !d.script.errors.is_empty());
    let down = match explicit_down {
        Some(explicit) => Some(DownScript {
            explicit: true,
            text: explicit.source.text.clone(),
            steps: steps_in_databases(&explicit.source, &explicit.script, explicit.migration_statements(), None, None),
        }),
        None => derived.render().and_then(|text| derived_down(m, text)),
    };
    let verify =
        m.up.verify_statements()
            .iter()
            .chain(m.verify.iter().flat_map(|v| v.verify_statements()))
            .map(|s| s.span.text(&source_of(m, s).source.text).to_string())
            .collect();
    MigrationPlan {
        version: Some(m.version.clone()),
        description: m.description.clone(),
        file: m.up.path().to_path_buf(),
        checksum: checksum(&m.up),
        steps: steps_in_databases(
            &m.up.source,
            &m.up.script,
            m.up.migration_statements(),
            Some(&derived),
            Some(events),
        ),
        down,
        verify,
        unsupported: unsupported(&m.up).or_else(|| m.down.as_ref().and_then(unsupported)),
        preconditions: preconditions_of(&m.up),
        placeholders: placeholders_of(&m.up).into_iter().chain(m.down.iter().flat_map(placeholders_of)).collect(),
        alternatives: Vec::new(),
    }
}

/// The plans of `m`'s alternative files, each against `model` with it standing in `m`'s place:
/// the model finds schema events by their place in the file, and another file's statement at
/// the same place is another statement.
fn alternatives_of(model: &mut SchemaModel, m: &Migration) -> Vec<MigrationPlan> {
    m.alternatives
        .iter()
        .map(|a| model.with_stand_in(&m.version.raw, &ModelInput::of(a), |model| plan_migration(model, a)))
        .collect()
}

/// Why the executor cannot run `file` as written: a catalog migration is XML, not Cypher.
fn unsupported(file: &MigrationFile) -> Option<String> {
    file.catalog.as_ref().map(|_| {
        format!(
            "{}: a neo4j-migrations catalog migration (XML), which cymig reads for the schema but does not apply; apply it with neo4j-migrations and record it with `cymig mark-applied`",
            file.path().display()
        )
    })
}

/// [`steps_of`] for each run of statements between `:use <db>` lines, each step naming the
/// database it runs in: a transaction never spans two databases.
fn steps_in_databases(
    source: &SourceFile,
    script: &crate::ast::Script,
    statements: &[Statement],
    derived: Option<&DerivedDown>,
    events: Option<&[SchemaEvent]>,
) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut start = 0;
    let uses = crate::ast::DatabaseUses::of(&script.comments);
    while start < statements.len() {
        let database = uses.at(statements[start].span.start);
        let len = statements[start..].iter().take_while(|s| uses.at(s.span.start) == database).count();
        let database = database.map(str::to_string);
        let mut run = steps_of(source, &statements[start..start + len], derived, events);
        for step in &mut run {
            step.database = database.clone();
        }
        steps.extend(run);
        start += len;
    }
    steps
}

/// The `${name}` placeholders of a file, with their places; the executor replaces them from
/// the configuration, and refuses a file with one outside strings that has no value.
fn placeholders_of(file: &MigrationFile) -> Vec<PlaceholderUse> {
    file.script
        .placeholders
        .iter()
        .map(|p| {
            let lc = file.source.line_col(p.span.start);
            PlaceholderUse {
                name: p.name.clone(),
                at: format!("{}:{}:{}", file.path().display(), lc.line, lc.column),
                in_code: p.in_code,
            }
        })
        .collect()
}

/// A derived down script, planned from its own parse. Derived scripts always re-parse cleanly
/// (the test harness checks it); one that did not would lose statements, so it is refused and
/// the migration treated as irreversible rather than half rolled back.
fn derived_down(m: &Migration, text: String) -> Option<DownScript> {
    let script = crate::syntax::parse(&text);
    if !script.errors.is_empty() {
        return None;
    }
    let source = SourceFile::new(m.up.path().with_extension("down.cypher"), text.clone());
    let steps = steps_in_databases(&source, &script, &script.statements, None, None);
    Some(DownScript { explicit: false, text, steps })
}

/// The file a verify statement belongs to (the up file's verify section or the companion).
fn source_of<'a>(m: &'a Migration, s: &Statement) -> &'a MigrationFile {
    match &m.verify {
        Some(v) if v.verify_statements().iter().any(|x| std::ptr::eq(x, s)) => v,
        _ => &m.up,
    }
}

/// Hex SHA-256 of the file's bytes, with CRLF line ends counted as LF (the same hash as
/// `cymig.sum` and the history the executor records, so a checkout with `autocrlf` does not
/// look edited). For a file with LF line ends it is exactly `sha256sum` of the file.
pub fn checksum(file: &MigrationFile) -> String {
    file.content_hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a statement must be run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// Joins the migration's current explicit transaction.
    Shared,
    /// Alone, in auto-commit.
    Alone,
}

/// Groups statements into transaction units (see the module docs for the rules).
pub fn steps_of(
    source: &SourceFile,
    statements: &[Statement],
    derived: Option<&DerivedDown>,
    events: Option<&[SchemaEvent]>,
) -> Vec<Step> {
    let text = &source.text;
    let mut steps: Vec<Step> = Vec::new();
    let mut open: Vec<PlannedStatement> = Vec::new();
    let mut open_spans = Vec::new();
    let close = |steps: &mut Vec<Step>, open: &mut Vec<PlannedStatement>, spans: &mut Vec<crate::span::Span>| {
        if !open.is_empty() {
            steps.push(Step {
                database: None,
                transaction: TransactionMode::Explicit,
                statements: std::mem::take(open),
                await_indexes: Vec::new(),
                down: derived.and_then(|d| d.render_for(spans)),
            });
            spans.clear();
        }
    };
    let mut pending_awaits: Vec<String> = Vec::new();
    let mut last_schema_step: Option<usize> = None;
    for statement in statements {
        let class = classify(statement);
        let planned = PlannedStatement {
            line: source.line_col(statement.span.start).line,
            kind: class,
            text: statement.span.text(text).to_string(),
            batched: batching_of(statement, text),
            driving_count: driving_count_of(statement, text),
        };
        match run_of(statement, class) {
            Run::Shared => {
                flush_awaits(&mut steps, &mut pending_awaits, &mut last_schema_step);
                open.push(planned);
                open_spans.push(statement.span);
            }
            Run::Alone => {
                close(&mut steps, &mut open, &mut open_spans);
                if class != StatementClass::Schema {
                    flush_awaits(&mut steps, &mut pending_awaits, &mut last_schema_step);
                }
                steps.push(Step {
                    database: None,
                    transaction: TransactionMode::AutoCommit,
                    statements: vec![planned],
                    await_indexes: Vec::new(),
                    down: derived.and_then(|d| d.render_for(&[statement.span])),
                });
                if class == StatementClass::Schema {
                    last_schema_step = Some(steps.len() - 1);
                    pending_awaits.extend(created_index_names(statement, events));
                }
            }
        }
    }
    close(&mut steps, &mut open, &mut open_spans);
    flush_awaits(&mut steps, &mut pending_awaits, &mut last_schema_step);
    steps
}

/// Puts the names created by a run of schema steps on the run's last step.
fn flush_awaits(steps: &mut [Step], pending: &mut Vec<String>, last: &mut Option<usize>) {
    if let Some(i) = last.take() {
        steps[i].await_indexes.append(pending);
    }
    pending.clear();
}

/// Names of the indexes and index-backed constraints a schema statement creates (unnamed ones
/// cannot be awaited by name; `require-schema-name` reports them).
fn created_index_names(statement: &Statement, events: Option<&[SchemaEvent]>) -> Vec<String> {
    crate::schema::events_of(events.unwrap_or(&[]), statement.span)
        .iter()
        .filter_map(|e| match e {
            SchemaEvent::Created { statement: s, object } if *s == statement.span && object.kind.is_index_backed() => {
                object.name.clone()
            }
            _ => None,
        })
        .collect()
}

fn run_of(statement: &Statement, class: StatementClass) -> Run {
    match class {
        StatementClass::Schema | StatementClass::Admin => Run::Alone,
        StatementClass::Data | StatementClass::Read => match &statement.kind {
            StatementKind::Query(q) if commits_its_own_batches(q) => Run::Alone,
            _ => Run::Shared,
        },
    }
}

/// `CALL … IN TRANSACTIONS`, `USING PERIODIC COMMIT`, `apoc.periodic.iterate/commit`.
pub fn commits_its_own_batches(q: &Query) -> bool {
    q.periodic_commit.is_some()
        || q.single_queries().flat_map(|sq| sq.clauses.iter()).any(|c| match c {
            Clause::CallSubquery(call) => call.in_transactions.is_some(),
            Clause::CallProcedure(p) => procedures::lookup(&p.procedure.dotted()).batches(),
            _ => false,
        })
}

/// Schema, data, read or admin.
pub fn classify(statement: &Statement) -> StatementClass {
    match &statement.kind {
        StatementKind::Schema(_) => StatementClass::Schema,
        StatementKind::Show(c) if c.terminates() => StatementClass::Admin,
        StatementKind::Show(_) => StatementClass::Read,
        StatementKind::Terminate(_) | StatementKind::Admin(_) => StatementClass::Admin,
        StatementKind::Query(q) => classify_query(q),
    }
}

fn classify_query(q: &Query) -> StatementClass {
    let mut writes = false;
    for sq in q.single_queries() {
        for clause in &sq.clauses {
            if let Clause::CallProcedure(p) = clause {
                let name = p.procedure.dotted();
                if procedures::lookup(&name).changes_schema() || embedded_class(p) == Some(EmbeddedClass::Schema) {
                    return StatementClass::Schema;
                }
            }
        }
    }
    let clauses_write = |clauses: &[&Clause]| {
        clauses.iter().any(|c| match c {
            Clause::Create(_)
            | Clause::Merge(_)
            | Clause::Set(_)
            | Clause::Remove(_)
            | Clause::Delete(_)
            | Clause::Foreach(_) => true,
            Clause::CallProcedure(p) => match embedded_class(p) {
                Some(class) => class != EmbeddedClass::Read,
                None => !procedures::lookup(&p.procedure.dotted()).leaves_graph_alone(),
            },
            Clause::CallSubquery(_) => true,
            _ => false,
        })
    };
    match linear_clauses(q) {
        Some(clauses) => writes |= clauses_write(&clauses),
        None => {
            for sq in q.single_queries() {
                let clauses: Vec<&Clause> = sq.clauses.iter().collect();
                writes |= clauses_write(&clauses);
            }
        }
    }
    if writes {
        StatementClass::Data
    } else {
        StatementClass::Read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of each alternative as a copy of the whole set with it in its version's place,
    /// replayed from the start, plans it: the reference the stand-in must agree with.
    fn planned_by_replaying_the_set(set: &MigrationSet, m: &Migration) -> Vec<MigrationPlan> {
        m.alternatives
            .iter()
            .map(|a| {
                let migrations: Vec<Migration> =
                    set.migrations.iter().map(|x| if x.version == m.version { a.clone() } else { x.clone() }).collect();
                plan_migration(&SchemaModel::from_migrations(&migrations), a)
            })
            .collect()
    }

    #[test]
    fn an_alternative_is_planned_as_if_the_set_were_replayed_with_it_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "V1__base.cypher",
                "CREATE INDEX gone IF NOT EXISTS FOR (n:G) ON (n.x);\n\
                 CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n\
                 MATCH (p:Person) SET p.status = 'new';\n",
            ),
            ("V2__drop.cypher", "DROP INDEX gone IF EXISTS;\n"),
            (
                "V3__a.cypher",
                "// assume that edition is community\n\
                 CREATE INDEX a3 IF NOT EXISTS FOR (n:A) ON (n.x);\n\
                 DROP INDEX gone IF EXISTS;\n\
                 MATCH (p:Person) SET p.status = 'active';\n",
            ),
            (
                "V3__b.cypher",
                "// assume that edition is enterprise\n\
                 DROP CONSTRAINT person_id IF EXISTS;\n\
                 CREATE INDEX b3 IF NOT EXISTS FOR (n:B) ON (n.x);\n\
                 DROP INDEX b3 IF EXISTS;\n\
                 MATCH (p:Person) SET p.status = 'gold';\n\
                 DROP INDEX gone IF EXISTS;\n",
            ),
            ("V4__later.cypher", "CREATE INDEX later IF NOT EXISTS FOR (n:L) ON (n.x);\nDROP INDEX a3 IF EXISTS;\n"),
            ("V5__old.cypher", "// assume that version is 4.4\nDROP INDEX ON :G(x);\nCREATE INDEX ON :H(y);\n"),
            // Spelled `05`: the stand-in answers to its own spelling of the version too.
            (
                "V05__new.cypher",
                "// assume that version is 5.26\nCREATE INDEX h_y IF NOT EXISTS FOR (n:H) ON (n.y);\n\
                 MATCH (p:Person) SET p.status = 'new';\n",
            ),
            ("V6__last.cypher", "MATCH (p:Person) SET p.status = 'done';\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let set = MigrationSet::load(dir.path()).unwrap();
        let mut model = SchemaModel::from_migrations(&set.migrations);
        let with_alternatives: Vec<&Migration> = set.migrations.iter().filter(|m| !m.alternatives.is_empty()).collect();
        assert_eq!(with_alternatives.len(), 2, "V3 and V5 each have an alternative");
        for m in with_alternatives {
            let expected = planned_by_replaying_the_set(&set, m);
            assert_eq!(alternatives_of(&mut model, m), expected, "{}", m.version.raw);
            assert!(expected.iter().all(|p| p.down.is_some()), "{expected:#?}");
        }
        // The stand-in is gone afterwards: the set's own plans are unchanged.
        let fresh = SchemaModel::from_migrations(&set.migrations);
        for m in &set.migrations {
            assert_eq!(plan_migration(&model, m), plan_migration(&fresh, m), "{}", m.version.raw);
        }
    }
}
