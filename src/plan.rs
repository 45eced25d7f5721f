//! The transaction plan: the only input the executor accepts.
//!
//! A [`Plan`] is plain data (it serialises to the JSON shape `cymig plan --format json` prints).
//! The executor takes a [`CheckedPlan`], which only the checker can build, so nothing reaches a
//! database without having passed the checker at error severity.

use crate::check::Passed;
use crate::migration::Version;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    pub migrations: Vec<MigrationPlan>,
    /// neo4j-migrations lifecycle callbacks (`beforeMigrate.cypher`, …), in the order each
    /// phase runs them: never recorded as migrations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<CallbackPlan>,
}

/// A callback file, as `cymig up` runs it in its phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallbackPlan {
    /// `beforeFirstUse`, `beforeMigrate`, `afterMigrate`, … (neo4j-migrations' names).
    pub phase: String,
    pub file: PathBuf,
    /// Runs of statements against one database (`None`: the configured one; a `:use <db>`
    /// line starts a run against `db`), each compiled into steps like a migration's.
    pub runs: Vec<DatabaseRun>,
    /// Why cymig cannot run it as written (a placeholder without a value), with the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<PlaceholderUse>,
}

/// Consecutive statements of a file that run against one database.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatabaseRun {
    pub database: Option<String>,
    pub steps: Vec<Step>,
}

/// A neo4j-migrations precondition (`// assume that …`, `// assert that …`), evaluated on the
/// target before the migration is applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedPrecondition {
    pub kind: crate::migration::precondition::Kind,
    pub line: usize,
    pub column: usize,
    /// The comment as written, without `//`.
    pub text: String,
    #[serde(skip)]
    pub condition: crate::migration::precondition::Condition,
    #[serde(skip)]
    pub query: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MigrationPlan {
    /// The version (serialised as written in the file name: `1_10`, `2.1`), compared as a
    /// version; `None` for repeatable migrations.
    pub version: Option<Version>,
    pub description: String,
    pub file: PathBuf,
    /// Hex SHA-256 of the file's bytes.
    pub checksum: String,
    pub steps: Vec<Step>,
    /// The whole down script (explicit or derived), or `None` when the migration is irreversible.
    pub down: Option<DownScript>,
    /// Queries from a `// cymig:verify` section or a `.verify.cypher` companion; each must return true.
    pub verify: Vec<String>,
    /// Why cymig cannot run this migration as written (a catalog migration, a
    /// neo4j-migrations placeholder without a value), with the place: `up` refuses it rather
    /// than run it with `${…}` in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported: Option<String>,
    /// Its neo4j-migrations preconditions, in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preconditions: Vec<PlannedPrecondition>,
    /// The `${name}` placeholders of its up and down files, replaced from the configuration
    /// before it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<PlaceholderUse>,
    /// Other files of this version, each guarded by neo4j-migrations assumptions that exclude
    /// this one's: the executor applies the one whose assumptions hold (see
    /// [`crate::exec::preconditions`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<MigrationPlan>,
}

/// A `${name}` placeholder and where it is written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceholderUse {
    pub name: String,
    /// `file:line:column`.
    pub at: String,
    /// Outside strings and names: Neo4j rejects the statement unless it is replaced.
    pub in_code: bool,
}

impl MigrationPlan {
    /// The version as written in the file name, for messages and the history record.
    pub fn version_text(&self) -> Option<&str> {
        self.version.as_ref().map(|v| v.raw.as_str())
    }

    /// Whether `text` as a user types it (`1.10`, `V1_10`, `001_10`) names this migration's version.
    pub fn has_version(&self, text: &str) -> bool {
        let typed = Version::parse(text.strip_prefix(['V', 'v']).unwrap_or(text));
        self.version.as_ref().is_some_and(|v| typed.is_ok_and(|t| t == *v))
    }
}

#[cfg(test)]
impl MigrationPlan {
    /// A versioned migration `V<version>__<description>.cypher` of one explicit step per entry
    /// of `steps` and nothing else: what unit tests of the executor start from.
    pub fn for_test(version: &str, description: &str, steps: Vec<Vec<PlannedStatement>>) -> MigrationPlan {
        MigrationPlan {
            version: Some(Version::parse(version).expect("a version")),
            description: description.to_string(),
            file: format!("V{version}__{description}.cypher").into(),
            checksum: String::new(),
            steps: steps
                .into_iter()
                .map(|statements| Step {
                    database: None,
                    transaction: TransactionMode::Explicit,
                    statements,
                    await_indexes: Vec::new(),
                    down: None,
                })
                .collect(),
            down: None,
            verify: Vec::new(),
            unsupported: None,
            preconditions: Vec::new(),
            placeholders: Vec::new(),
            alternatives: Vec::new(),
        }
    }
}

