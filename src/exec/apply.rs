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
//! - every explicit transaction first re-checks, under a write lock, that this process still holds
//!   the migration lock, so a process that lost its lease can never commit a step.

use super::connect::{is_connection_loss, is_transient, out_of_memory_advice, txn_rows, txn_run, Db};
use super::counters::Counters;
use super::history::{self, BatchCount, Direction, Record, Status, Update};
use super::lock::Lock;
use super::progress::{Planned, StepProgress};
use super::schema_effects;
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::plan::{Batched, CheckedPlan, MigrationPlan, PlannedStatement, StatementClass, Step, TransactionMode};
use crate::semantic::rerun::Rerun;
use neo4rs::{query, Txn};
use std::time::{Duration, Instant};

/// One transaction unit to run: a step of the plan's up steps, or of its down script.
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub mode: TransactionMode,
    pub statements: Vec<PlannedStatement>,
    /// Contains schema commands: wait for indexes afterwards.
    pub schema: bool,
}

impl Unit {
    fn of(step: &Step) -> Unit {
        Unit {
            mode: step.transaction,
            statements: step.statements.clone(),
            schema: !step.await_indexes.is_empty() || step.statements.iter().any(is_schema),
        }
    }
}

pub(crate) fn is_schema(statement: &PlannedStatement) -> bool {
    statement.kind == StatementClass::Schema
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

/// Result of running one unit.
struct UnitDone {
    counters: Counters,
    batches: Option<BatchCount>,
}

/// A batched statement that did not complete: why, and what it committed before it stopped.
struct BatchFailure {
    message: String,
    done: Option<BatchCount>,
}

fn add_batches(total: &mut Option<BatchCount>, more: Option<BatchCount>) {
    if let Some(more) = more {
        *total.get_or_insert_with(BatchCount::default) += more;
    }
}

struct Run<'a> {
    exec: &'a Executor,
    lock: &'a Lock,
    m: &'a MigrationPlan,
    key: String,
    direction: Direction,
    units: Vec<Unit>,
    /// Schema version to record once this migration completes.
    version_after: Option<String>,
    /// The step a `retry` resumes at: a resumable batched step there continues after its checkpoint.
    resumed_step: Option<usize>,
}

