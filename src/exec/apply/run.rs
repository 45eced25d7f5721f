//! The state machine of one migration run: its units in order, each explicit one in a transaction
//! with its history update, each auto-commit one between `running` records, then the final record.

use super::batched::{add_batches, BatchFailure};
use super::*;

/// Result of running one unit.
pub(super) struct UnitDone {
    pub(super) counters: Counters,
    pub(super) batches: Option<BatchCount>,
}

pub(super) struct Run<'a> {
    pub(super) exec: &'a Executor,
    pub(super) lock: &'a Lock,
    pub(super) m: &'a MigrationPlan,
    pub(super) key: String,
    pub(super) direction: Direction,
    pub(super) units: Vec<Unit>,
    /// Schema version to record once this migration completes.
    pub(super) version_after: Option<String>,
    /// The step a `retry` resumes at: a resumable batched step there continues after its checkpoint.
    pub(super) resumed_step: Option<usize>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        exec: &'a Executor,
        lock: &'a Lock,
        m: &'a MigrationPlan,
        direction: Direction,
        units: Vec<Unit>,
        version_after: Option<String>,
    ) -> Self {
        Run { exec, lock, m, key: migration_key(m), direction, units, version_after, resumed_step: None }
    }

    pub(super) fn update(&self, status: Status, steps_done: usize) -> Update<'_> {
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

    pub(super) fn final_status(&self) -> Status {
        match self.direction {
            Direction::Up => Status::Applied,
            Direction::Down => Status::RolledBack,
        }
    }

    pub(super) fn verify_queries(&self) -> &[String] {
        match self.direction {
            Direction::Up => &self.m.verify,
            Direction::Down => &[],
        }
    }

    pub(super) async fn execute(&self, start: usize) -> Result<Applied> {
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
        // Schema units since the last wait that may have created an index or a constraint.
        let mut unawaited = false;
        if total == 0 {
            self.record_final(started, Counters::default(), None).await?;
        }
        for i in start..total {
            let unit = &self.units[i];
            let last = i + 1 == total;
            let elsewhere = self.exec.elsewhere(unit);
            // Only an explicit unit of the configured database commits with its history record.
            let recorded_with = unit.mode == TransactionMode::Explicit && elsewhere.is_none();
            if recorded_with {
                self.refuse_large_unbatched(i).await?;
            }
            let progress = StepProgress::start(&self.exec.options, &self.key, i, total, unit);
            let done = match (unit.mode, elsewhere) {
                (TransactionMode::Explicit, None) => self.explicit_unit(i, last, start, started).await,
                (TransactionMode::Explicit, Some(database)) => self.explicit_elsewhere(i, start, database).await,
                (TransactionMode::AutoCommit, _) => self.auto_commit_unit(i, start, &progress).await,
            };
            progress.finish(done.as_ref().ok().and_then(|d| d.batches)).await;
            let done = done?;
            counters += done.counters;
            add_batches(&mut batches, done.batches);
            unawaited |= schema_effects::may_have_created(&unit.statements, &done.counters);
            let wait = unit.schema && unawaited;
            // The units not recorded with their own transaction get a final record of their own.
            let final_record = last && !recorded_with;
            // Waiting in the final record's request waits in the configured database only.
            let wait_in_final = wait && final_record && elsewhere.is_none() && self.verify_queries().is_empty();
            if wait && !wait_in_final {
                self.await_indexes(i).await?;
                unawaited = false;
            }
            if wait_in_final {
                self.await_and_record_final(i, started, done.counters, done.batches).await?;
            } else if final_record {
                self.verify_after(i).await?;
                self.record_final(started, done.counters, done.batches).await?;
            }
        }
        crate::exec::connect::trace(&format!("migration {} (all its requests)", self.key), started);
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
    pub(super) async fn record_final(
        &self,
        started: Instant,
        counters: Counters,
        batches: Option<BatchCount>,
    ) -> Result<()> {
        self.owned_write(self.final_write(started, counters, batches)).await
    }

    fn final_write(&self, started: Instant, counters: Counters, batches: Option<BatchCount>) -> neo4rs::Query {
        let total = self.units.len();
        let mut update = self.update(self.final_status(), total);
        update.counters = Some(counters);
        update.batches = batches;
        update.execution_ms = Some(started.elapsed().as_millis() as i64);
        update.new_attempt = total == 0;
        update.reset_counts = total == 0;
        history::write_with_version(&update, Some(self.version_after.as_deref()))
    }

    /// [`Run::await_indexes`] then [`Run::record_final`] in one request, the wait first in the
    /// statement, so the record says `applied` only once the indexes are online (its
    /// `execution_ms` leaves the wait out). An index migration thus adds one request, not two, to
    /// what the bare driver sends. When the request fails, nothing of it was written: the two
    /// run apart, each failing with its own message.
    pub(super) async fn await_and_record_final(
        &self,
        i: usize,
        started: Instant,
        counters: Counters,
        batches: Option<BatchCount>,
    ) -> Result<()> {
        let write =
            self.lock.owned_after_index_wait(self.index_wait_secs(), self.final_write(started, counters, batches));
        // Not bounded by the request timeout: the wait is bounded by --index-timeout.
        match self.exec.db.rows_raw(write).await {
            Ok(rows) if !rows.is_empty() && self.lock.still_held() => Ok(()),
            Ok(_) => Err(self.lost_lock()),
            Err(_) => {
                self.await_indexes(i).await?;
                self.record_final(started, counters, batches).await
            }
        }
    }

    fn index_wait_secs(&self) -> i64 {
        self.exec.options.index_timeout.as_secs().max(1) as i64
    }

    /// Writes history in one auto-commit statement that first proves lock ownership
    /// ([`Lock::owned`]).
    pub(super) async fn owned_write(&self, write: neo4rs::Query) -> Result<()> {
        let db = &self.exec.db;
        let rows = db
            .within(db.rows_raw(self.lock.owned(write)))
            .await
            .map_err(|e| db.error("could not write the history", e))?;
        if rows.is_empty() || !self.lock.still_held() {
            return Err(self.lost_lock());
        }
        Ok(())
    }

    pub(super) fn lost_lock(&self) -> Error {
        Error::Database(format!(
            "this process lost the migration lock (its lease expired, or `cymig unlock` was run) while \
             working on {}; stopped without committing more. Run `cymig status`",
            self.key
        ))
    }

    /// One explicit unit: statements, counters, history (and, when last, verify) in one
    /// transaction. Transient errors roll back and are retried with backoff.
    pub(super) async fn explicit_unit(&self, i: usize, last: bool, start: usize, started: Instant) -> Result<UnitDone> {
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

    pub(super) async fn explicit_attempt(
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
            Ok(done) => {
                let committing = Instant::now();
                let committed = txn.commit().await;
                crate::exec::connect::trace("COMMIT", committing);
                match committed {
                    Ok(_) => Ok(done),
                    Err(e) => Err(StepError::from_driver(e)),
                }
            }
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    pub(super) async fn explicit_body(
        &self,
        txn: &mut Txn,
        i: usize,
        last: bool,
        start: usize,
        started: Instant,
    ) -> Result<UnitDone, StepError> {
        if !self.lock.still_held() {
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
        // The history write proves ownership last ([`Lock::owned`]): the one request this step
        // adds to its statements. Its write lock on the lock node, held until commit, keeps the
        // lock from being taken over in between, so a step still commits only while owned.
        let write = self.lock.owned(history::write_with_version(&update, version));
        let owned = txn_rows(txn, write).await.map_err(StepError::from_driver)?;
        if owned.is_empty() || !self.lock.still_held() {
            return Err(StepError::Other(self.lost_lock()));
        }
        Ok(UnitDone { counters, batches: None })
    }

    /// One auto-commit unit, bracketed by a committed `running` record and a progress record
    /// (which carries the rows and batches its batched statements committed).
    pub(super) async fn auto_commit_unit(&self, i: usize, start: usize, progress: &StepProgress) -> Result<UnitDone> {
        let mut running = self.update(Status::Running, i);
        running.new_attempt = i == start;
        running.reset_counts = i == start && start == 0;
        self.owned_write(history::write(&running)).await?;
        let mut counters = Counters::default();
        let mut batches = None;
        let elsewhere = self.exec.elsewhere(&self.units[i]);
        for statement in &self.units[i].statements {
            let outcome = if let Some(database) = elsewhere {
                self.statement_elsewhere(database, statement).await
            } else if is_schema(statement) {
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
            self.owned_write(history::write(&next)).await?;
        }
        Ok(UnitDone { counters, batches })
    }

    /// An explicit unit of another database (`:use <db>`): its transaction cannot hold the
    /// history write, so it is bracketed like an auto-commit unit, between a committed `running`
    /// record at step `i` and one at `i + 1` (or the final record). A crash between its commit
    /// and the next record leaves the migration `running` at this step: `retry` runs it again.
    pub(super) async fn explicit_elsewhere(&self, i: usize, start: usize, database: &str) -> Result<UnitDone> {
        let mut running = self.update(Status::Running, i);
        running.new_attempt = i == start;
        running.reset_counts = i == start && start == 0;
        self.owned_write(history::write(&running)).await?;
        let db = &self.exec.db;
        let counters = match self.transaction_elsewhere(database, i).await {
            Ok(counters) => counters,
            Err(e) => {
                let mut message = db.redact(&e.to_string());
                message.push_str(out_of_memory_advice(&e));
                return Err(self.fail(i, &format!("in database `{database}`: {message}"), false).await);
            }
        };
        if i + 1 < self.units.len() {
            let mut next = self.update(Status::Running, i + 1);
            next.counters = Some(counters);
            self.owned_write(history::write(&next)).await?;
        }
        Ok(UnitDone { counters, batches: None })
    }

    async fn transaction_elsewhere(&self, database: &str, i: usize) -> std::result::Result<Counters, neo4rs::Error> {
        let mut txn = self.exec.db.begin_on(Some(database)).await?;
        let mut counters = Counters::default();
        for statement in &self.units[i].statements {
            match txn_run(&mut txn, query(&statement.text)).await {
                Ok(changed) => counters += changed,
                Err(e) => {
                    let _ = txn.rollback().await;
                    return Err(e);
                }
            }
        }
        txn.commit().await?;
        Ok(counters)
    }

    /// A statement of an auto-commit unit of another database, run as written: the history's
    /// checkpoints and schema effects live in the configured database, so a batched step there
    /// reports no batches and a schema step records no effects (its down runs as planned).
    pub(super) async fn statement_elsewhere(
        &self,
        database: &str,
        statement: &PlannedStatement,
    ) -> Result<(Counters, Option<BatchCount>), BatchFailure> {
        let db = &self.exec.db;
        db.run_raw_on(Some(database), query(&statement.text)).await.map(|c| (c, None)).map_err(|e| BatchFailure {
            message: format!("in database `{database}`: {}", db.redact(&e.to_string())),
            done: None,
        })
    }

    /// Runs a schema statement; going up, records at once what it really created or dropped, so
    /// that `down` undoes exactly that ([`schema_effects`]).
    pub(super) async fn schema_statement(
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
            self.owned_write(schema_effects::append(&self.key, &effects)).await.map_err(|e| failed(e.to_string()))?;
        }
        Ok((counters, None))
    }

    /// Waits for the indexes a schema step created to come online (`db.awaitIndexes`), so the
    /// next step does not run against a populating index.
    pub(super) async fn await_indexes(&self, i: usize) -> Result<()> {
        let secs = self.index_wait_secs();
        let db = &self.exec.db;
        let database = self.exec.elsewhere(&self.units[i]);
        if let Err(e) = db.run_raw_on(database, query("CALL db.awaitIndexes($secs)").param("secs", secs)).await {
            let message =
                format!("indexes did not come online within {secs}s (--index-timeout): {}", db.redact(&e.to_string()));
            return Err(self.fail(i, &message, true).await);
        }
        Ok(())
    }

    /// Verify queries after a migration whose last unit was auto-commit.
    pub(super) async fn verify_after(&self, i: usize) -> Result<()> {
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
    pub(super) async fn fail(&self, i: usize, message: &str, committed: bool) -> Error {
        self.fail_counted(i, message, committed, None).await
    }

    /// [`Run::fail`] recording what a batched unit committed before it failed.
    pub(super) async fn fail_counted(
        &self,
        i: usize,
        message: &str,
        committed: bool,
        batches: Option<BatchCount>,
    ) -> Error {
        let mut update = self.update(Status::Failed, i);
        update.error = Some(message);
        update.batches = batches;
        let recorded = self.owned_write(history::write(&update)).await;
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

/// Adds to a failure what this run completed before it, so the report of a failed run does
/// not hide the migrations it did apply (or roll back).
pub(super) fn after_completed(e: Error, done: &[Applied]) -> Error {
    match e {
        Error::Database(message) if !done.is_empty() => {
            let keys: Vec<&str> = done.iter().map(|a| a.key.as_str()).collect();
            Error::Database(format!("{message}\nCompleted by this run before the failure: {}", keys.join(", ")))
        }
        other => other,
    }
}

pub(super) enum StepError {
    Transient(neo4rs::Error),
    Lost(neo4rs::Error),
    Statement(neo4rs::Error),
    Verify(String),
    Other(Error),
}

impl StepError {
    pub(super) fn from_driver(e: neo4rs::Error) -> Self {
        if is_transient(&e) {
            StepError::Transient(e)
        } else if is_connection_loss(&e) {
            StepError::Lost(e)
        } else {
            StepError::Statement(e)
        }
    }
}

/// A verify query passes when it returns at least one row and every value of every row is `true`.
pub(super) fn verify_passed(rows: &[neo4rs::Row]) -> bool {
    !rows.is_empty()
        && rows.iter().all(|row| {
            let values = row.to::<std::collections::HashMap<String, neo4rs::BoltType>>().unwrap_or_default();
            !values.is_empty() && values.values().all(|v| matches!(v, neo4rs::BoltType::Boolean(b) if b.value))
        })
}
