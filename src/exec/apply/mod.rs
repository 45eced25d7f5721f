//! Applying migrations: `up`, `down` and `retry`, one transaction unit at a time.
//!
//! Crash safety, step by step:
//! - an explicit step runs in one transaction together with its history update (and, for the
//!   last step, the verify queries and the `applied` record): it is either entirely there,
//!   recorded, or entirely absent;
//! - an auto-commit step (schema command, `CALL … IN TRANSACTIONS`, `apoc.periodic.*`) cannot share
//!   a transaction with anything, so a `running` record (with the step number) is committed first
//!   and the step's completion is recorded after it. A process killed in between leaves `running`,
//!   which `up` refuses to pass and `retry` resumes by re-running that step;
//! - a batched step may be partly applied when it stops. Re-running it is safe only when it is
//!   idempotent ([`crate::semantic::rerun`]); a resumable one (a fixed `UNWIND` list) checkpoints
//!   every batch on the history record inside that batch's transaction, and `retry` skips the rows
//!   committed; `retry` refuses to re-run any other one that committed rows (`--force` overrides);
//! - every history write re-checks, under a write lock held until its transaction commits, that
//!   this process still holds the migration lock (last in an explicit step's transaction, alone
//!   in auto-commit mode around an auto-commit step), so a process that lost its lease can never
//!   commit a step or record one.

mod batched;
mod hooks;
mod run;
mod select;

use super::counters::Counters;
use super::lock::Lock;
use super::preconditions::recorded_alternatives;
use super::schema_effects;
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::exec::connect::{is_connection_loss, is_transient, out_of_memory_advice, txn_rows, txn_run};
use crate::exec::history::{self, BatchCount, Direction, Record, Status, Update};
use crate::exec::progress::{Planned, StepProgress};
use crate::plan::{Batched, CheckedPlan, MigrationPlan, PlannedStatement, StatementClass, Step, TransactionMode};
use crate::semantic::rerun::Rerun;
use neo4rs::{query, Txn};
use std::time::{Duration, Instant};

use run::{after_completed, Run};
use select::previous_applied_version;
pub use select::recovery_command;
pub(crate) use select::{find, irreversible_message, pending, refuse_blocked, refuse_drift, short, to_roll_back};

/// One transaction unit to run: a step of the plan's up steps, or of its down script.
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub mode: TransactionMode,
    pub statements: Vec<PlannedStatement>,
    /// Contains schema commands: wait for indexes afterwards.
    pub schema: bool,
    /// The database it runs in, after a `:use <db>` line; `None`: the configured one.
    pub database: Option<String>,
}

impl Unit {
    fn of(step: &Step) -> Unit {
        Unit {
            database: step.database.clone(),
            mode: step.transaction,
            statements: step.statements.clone(),
            schema: !step.await_indexes.is_empty() || step.statements.iter().any(is_schema),
        }
    }
}

pub(crate) fn is_schema(statement: &PlannedStatement) -> bool {
    statement.kind == StatementClass::Schema
}

/// The database `unit` runs in when it is not `home` (the configured one; `None`: the server's
/// default).
pub(crate) fn other_database<'u>(home: Option<&str>, unit: &'u Unit) -> Option<&'u str> {
    unit.database.as_deref().filter(|d| !home.is_some_and(|h| h.eq_ignore_ascii_case(d)))
}

pub(crate) fn up_units(m: &MigrationPlan) -> Vec<Unit> {
    m.steps.iter().map(Unit::of).collect()
}

pub(crate) fn down_units(m: &MigrationPlan) -> Option<Vec<Unit>> {
    Some(m.down.as_ref()?.steps.iter().map(Unit::of).collect())
}

/// What happened to one migration.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    pub key: String,
    pub description: String,
    pub direction: Direction,
    pub steps: usize,
    pub execution_ms: i64,
    /// What its statements changed, as Neo4j counted it.
    pub counters: Counters,
    /// Rows and batches committed by its batched steps, when it had any that reported them.
    pub batches: Option<BatchCount>,
}