/// One transaction unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The database it runs in, after a `:use <db>` line; `None`: the configured (home) database,
    /// which also keeps the history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    pub transaction: TransactionMode,
    pub statements: Vec<PlannedStatement>,
    /// Index and constraint names this step creates that must be online before the next step runs.
    pub await_indexes: Vec<String>,
    /// The Cypher that undoes this step, if known.
    pub down: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// Statements share one explicit transaction, committed together with the history record.
    Explicit,
    /// Run alone in an auto-commit (implicit) transaction: schema commands and
    /// `CALL { … } IN TRANSACTIONS` / `USING PERIODIC COMMIT`.
    AutoCommit,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedStatement {
    /// 1-based line of the statement's first token.
    pub line: usize,
    pub kind: StatementClass,
    /// The statement's text as written (without the trailing `;`).
    pub text: String,
    /// Set when the statement commits its own batches (`CALL … IN TRANSACTIONS`,
    /// `apoc.periodic.*`, `USING PERIODIC COMMIT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batched: Option<Batched>,
    /// For an unbatched data statement: a read query returning, as `v`, how many rows its first
    /// write runs for (`cymig up` refuses above `max-unbatched-rows`); see [`batching::driving_count_of`].
    #[serde(skip)]
    pub driving_count: Option<String>,
}

/// How a statement that commits its own batches is driven (see [`batching`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batched {
    /// Rows per inner transaction (`OF n ROWS`, apoc's `batchSize`, or the default); `None`
    /// when it is a parameter or an expression, known only at run time.
    pub rows_per_batch: Option<u64>,
    /// A read query returning, as `v`, how many rows the batches will process; `None` when the
    /// driving query cannot be separated.
    pub count_query: Option<String>,
    /// The statement rewritten to return one row per driving row as its batch commits, so
    /// progress can count committed rows; `None` when it must run as written.
    pub streaming: Option<String>,
    /// `apoc.periodic.iterate`, which returns its counters (and swallows failed batches) in a row.
    pub apoc_iterate: bool,
    /// What a re-run after some batches committed does ([`crate::semantic::rerun`]).
    pub rerun: crate::semantic::rerun::Rerun,
    /// [`Batched::streaming`] whose every driving row also advances the history record's
    /// checkpoint (`$__cymig_key`) in its own inner transaction, so the committed rows are known
    /// exactly; for a [`Rerun::Resumable`](crate::semantic::rerun::Rerun) statement it skips the first
    /// `$__cymig_skip` driving rows. `None` where batches may commit out of order (concurrently).
    #[serde(skip)]
    pub checkpointed: Option<String>,
    /// [`Batched::checkpointed`] advances the checkpoint once per batch, returns one
    /// `__cymig_n` row per batch and records the total driving rows as `checkpoint_total`
    /// (rather than once per driving row).
    #[serde(skip)]
    pub checkpoint_per_batch: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementClass {
    Schema,
    Data,
    Read,
    Admin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DownScript {
    /// `true` when taken from an explicit down file, `false` when derived.
    pub explicit: bool,
    pub text: String,
    /// The script's transaction units, planned from its AST like the up steps.
    pub steps: Vec<Step>,
}

/// A plan built from migrations that passed the checker with no error-severity findings.
///
/// Its field is private and its only constructor takes a [`Passed`] set, which only the
/// checker's gate makes: holding one is proof that the check happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckedPlan(Plan);

impl CheckedPlan {
    /// Compiles the plan of a set the checker passed.
    pub fn compile(passed: &Passed, options: &PlanOptions) -> Self {
        CheckedPlan(compile(passed.set(), options))
    }

    /// A plan the checker never saw, for the executor's unit tests.
    #[cfg(test)]
    pub(crate) fn unchecked(plan: Plan) -> Self {
        CheckedPlan(plan)
    }

    pub fn plan(&self) -> &Plan {
        &self.0
    }

    /// The same checked plan as the executor adapts it to the target just before running it
    /// (placeholders filled in, migrations an unmet `// assume` skips left out). Only the
    /// executor calls it; a plan that never passed the checker still cannot be made.
    pub(crate) fn adapted(self, adapt: impl FnOnce(Plan) -> Plan) -> Self {
        CheckedPlan(adapt(self.0))
    }
}

/// The label of the history's migration nodes: the executor keeps the history, and the plan's
/// checkpointed batch statements advance a record of it.
pub const MIGRATION_LABEL: &str = "__CymigMigration";

pub mod batching;
pub mod changelog;
pub mod compile;
pub mod html;
pub mod output;

pub use compile::{classify, compile, PlanOptions};