impl Executor {
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
        refuse_drift(plan, &records)?;
        let admitted = self.admit(plan, &records).await?;
        let pending = pending(&admitted, &records, target)?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        self.run_pre_up_hook()?;
        let mut applied = Vec::new();
        for m in pending {
            let run = Run::new(self, lock, m, Direction::Up, up_units(m), m.version_text().map(str::to_string));
            applied.push(run.execute(0).await.map_err(|e| after_completed(e, &applied))?);
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
        let chosen = to_roll_back(plan, &records, selection)?;
        for m in &chosen {
            if schema_effects::down_for(m, &records).units.is_none() {
                return Err(Error::Usage(irreversible_message(m)));
            }
        }
        let mut done = Vec::new();
        for m in chosen {
            let records = history::load(&self.db).await?;
            let previous = previous_applied_version(plan, &records, m);
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
                previous_applied_version(plan, &records, m),
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
                    previous_applied_version(plan, &records, m),
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
        let committed = match statement.batched.as_ref().and_then(|b| b.checkpointed.as_ref()) {
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
            Some(n) => format!("{} rows of it committed", super::progress::thousands(n)),
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

    fn run_pre_up_hook(&self) -> Result<()> {
        let Some(hook) = &self.options.pre_up_hook else { return Ok(()) };
        self.say(&format!("running the pre-up hook: {hook}"));
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(hook)
            .status()
            .map_err(|e| Error::Config { path: None, message: format!("could not run the pre-up hook: {e}") })?;
        if !status.success() {
            return Err(Error::Config {
                path: None,
                message: format!("the pre-up hook failed ({status}); nothing was applied"),
            });
        }
        Ok(())
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

impl<'a> Run<'a> {
    fn new(
        exec: &'a Executor,
        lock: &'a Lock,
        m: &'a MigrationPlan,
        direction: Direction,
        units: Vec<Unit>,
        version_after: Option<String>,
    ) -> Self {
        Run { exec, lock, m, key: migration_key(m), direction, units, version_after, resumed_step: None }
    }

    fn update(&self, status: Status, steps_done: usize) -> Update<'_> {
        Update {
            key: &self.key,
            version: self.m.version_text(),
            script: script_name(self.m),
            description: &self.m.description,
            checksum: &self.m.checksum,
            status,
            direction: self.direction,
            steps_done: steps_done as i64,
            steps_total: self.units.len() as i64,
            by: &self.exec.options.applied_by,
            execution_ms: None,
            counters: None,
            batches: None,
            reset_counts: false,
            error: None,
            new_attempt: false,
            note: None,
        }
    }

    fn final_status(&self) -> Status {
        match self.direction {
            Direction::Up => Status::Applied,
            Direction::Down => Status::RolledBack,
        }
    }

    fn verify_queries(&self) -> &[String] {
        match self.direction {
            Direction::Up => &self.m.verify,
            Direction::Down => &[],
        }
    }

    async fn execute(&self, start: usize) -> Result<Applied> {
        let started = Instant::now();
        let total = self.units.len();
        self.exec.say(&format!(
            "{} {} {} ({} step{})",
            if self.direction == Direction::Up { "applying" } else { "rolling back" },
            self.key,
            self.m.description,
            total,
            if total == 1 { "" } else { "s" }
        ));
        let mut counters = Counters::default();
        let mut batches = None;
        if total == 0 {
            self.record_final(started, Counters::default(), None).await?;
        }
        for i in start..total {
            let unit = &self.units[i];
            let last = i + 1 == total;
            if unit.mode == TransactionMode::Explicit {
                self.refuse_large_unbatched(i).await?;
            }
            let progress = StepProgress::start(&self.exec.options, &self.key, i, total, unit);
            let done = match unit.mode {
                TransactionMode::Explicit => self.explicit_unit(i, last, start, started).await,
                TransactionMode::AutoCommit => self.auto_commit_unit(i, start, &progress).await,
            };
            progress.finish(done.as_ref().ok().and_then(|d| d.batches)).await;
            let done = done?;
            counters += done.counters;
            add_batches(&mut batches, done.batches);
            if unit.schema {
                self.await_indexes(i).await?;
            }
            if last && unit.mode == TransactionMode::AutoCommit {
                self.verify_after(i).await?;
                self.record_final(started, done.counters, done.batches).await?;
            }
        }
        Ok(Applied {
            key: self.key.clone(),
            description: self.m.description.clone(),
            direction: self.direction,
            steps: total,
            execution_ms: started.elapsed().as_millis() as i64,
            counters,
            batches,
        })
    }

    /// The last unit was auto-commit: record completion in a transaction of its own.
    /// `counters`, `batches`: what the last unit did (earlier units' are already recorded).
    async fn record_final(&self, started: Instant, counters: Counters, batches: Option<BatchCount>) -> Result<()> {
        let total = self.units.len();
        let mut update = self.update(self.final_status(), total);
        update.counters = Some(counters);
        update.batches = batches;
        update.execution_ms = Some(started.elapsed().as_millis() as i64);
        update.new_attempt = total == 0;
        update.reset_counts = total == 0;
        self.owned_write(vec![history::write(&update), history::write_schema_version(self.version_after.as_deref())])
            .await
    }

    /// Writes history in a transaction that first proves lock ownership.
    async fn owned_write(&self, queries: Vec<neo4rs::Query>) -> Result<()> {
        let db = &self.exec.db;
        let mut txn = db.begin().await.map_err(|e| db.error("could not write the history", e))?;
        let outcome = async {
            self.check_ownership(&mut txn).await?;
            for q in queries {
                txn.run(q).await.map_err(|e| db.error("could not write the history", e))?;
            }
            Ok::<(), Error>(())
        }
        .await;
        finish(db, txn, outcome, "could not write the history").await
    }

    async fn check_ownership(&self, txn: &mut Txn) -> Result<()> {
        let db = &self.exec.db;
        let rows = txn_rows(txn, self.lock.ownership_check())
            .await
            .map_err(|e| db.error("could not check the migration lock", e))?;
        if rows.is_empty() || !self.lock.still_held() {
            return Err(self.lost_lock());
        }
        Ok(())
    }

    fn lost_lock(&self) -> Error {
        Error::Database(format!(
            "this process lost the migration lock (its lease expired, or `cymig unlock` was run) while \
             working on {}; stopped without committing more. Run `cymig status`",
            self.key
        ))
    }

    /// One explicit unit: statements, counters, history (and, when last, verify) in one
    /// transaction. Transient errors roll back and are retried with backoff.
    async fn explicit_unit(&self, i: usize, last: bool, start: usize, started: Instant) -> Result<UnitDone> {
        let mut attempt = 0;
        loop {
            match self.explicit_attempt(i, last, start, started).await {
                Ok(done) => return Ok(done),
                Err(StepError::Transient(e)) if attempt < self.exec.options.max_retries => {
                    attempt += 1;
                    let wait = Duration::from_millis(200 * (1 << attempt.min(6)));
                    self.exec.say(&format!(
                        "{} step {}: transient error, rolled back; retry {attempt} in {} ms: {}",
                        self.key,
                        i + 1,
                        wait.as_millis(),
                        self.exec.db.redact(&e.to_string())
                    ));
                    tokio::time::sleep(wait).await;
                }
                Err(StepError::Transient(e)) | Err(StepError::Statement(e)) => {
                    let mut message = self.exec.db.redact(&e.to_string());
                    message.push_str(out_of_memory_advice(&e));
                    return Err(self.fail(i, &message, false).await);
                }
                Err(StepError::Verify(message)) => return Err(self.fail(i, &message, false).await),
                Err(StepError::Lost(e)) => {
                    return Err(Error::Database(format!(
                        "the connection was lost during {} step {} ({}). The step and its history record \
                         commit together, so the database holds either both or neither: run `cymig status`, \
                         then `cymig up` to continue",
                        self.key,
                        i + 1,
                        self.exec.db.redact(&e.to_string())
                    )))
                }
                Err(StepError::Other(e)) => return Err(e),
            }
        }
    }

    async fn explicit_attempt(
        &self,
        i: usize,
        last: bool,
        start: usize,
        started: Instant,
    ) -> Result<UnitDone, StepError> {
        let db = &self.exec.db;
        let mut txn = db.begin().await.map_err(StepError::from_driver)?;
        let outcome = self.explicit_body(&mut txn, i, last, start, started).await;
        match outcome {
            Ok(done) => match txn.commit().await {
                Ok(_) => Ok(done),
                Err(e) => Err(StepError::from_driver(e)),
            },
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    async fn explicit_body(
        &self,
        txn: &mut Txn,
        i: usize,
        last: bool,
        start: usize,
        started: Instant,
    ) -> Result<UnitDone, StepError> {
        let owned = txn_rows(txn, self.lock.ownership_check()).await.map_err(StepError::from_driver)?;
        if owned.is_empty() || !self.lock.still_held() {
            return Err(StepError::Other(self.lost_lock()));
        }
        let mut counters = Counters::default();
        for statement in &self.units[i].statements {
            counters += txn_run(txn, query(&statement.text)).await.map_err(StepError::from_driver)?;
        }
        if last {
            for (n, q) in self.verify_queries().iter().enumerate() {
                let rows = txn_rows(txn, query(q)).await.map_err(StepError::from_driver)?;
                if !verify_passed(&rows) {
                    return Err(StepError::Verify(format!("verify query {} returned false: {q}", n + 1)));
                }
            }
        }
        let status = if last { self.final_status() } else { Status::Running };
        let mut update = self.update(status, i + 1);
        update.new_attempt = i == start;
        update.reset_counts = i == start && start == 0;
        update.counters = Some(counters);
        if last {
            update.execution_ms = Some(started.elapsed().as_millis() as i64);
        }
        let version = last.then_some(self.version_after.as_deref());
        txn_run(txn, history::write_with_version(&update, version)).await.map_err(StepError::from_driver)?;
        Ok(UnitDone { counters, batches: None })
    }

    /// One auto-commit unit, bracketed by a committed `running` record and a progress record
    /// (which carries the rows and batches its batched statements committed).
    async fn auto_commit_unit(&self, i: usize, start: usize, progress: &StepProgress) -> Result<UnitDone> {
        let mut running = self.update(Status::Running, i);
        running.new_attempt = i == start;
        running.reset_counts = i == start && start == 0;
        self.owned_write(vec![history::write(&running)]).await?;
        let mut counters = Counters::default();
        let mut batches = None;
        for statement in &self.units[i].statements {
            let outcome = if is_schema(statement) {
                self.schema_statement(statement).await
            } else {
                self.run_batched(i, statement, progress).await
            };
            match outcome {
                Ok((changed, done)) => {
                    counters += changed;
                    add_batches(&mut batches, done)
                }
                Err(failure) => {
                    add_batches(&mut batches, failure.done);
                    return Err(self.fail_counted(i, &failure.message, true, batches).await);
                }
            }
        }
        if i + 1 < self.units.len() {
            let mut next = self.update(Status::Running, i + 1);
            next.counters = Some(counters);
            next.batches = batches;
            self.owned_write(vec![history::write(&next)]).await?;
        }
        Ok(UnitDone { counters, batches })
    }

    /// Runs a schema statement; going up, records at once what it really created or dropped, so
    /// that `down` undoes exactly that ([`schema_effects`]).
    async fn schema_statement(
        &self,
        statement: &PlannedStatement,
    ) -> Result<(Counters, Option<BatchCount>), BatchFailure> {
        let db = &self.exec.db;
        let failed = |message: String| BatchFailure { message, done: None };
        if self.direction == Direction::Down {
            return db
                .run_raw(query(&statement.text))
                .await
                .map(|c| (c, None))
                .map_err(|e| failed(db.redact(&e.to_string())));
        }
        let (counters, effects) =
            schema_effects::run(db, statement).await.map_err(|e| failed(db.redact(&e.to_string())))?;
        if !effects.is_empty() {
            self.owned_write(vec![schema_effects::append(&self.key, &effects)])
                .await
                .map_err(|e| failed(e.to_string()))?;
        }
        Ok((counters, None))
    }

    /// Runs one statement of an auto-commit unit so that, when batched, it reports what it
    /// committed: `apoc.periodic.iterate` returns its counters (and its swallowed errors, which
    /// fail the step here); a trailing `CALL … IN TRANSACTIONS` runs as the plan's streaming
    /// rewrite ([`crate::plan::Batched::streaming`]), one row per committed driving row, counted
    /// as they arrive. Any other shape runs as written and reports no batches.
    async fn run_batched(
        &self,
        i: usize,
        statement: &PlannedStatement,
        progress: &StepProgress,
    ) -> Result<(Counters, Option<BatchCount>), BatchFailure> {
        let db = &self.exec.db;
        let failed = |e: neo4rs::Error| BatchFailure { message: db.redact(&e.to_string()), done: None };
        let Some(batched) = &statement.batched else {
            return db.run_raw(query(&statement.text)).await.map(|c| (c, None)).map_err(failed);
        };
        if progress.shown() && !batched.checkpoint_per_batch {
            progress.planned(self.exec.count_planned(batched).await.unwrap_or_default());
        }
        if batched.apoc_iterate {
            let rows = db.rows_raw(query(&statement.text)).await.map_err(failed)?;
            if rows.first().is_some_and(|r| {
                r.get::<neo4rs::BoltType>("failedOperations").is_err()
                    && r.get::<neo4rs::BoltType>("errorMessages").is_err()
            }) {
                self.exec.say(&format!(
                    "{}: warning: this apoc.periodic.iterate call's YIELD leaves out failedOperations and errorMessages, \
                     so cymig cannot see batches that failed (apoc does not raise them); yield them, or drop the YIELD",
                    self.key
                ));
            }
            let counters = rows.first().and_then(Counters::from_apoc_statistics).unwrap_or_default();
            return match rows.first().map(iterate_outcome) {
                Some(Ok(done)) => Ok((counters, done)),
                Some(Err(failure)) => Err(BatchFailure { message: db.redact(&failure.message), ..failure }),
                None => Ok((counters, None)),
            };
        }
        if let (Some(checkpointed), Some(per_batch)) = (&batched.checkpointed, batched.rows_per_batch) {
            return self.run_checkpointed(i, batched, checkpointed, per_batch, progress).await;
        }
        let (Some(streaming), Some(per_batch)) = (&batched.streaming, batched.rows_per_batch) else {
            return db.run_raw(query(&statement.text)).await.map(|c| (c, None)).map_err(failed);
        };
        let per_batch = per_batch.max(1);
        let committed = |rows: i64| BatchCount::of_rows(rows, per_batch);
        let mut rows = 0;
        let streamed = db
            .stream_raw(query(streaming), |_| {
                rows += 1;
                progress.advance(committed(rows));
            })
            .await;
        match streamed {
            Ok(counters) => Ok((counters, Some(committed(rows)))),
            Err(e) => {
                // The rows of the batches committed just before the failure may not have reached
                // us; Neo4j says how many inner transactions committed, and those were full batches.
                let message = super::connect::server_message(&e);
                let mut done = committed(rows);
                if let Some(n) = super::connect::transactions_committed(&message).filter(|n| *n > done.batches) {
                    done = BatchCount { rows: n * per_batch as i64, batches: n };
                }
                Err(BatchFailure {
                    message: format!(
                        "{}; {} rows were committed in {} batches before it",
                        db.redact(&message),
                        done.rows,
                        done.batches
                    ),
                    done: Some(done),
                })
            }
        }
    }

    /// A `CALL … IN TRANSACTIONS` whose every batch advances the record's checkpoint in its own
    /// inner transaction ([`Batched::checkpointed`]): what committed is read back from the
    /// checkpoint, exact even when the rows streamed back fall short of it (they arrive by the
    /// driver's fetch size). A resumable statement resumed by `retry` skips the rows committed.
    /// While it runs, a shown progress reads the checkpoint (another connection) every half second.
    async fn run_checkpointed(
        &self,
        i: usize,
        batched: &Batched,
        text: &str,
        per_batch: u64,
        progress: &StepProgress,
    ) -> Result<(Counters, Option<BatchCount>), BatchFailure> {
        let db = &self.exec.db;
        let skip = self
            .checkpoint_start(i, batched.rerun)
            .await
            .map_err(|e| BatchFailure { message: e.to_string(), done: None })?;
        // Without driving clauses the statement is one row: committed once, it is done.
        if skip > 0 && !text.contains("$__cymig_skip") {
            return Ok((Counters::default(), Some(BatchCount::default())));
        }
        let per_batch = per_batch.max(1);
        let mut rows = 0;
        let q = query(text).param("__cymig_key", self.key.as_str()).param("__cymig_skip", skip);
        let at = history::checkpoint_at(self.direction, i);
        let streaming = db.stream_raw(q, |row| {
            rows += if batched.checkpoint_per_batch { row.get::<i64>("__cymig_n").unwrap_or(0) } else { 1 };
            progress.advance(BatchCount::of_rows(rows, per_batch));
        });
        let streamed = tokio::select! {
            streamed = streaming => streamed,
            never = self.poll_checkpoint(&at, skip, per_batch, progress) => match never {},
        };
        let checkpoint = history::checkpoint(db, &self.key).await.ok().flatten().filter(|c| c.at == at);
        if let Some(total) = checkpoint.as_ref().and_then(|c| c.total) {
            progress.planned(planned_of(total - skip, per_batch));
        }
        let done = BatchCount::of_rows(checkpoint.map_or(rows, |c| c.rows - skip), per_batch);
        match streamed {
            Ok(mut counters) => {
                // The checkpoint's own SETs (two per batch, or one per row) are not the migration's change.
                let own = if batched.checkpoint_per_batch { 2 * done.batches } else { done.rows };
                counters.properties_set = (counters.properties_set - own).max(0);
                Ok((counters, Some(done)))
            }
            Err(e) => {
                let resumed = if skip > 0 {
                    format!(" (after the {skip} rows committed before the retry)")
                } else {
                    String::new()
                };
                Err(BatchFailure {
                    message: format!(
                        "{}; {} rows were committed in {} batches before it{resumed}",
                        db.redact(&super::connect::server_message(&e)),
                        done.rows,
                        done.batches
                    ),
                    done: Some(done),
                })
            }
        }
    }

    /// Shows, while a checkpointed step runs, what its committed batches recorded (never returns;
    /// does nothing when no progress is shown).
    async fn poll_checkpoint(
        &self,
        at: &str,
        skip: i64,
        per_batch: u64,
        progress: &StepProgress,
    ) -> std::convert::Infallible {
        if !progress.shown() {
            return std::future::pending().await;
        }
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let Ok(Some(c)) = history::checkpoint(&self.exec.db, &self.key).await else { continue };
            if c.at != at {
                continue;
            }
            if let Some(total) = c.total {
                progress.planned(planned_of(total - skip, per_batch));
            }
            progress.advance(BatchCount::of_rows(c.rows - skip, per_batch));
        }
    }

    /// Rows of step `i` to skip: those a resumable step committed before a `retry` resumed it;
    /// otherwise its checkpoint starts again from zero.
    async fn checkpoint_start(&self, i: usize, rerun: Rerun) -> Result<i64> {
        let at = history::checkpoint_at(self.direction, i);
        if rerun == Rerun::Resumable && self.resumed_step == Some(i) {
            if let Some(c) = history::checkpoint(&self.exec.db, &self.key).await?.filter(|c| c.at == at) {
                return Ok(c.rows);
            }
        }
        self.owned_write(vec![history::checkpoint_reset(&self.key, &at)]).await?;
        Ok(0)
    }

    /// Rows and batches a batched statement is about to process: its driving query, counted in
    /// a read transaction that is rolled back (as the dry run does). Unknown on any error.
    async fn await_indexes(&self, i: usize) -> Result<()> {
        let secs = self.exec.options.index_timeout.as_secs().max(1) as i64;
        let db = &self.exec.db;
        if let Err(e) = db.run_raw(query("CALL db.awaitIndexes($secs)").param("secs", secs)).await {
            let message =
                format!("indexes did not come online within {secs}s (--index-timeout): {}", db.redact(&e.to_string()));
            return Err(self.fail(i, &message, true).await);
        }
        Ok(())
    }

    /// Verify queries after a migration whose last unit was auto-commit.
    async fn verify_after(&self, i: usize) -> Result<()> {
        for (n, q) in self.verify_queries().iter().enumerate() {
            let rows = match self.exec.db.statement_rows(query(q)).await {
                Ok(rows) => rows,
                Err(e) => return Err(self.fail(i, &format!("verify query {} failed: {e}", n + 1), true).await),
            };
            if !verify_passed(&rows) {
                return Err(self.fail(i, &format!("verify query {} returned false: {q}", n + 1), true).await);
            }
        }
        Ok(())
    }

    /// Records the failure and returns the error to report, with its recovery command.
    /// `committed`: unit `i` ran in auto-commit mode (or completed) and may be (partly) applied.
    async fn fail(&self, i: usize, message: &str, committed: bool) -> Error {
        self.fail_counted(i, message, committed, None).await
    }

    /// [`Run::fail`] recording what a batched unit committed before it failed.
    async fn fail_counted(&self, i: usize, message: &str, committed: bool, batches: Option<BatchCount>) -> Error {
        let mut update = self.update(Status::Failed, i);
        update.error = Some(message);
        update.batches = batches;
        let recorded = self.owned_write(vec![history::write(&update)]).await;
        let (what, force) = self.partly_applied(i, committed, batches);
        let recovery = match recorded {
            Ok(()) if force => format!(
                "Make the statement idempotent (MERGE on a key, or a `WHERE NOT EXISTS {{ … }}` guard on what it \
                 creates), then run: cymig retry {key}; or undo what its committed batches wrote, then run: \
                 cymig retry {key} --force",
                key = self.key
            ),
            Ok(()) => format!("Fix the cause, then run: cymig retry {}", self.key),
            Err(e) => format!(
                "The failure could not be recorded ({e}). When the database is reachable again, run \
                 `cymig status`: if {key} is `pending` (an explicit step rolls back with its record), run \
                 `cymig up`; if it is `running`, run `cymig retry {key}`",
                key = self.key
            ),
        };
        Error::Database(format!(
            "{} {} failed at step {} of {}: {message}\nStep {}: {what}.\n{recovery}",
            self.key,
            self.m.description,
            i + 1,
            self.units.len(),
            i + 1,
        ))
    }
}

impl Run<'_> {
    /// Before an explicit unit: counts the driving rows of each unbatched data statement (in a
    /// transaction rolled back, as the dry run counts batched ones) and refuses above
    /// `max-unbatched-rows`, since one transaction holding them all is what runs Neo4j out of
    /// memory. A count that fails says nothing: the statement runs.
    async fn refuse_large_unbatched(&self, i: usize) -> Result<()> {
        let Some(max) = self.exec.options.max_unbatched_rows else { return Ok(()) };
        for statement in &self.units[i].statements {
            let Some(count) = statement.driving_count.as_deref().filter(|_| statement.kind == StatementClass::Data)
            else {
                continue;
            };
            let batched = Batched {
                rows_per_batch: None,
                count_query: Some(count.to_string()),
                streaming: None,
                apoc_iterate: false,
                rerun: crate::semantic::rerun::Rerun::Unknown,
                checkpointed: None,
                checkpoint_per_batch: false,
            };
            let Some(rows) = self.exec.count_planned(&batched).await.ok().and_then(|p| p.rows) else { continue };
            if rows as u64 <= max {
                continue;
            }
            let message = format!(
                "the statement at line {line} writes for {rows} driving rows in one transaction, more than \
                 max-unbatched-rows ({max}); a transaction that large can run Neo4j out of memory. Batch it \
                 with `CALL {{ … }} IN TRANSACTIONS OF n ROWS` (`cymig lint --fix --unsafe-fixes` writes it \
                 for unbatched-write), or, knowing the server has the memory, run again with \
                 --allow-large-unbatched (or raise lint.batching.max-unbatched-rows in cymig.toml)",
                line = statement.line,
                rows = super::progress::thousands(rows),
                max = super::progress::thousands(max as i64),
            );
            if i == 0 {
                // Nothing of this migration ran in this run: it stays as it was, nothing recorded.
                return Err(Error::Database(format!(
                    "{} {}: refused before step 1 of {}: {message}",
                    self.key,
                    self.m.description,
                    self.units.len()
                )));
            }
            return Err(self.fail(i, &message, false).await);
        }
        Ok(())
    }

    /// What a failure at step `i` left applied, as far as it is known, and whether a retry will
    /// need `--force` (a batched write that is not idempotent committed rows).
    fn partly_applied(&self, i: usize, committed: bool, batches: Option<BatchCount>) -> (String, bool) {
        if !committed {
            return ("it was rolled back: nothing of it was applied".into(), false);
        }
        let batched = self.units[i].statements.iter().find_map(|s| s.batched.as_ref());
        let exact = batched.is_some_and(|b| b.checkpointed.is_some());
        let rows = batches.map(|b| super::progress::thousands(b.rows));
        match (batched.map(|b| b.rerun), batches.map(|b| b.rows)) {
            (None | Some(Rerun::Idempotent), _) => (
                "it ran in auto-commit mode and may be partly applied; re-running it is safe (idempotent by the \
                 checker's rules)"
                    .into(),
                false,
            ),
            (Some(Rerun::Resumable), _) => (
                format!(
                    "{} rows of it committed, each batch with a checkpoint: `cymig retry` resumes after them and \
                     writes none of them twice",
                    rows.unwrap_or_else(|| "0".into())
                ),
                false,
            ),
            (Some(Rerun::NotIdempotent), Some(0)) if exact => {
                ("none of its batches committed, so re-running it is safe".into(), false)
            }
            (Some(Rerun::NotIdempotent), _) => (
                format!(
                    "{} of it committed, and it is not idempotent: re-running it from its start would write them \
                     again, so `cymig retry` refuses to until they are dealt with",
                    match (rows, exact) {
                        (Some(r), true) => format!("{r} rows"),
                        (Some(r), false) => format!("at least {r} rows"),
                        (None, _) => "an unknown number of rows".into(),
                    }
                ),
                true,
            ),
            (Some(Rerun::Unknown), _) => (
                "it ran in auto-commit mode and may be partly applied; cymig cannot tell whether re-running it \
                 repeats writes (a SET that reads the property it writes, or procedure strings that did not parse)"
                    .into(),
                false,
            ),
        }
    }
}

/// Adds to a failure what this run completed before it, so the report of a failed run does
/// not hide the migrations it did apply (or roll back).
fn after_completed(e: Error, done: &[Applied]) -> Error {
    match e {
        Error::Database(message) if !done.is_empty() => {
            let keys: Vec<&str> = done.iter().map(|a| a.key.as_str()).collect();
            Error::Database(format!("{message}\nCompleted by this run before the failure: {}", keys.join(", ")))
        }
        other => other,
    }
}

enum StepError {
    Transient(neo4rs::Error),
    Lost(neo4rs::Error),
    Statement(neo4rs::Error),
    Verify(String),
    Other(Error),
}

impl StepError {
    fn from_driver(e: neo4rs::Error) -> Self {
        if is_transient(&e) {
            StepError::Transient(e)
        } else if is_connection_loss(&e) {
            StepError::Lost(e)
        } else {
            StepError::Statement(e)
        }
    }
}

async fn finish(db: &Db, txn: Txn, outcome: Result<()>, context: &str) -> Result<()> {
    match outcome {
        Ok(()) => txn.commit().await.map(drop).map_err(|e| db.error(context, e)),
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// The result row of `apoc.periodic.iterate`: what it committed, or — when it reports failed
/// operations, failed batches, error messages or termination, which it does instead of failing —
/// a failure carrying those messages. Columns a `YIELD` left out are not checked.
fn iterate_outcome(row: &neo4rs::Row) -> Result<Option<BatchCount>, BatchFailure> {
    let int = |k: &str| row.get::<i64>(k).ok();
    let committed_batches = row
        .get::<std::collections::HashMap<String, neo4rs::BoltType>>("batch")
        .ok()
        .and_then(|b| match b.get("committed") {
            Some(neo4rs::BoltType::Integer(n)) => Some(n.value),
            _ => None,
        })
        .or_else(|| Some(int("batches")? - int("failedBatches").unwrap_or(0)));
    let done = int("committedOperations").map(|rows| BatchCount { rows, batches: committed_batches.unwrap_or(0) });
    let failed_ops = int("failedOperations").unwrap_or(0);
    let failed_batches = int("failedBatches").unwrap_or(0);
    let mut errors: Vec<(String, i64)> =
        row.get::<std::collections::HashMap<String, i64>>("errorMessages").unwrap_or_default().into_iter().collect();
    errors.sort();
    let terminated = row.get::<bool>("wasTerminated").unwrap_or(false);
    if failed_ops == 0 && failed_batches == 0 && errors.is_empty() && !terminated {
        return Ok(done);
    }
    let mut message = format!(
        "apoc.periodic.iterate reported {failed_ops} failed operations in {failed_batches} failed batches{}{}",
        done.map(|d| format!(" ({} rows committed in {} batches)", d.rows, d.batches)).unwrap_or_default(),
        if terminated { ", and was terminated" } else { "" }
    );
    for (text, times) in errors.iter().take(5) {
        message.push_str(&format!("; {text} ({times}x)"));
    }
    Err(BatchFailure { message, done })
}

/// What a step of `rows` driving rows in batches of `per_batch` processes.
fn planned_of(rows: i64, per_batch: u64) -> Planned {
    Planned { rows: Some(rows), batches: Some(BatchCount::of_rows(rows, per_batch).batches) }
}

/// A verify query passes when it returns at least one row and every value of every row is `true`.
fn verify_passed(rows: &[neo4rs::Row]) -> bool {
    !rows.is_empty()
        && rows.iter().all(|row| {
            let values = row.to::<std::collections::HashMap<String, neo4rs::BoltType>>().unwrap_or_default();
            !values.is_empty() && values.values().all(|v| matches!(v, neo4rs::BoltType::Boolean(b) if b.value))
        })
}

pub(crate) fn find<'p>(plan: &'p CheckedPlan, version: &str) -> Result<&'p MigrationPlan> {
    plan.plan()
        .migrations
        .iter()
        .find(|m| migration_key(m) == version || m.has_version(version))
        .ok_or_else(|| Error::Usage(format!("no migration {version} in this migration set")))
}

/// The command that recovers a blocked migration.
pub fn recovery_command(record: &Record) -> String {
    format!("cymig retry {}", record.key)
}

/// `up` and `down` never pass a `running` or `failed` migration.
pub(crate) fn refuse_blocked(records: &[Record]) -> Result<()> {
    let Some(r) = records.iter().find(|r| matches!(r.status, Status::Running | Status::Failed)) else {
        return Ok(());
    };
    let why = match r.status {
        Status::Running => format!(
            "was interrupted while {} (step {} of {} was in flight when its process stopped)",
            if r.direction == Direction::Up { "being applied" } else { "being rolled back" },
            r.steps_done + 1,
            r.steps_total
        ),
        _ => format!("failed: {}", r.error.as_deref().unwrap_or("(no error recorded)")),
    };
    Err(Error::Database(format!(
        "migration {} ({}) {why}.\nNothing more is applied until it is resolved. Recover with: {}",
        r.key,
        r.description,
        recovery_command(r)
    )))
}

pub(crate) fn refuse_drift(plan: &CheckedPlan, records: &[Record]) -> Result<()> {
    for m in &plan.plan().migrations {
        if m.version.is_none() {
            continue;
        }
        let key = migration_key(m);
        if let Some(r) = records.iter().find(|r| r.key == key && r.status == Status::Applied) {
            if r.checksum != m.checksum {
                return Err(Error::Database(format!(
                    "{key} was edited after it was applied (recorded checksum {}, file {}).\n\
                     Revert the edit, or accept it with: cymig repair --reason \"<why the edit is safe>\"",
                    short(&r.checksum),
                    short(&m.checksum)
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// Pending migrations in plan order, up to `target`; refuses gaps (a pending migration older
/// than an applied one).
pub(crate) fn pending<'p>(
    plan: &'p CheckedPlan,
    records: &[Record],
    target: Option<&str>,
) -> Result<Vec<&'p MigrationPlan>> {
    if let Some(t) = target {
        find(plan, t)?;
    }
    let applied = |m: &MigrationPlan| {
        let key = migration_key(m);
        records
            .iter()
            .any(|r| r.key == key && r.status == Status::Applied && (m.version.is_some() || r.checksum == m.checksum))
    };
    let migrations = &plan.plan().migrations;
    let mut out = Vec::new();
    let mut reached_target = false;
    for (idx, m) in migrations.iter().enumerate() {
        if reached_target {
            break;
        }
        if let Some(t) = target {
            reached_target = migration_key(m) == t || m.has_version(t);
        }
        if applied(m) {
            continue;
        }
        if m.version.is_some() {
            if let Some(later) = migrations[idx + 1..].iter().find(|l| l.version.is_some() && applied(l)) {
                return Err(Error::Usage(format!(
                    "{} is pending but the later {} is already applied; cymig applies in version order. \
                     Renumber {} after {}, or record it with `cymig mark-applied {} --reason …`",
                    migration_key(m),
                    migration_key(later),
                    migration_key(m),
                    migration_key(later),
                    migration_key(m)
                )));
            }
        }
        if let Some(why) = &m.unsupported {
            return Err(Error::Usage(format!("cannot apply {}: {why}", migration_key(m))));
        }
        out.push(m);
    }
    Ok(out)
}

pub(crate) fn to_roll_back<'p>(
    plan: &'p CheckedPlan,
    records: &[Record],
    selection: DownSelection<'_>,
) -> Result<Vec<&'p MigrationPlan>> {
    super::missing::refuse_passing_missing(plan, records, selection)?;
    let is_applied =
        |m: &MigrationPlan| records.iter().any(|r| r.key == migration_key(m) && r.status == Status::Applied);
    let applied: Vec<&MigrationPlan> =
        plan.plan().migrations.iter().filter(|m| m.version.is_some() && is_applied(m)).collect();
    match selection {
        DownSelection::Steps(n) => Ok(applied.into_iter().rev().take(n).collect()),
        // `--to 0` with no version 0 in the set: before the first migration, so everything.
        DownSelection::To(v) if super::normalise_version(v) == "0" && find(plan, v).is_err() => {
            Ok(applied.into_iter().rev().collect())
        }
        DownSelection::To(v) => {
            let target = find(plan, v)?;
            let pos = plan.plan().migrations.iter().position(|m| std::ptr::eq(m, target)).unwrap_or(0);
            Ok(applied
                .into_iter()
                .rev()
                .filter(|m| plan.plan().migrations.iter().position(|x| std::ptr::eq(x, *m)).unwrap_or(0) > pos)
                .collect())
        }
    }
}

fn previous_applied_version(plan: &CheckedPlan, records: &[Record], m: &MigrationPlan) -> Option<String> {
    let migrations = &plan.plan().migrations;
    let pos = migrations.iter().position(|x| std::ptr::eq(x, m))?;
    migrations[..pos]
        .iter()
        .rev()
        .find(|x| {
            x.version.is_some() && records.iter().any(|r| r.key == migration_key(x) && r.status == Status::Applied)
        })
        .and_then(|x| x.version_text().map(str::to_string))
}

pub(crate) fn irreversible_message(m: &MigrationPlan) -> String {
    format!(
        "{} ({}) is irreversible: it has no explicit down script (U{}__{}.cypher) and cymig could not \
         derive one; `cymig derive-down {}` names the statements and why. Nothing was rolled back",
        migration_key(m),
        m.description,
        m.version_text().unwrap_or(""),
        m.description,
        m.file.display()
    )
}