impl Executor {
    /// The database `unit` runs in when that is not the configured one, which keeps the history
    /// (and the lock): such a unit cannot share a transaction with its history write.
    pub(crate) fn elsewhere<'u>(&self, unit: &'u Unit) -> Option<&'u str> {
        other_database(self.db.database.as_deref(), unit)
    }

    /// Rows and batches a batched statement is about to process: its driving query, counted in
    /// a transaction that is rolled back (the dry run's estimate, and progress before a batched
    /// step). Unknown when the query cannot be separated or its count fails; the error is only
    /// that no transaction could be started.
    pub(crate) async fn count_planned(&self, batched: &Batched) -> std::result::Result<Planned, neo4rs::Error> {
        let Some(count_query) = &batched.count_query else { return Ok(Planned::default()) };
        let mut txn = self.db.begin().await?;
        let counted = txn_rows(&mut txn, query(count_query)).await;
        let _ = txn.rollback().await;
        let rows = counted.ok().and_then(|r| r.first().and_then(|r| r.get::<i64>("v").ok()));
        let batches = rows.zip(batched.rows_per_batch).map(|(r, b)| BatchCount::of_rows(r, b).batches);
        Ok(Planned { rows, batches })
    }

    /// `cymig up`: applies pending migrations in plan order, up to `target` (inclusive).
    pub async fn up(&self, plan: &CheckedPlan, target: Option<&str>) -> Result<Vec<Applied>> {
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = match self.before_up(plan).await {
            Ok(()) => self.after_up(plan, self.up_locked(plan, target, &lock).await).await,
            Err(e) => Err(e),
        };
        lock.release_after(result).await
    }

    pub(crate) async fn up_locked(
        &self,
        plan: &CheckedPlan,
        target: Option<&str>,
        lock: &Lock,
    ) -> Result<Vec<Applied>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        let chosen = self.choose_alternatives(plan, &records).await?;
        refuse_drift(&chosen, &records)?;
        let admitted = self.admit(&chosen, &records).await?;
        let pending = pending(&admitted, &records, target)?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        self.run_pre_up_hook()?;
        let runs: Vec<Run> = pending
            .into_iter()
            .map(|m| Run::new(self, lock, m, Direction::Up, up_units(m), m.version_text().map(str::to_string)))
            .collect();
        let mut applied = Vec::new();
        for (j, run) in runs.iter().enumerate() {
            applied.push(run.execute_before(0, runs.get(j + 1)).await.map_err(|e| after_completed(e, &applied))?);
        }
        Ok(applied)
    }

    /// `cymig down`: rolls back the newest `steps` applied migrations, or all applied after `to`.
    pub async fn down(&self, plan: &CheckedPlan, selection: DownSelection<'_>) -> Result<Vec<Applied>> {
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = self.down_locked(plan, selection, &lock).await;
        lock.release_after(result).await
    }

    async fn down_locked(&self, plan: &CheckedPlan, selection: DownSelection<'_>, lock: &Lock) -> Result<Vec<Applied>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        let recorded = recorded_alternatives(plan, &records);
        let plan: &CheckedPlan = &recorded;
        let chosen = to_roll_back(plan, &records, selection)?;
        for m in &chosen {
            if schema_effects::down_for(m, &records).units.is_none() {
                return Err(Error::Usage(irreversible_message(m)));
            }
        }
        // Loaded once: rolling back one migration changes its own record only, which no later
        // one reads (a reload per migration read the whole history each time).
        let by_key = history::by_key(&records);
        let mut done = Vec::new();
        for m in chosen {
            let previous = previous_applied_version(plan, &by_key, m);
            let down = schema_effects::down_for(m, &records);
            for note in &down.notes {
                self.say(&format!("{}: {note}", migration_key(m)));
            }
            let units = down.units.unwrap_or_default();
            let run = Run::new(self, lock, m, Direction::Down, units, previous);
            done.push(run.execute(0).await.map_err(|e| after_completed(e, &done))?);
        }
        Ok(done)
    }

    /// `cymig retry V`: resumes a `running` or `failed` migration where it stopped, in the
    /// direction it was going; then, for an `up`, continues with the pending migrations
    /// unless `only` is set.
    pub async fn retry(&self, plan: &CheckedPlan, version: &str, only: bool) -> Result<Vec<Applied>> {
        self.retry_with(plan, version, only, false).await
    }

    /// [`Executor::retry`]; `force`: re-run from its start a batched step that is not idempotent
    /// although some of its batches committed (refused otherwise).
    pub async fn retry_with(&self, plan: &CheckedPlan, version: &str, only: bool, force: bool) -> Result<Vec<Applied>> {
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = self.retry_locked(plan, version, only, force, &lock).await;
        lock.release_after(result).await
    }

    async fn retry_locked(
        &self,
        plan: &CheckedPlan,
        version: &str,
        only: bool,
        force: bool,
        lock: &Lock,
    ) -> Result<Vec<Applied>> {
        let records = history::load(&self.db).await?;
        let recorded = recorded_alternatives(plan, &records);
        let plan: &CheckedPlan = &recorded;
        let m = find(plan, version)?;
        let key = migration_key(m);
        let Some(record) = records.iter().find(|r| r.key == key) else {
            return Err(Error::Usage(format!("{version} has no history record: nothing to retry (use `cymig up`)")));
        };
        if !matches!(record.status, Status::Running | Status::Failed) {
            return Err(Error::Usage(format!(
                "{version} is `{}`, not `running` or `failed`: nothing to retry",
                record.status.as_str()
            )));
        }
        if let Some(other) =
            records.iter().find(|r| r.key != key && matches!(r.status, Status::Running | Status::Failed))
        {
            return Err(Error::Usage(format!(
                "{} is also `{}`; retry it first: {}",
                other.key,
                other.status.as_str(),
                recovery_command(other)
            )));
        }
        let (units, version_after) = match record.direction {
            Direction::Up => (up_units(m), m.version_text().map(str::to_string)),
            Direction::Down => (
                schema_effects::down_for(m, &records).units.ok_or_else(|| Error::Usage(irreversible_message(m)))?,
                previous_applied_version(plan, &history::by_key(&records), m),
            ),
        };
        let resume_at = record.steps_done.max(0) as usize;
        if resume_at > 0 && record.steps_total as usize != units.len() {
            return Err(Error::Usage(format!(
                "{version} stopped after step {resume_at} of {}, but its file now has {} steps: the \
                 applied steps can no longer be matched. Restore the file as it was, or finish by hand \
                 and record it with `cymig mark-applied {version} --reason …`",
                record.steps_total,
                units.len()
            )));
        }
        self.refuse_blind_rerun(record, &units, resume_at, force).await?;
        let mut run = Run::new(self, lock, m, record.direction, units, version_after);
        run.resumed_step = Some(resume_at);
        let mut done = vec![run.execute(resume_at).await?];
        if record.direction == Direction::Up && !only {
            done.extend(self.up_locked(plan, None, lock).await.map_err(|e| after_completed(e, &done))?);
        }
        Ok(done)
    }

    /// Applies (`Up`) or rolls back (`Down`) one migration now, under a held lock.
    pub(crate) async fn run_one(
        &self,
        plan: &CheckedPlan,
        m: &MigrationPlan,
        direction: Direction,
        lock: &Lock,
    ) -> Result<Applied> {
        let (units, version_after) = match direction {
            Direction::Up => (up_units(m), m.version_text().map(str::to_string)),
            Direction::Down => {
                let records = history::load(&self.db).await?;
                (
                    schema_effects::down_for(m, &records).units.ok_or_else(|| Error::Usage(irreversible_message(m)))?,
                    previous_applied_version(plan, &history::by_key(&records), m),
                )
            }
        };
        Run::new(self, lock, m, direction, units, version_after).execute(0).await
    }

    /// A `retry` must not re-run from its start a batched step that is not idempotent and
    /// committed rows: they would be written twice. Its checkpoint says exactly how many
    /// committed; a step without one may have committed any number.
    async fn refuse_blind_rerun(&self, record: &Record, units: &[Unit], at: usize, force: bool) -> Result<()> {
        let Some(unit) = units.get(at).filter(|u| u.mode == TransactionMode::AutoCommit) else { return Ok(()) };
        let repeats = |s: &&PlannedStatement| s.batched.as_ref().is_some_and(|b| b.rerun == Rerun::NotIdempotent);
        let Some(statement) = unit.statements.iter().find(repeats) else { return Ok(()) };
        // In another database a batched step runs as written, without the history's checkpoint.
        let checkpointed = statement.batched.as_ref().and_then(|b| b.checkpointed.as_ref());
        let committed = match checkpointed.filter(|_| self.elsewhere(unit).is_none()) {
            Some(_) => history::checkpoint(&self.db, &record.key).await?.map(|c| {
                if c.at == history::checkpoint_at(record.direction, at) {
                    c.rows
                } else {
                    0
                }
            }),
            None => None,
        };
        let rows = match committed {
            Some(0) => return Ok(()),
            Some(n) => format!("{} rows of it committed", crate::exec::progress::thousands(n)),
            None => "an unknown number of its rows may have committed (it keeps no checkpoint)".to_string(),
        };
        if force {
            self.say(&format!("{} step {}: {rows}; re-running it from its start (--force)", record.key, at + 1));
            return Ok(());
        }
        Err(Error::Usage(format!(
            "{key} step {step} (line {line}) is a batched write that is not idempotent, and {rows} before it \
             stopped: re-running it from its start would write them again, so cymig does not.\n\
             Either make the statement idempotent (MERGE on a key, or a `WHERE NOT EXISTS {{ … }}` guard on what it \
             creates) and run `cymig retry {key}`; or undo what its committed batches wrote (or accept them twice) \
             and run `cymig retry {key} --force`",
            key = record.key,
            step = at + 1,
            line = statement.line,
        )))
    }

    /// Takes the lock, then brings older history keys to their normalised form so that the
    /// writes made under it find their records.
    pub(crate) async fn lock(&self) -> Result<Lock> {
        let lock = Lock::acquire(&self.db, &self.owner, self.options.lock_lease, self.options.lock_timeout).await?;
        if let Some(dead) = &lock.took_over_from {
            self.say(&format!(
                "removed the migration lock of `{}`: its process no longer exists on this host, so its \
                 lease (until {}) was not waited out",
                dead.owner,
                dead.expires_at.as_deref().unwrap_or("?")
            ));
        }
        match history::normalise_keys(&self.db).await {
            Ok(()) => Ok(lock),
            Err(e) => lock.release_after(Err(e)).await,
        }
    }
}

/// The file name a migration's record keeps as its `script`.
pub(crate) fn script_name(m: &MigrationPlan) -> Option<&str> {
    m.file.file_name().and_then(|n| n.to_str())
}

/// Which applied migrations `down` rolls back.
#[derive(Clone, Copy, Debug)]
pub enum DownSelection<'a> {
    /// The newest `n`.
    Steps(usize),
    /// Everything applied after this version (which stays applied).
    To(&'a str),
}
