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
    /// The previous migration's final record also wrote this one's first `running` record
    /// ([`Run::first_running`]).
    running_recorded: std::cell::Cell<bool>,
    /// What the record counts from this run's completed steps, when the run started at the first
    /// step (its first record set the counts to zero); `None` for a `retry` that resumed later,
    /// whose writes add to what the earlier attempts counted.
    counted: std::cell::Cell<Option<(Counters, Option<BatchCount>)>>,
    /// The step whose checkpoint its `running` record started again from zero.
    pub(super) checkpoint_reset: std::cell::Cell<Option<usize>>,
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
        Run {
            exec,
            lock,
            m,
            key: migration_key(m),
            direction,
            units,
            version_after,
            resumed_step: None,
            running_recorded: std::cell::Cell::new(false),
            counted: std::cell::Cell::new(None),
            checkpoint_reset: std::cell::Cell::new(None),
        }
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
            checkpoint_from: None,
        }
    }

    /// Puts what a step did on `update`: as the record's new totals when this run knows them
    /// ([`Run::counted`]), so the write reads no count from the record (each count it adds to
    /// makes Neo4j plan the statement longer, and every history write is planned again after a
    /// schema change); otherwise as amounts to add.
    pub(super) fn count_in(&self, update: &mut Update<'_>, counters: Counters, batches: Option<BatchCount>) {
        match self.counted.get() {
            Some((mut total, mut total_batches)) => {
                total += counters;
                add_batches(&mut total_batches, batches);
                update.counters = Some(total);
                update.batches = total_batches;
                update.reset_counts = true;
            }
            None => {
                update.counters = Some(counters);
                update.batches = batches;
            }
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
        self.execute_before(start, None).await
    }

    /// The `running` record a run from its first step writes before that step, when the step
    /// does not commit with a record of its own (an auto-commit unit, or one in another database).
    fn first_running(&self) -> Option<Update<'_>> {
        let unit = self.units.first()?;
        (!self.recorded_with(unit)).then(|| self.running_update(0, 0))
    }

    /// Only an explicit unit of the configured database commits with its history record.
    fn recorded_with(&self, unit: &Unit) -> bool {
        unit.mode == TransactionMode::Explicit && self.exec.elsewhere(unit).is_none()
    }

    /// The `running` record before step `i` of a run from step `start`.
    fn running_update(&self, i: usize, start: usize) -> Update<'_> {
        let mut running = self.update(Status::Running, i);
        running.new_attempt = i == start;
        running.reset_counts = i == start && start == 0;
        running.checkpoint_from = self.checkpoint_from(i);
        running
    }

    /// The checkpoint a `running` record before step `i` can start from zero: that of the step's
    /// one statement when it keeps one and this run does not resume it ([`Run::checkpoint_start`]),
    /// which then writes nothing more. One request fewer per batched step.
    fn checkpoint_from(&self, i: usize) -> Option<String> {
        let unit = self.units.get(i)?;
        let [statement] = unit.statements.as_slice() else { return None };
        let batched = statement.batched.as_ref()?;
        let keeps = batched.checkpointed.is_some() && batched.rows_per_batch.is_some() && !batched.apoc_iterate;
        let resumes = batched.rerun == Rerun::Resumable && self.resumed_step == Some(i);
        let here = unit.mode == TransactionMode::AutoCommit && self.exec.elsewhere(unit).is_none();
        (keeps && here && !resumes && statement.kind != StatementClass::Schema)
            .then(|| history::checkpoint_at(self.direction, i))
    }

    /// Writes the `running` record of step `i`, unless the previous migration's final record
    /// already did.
    async fn record_running(&self, i: usize, start: usize) -> Result<()> {
        if i == 0 && start == 0 && self.running_recorded.replace(false) {
            self.checkpoint_reset.set(self.checkpoint_from(0).map(|_| 0));
            return Ok(());
        }
        let running = self.running_update(i, start);
        self.owned_write(history::write(&running)).await?;
        self.checkpoint_reset.set(running.checkpoint_from.map(|_| i));
        Ok(())
    }

    /// [`Run::execute`]; `next`, the migration this `up` applies next: when this one ends with a
    /// final record of its own, that record also writes `next`'s first `running` record.
    pub(super) async fn execute_before(&self, start: usize, next: Option<&Run<'_>>) -> Result<Applied> {
        let started = Instant::now();
        self.counted.set((start == 0).then(Default::default));
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
            self.record_final(started, Counters::default(), None, None).await?;
        }
        for i in start..total {
            let unit = &self.units[i];
            let last = i + 1 == total;
            let elsewhere = self.exec.elsewhere(unit);
            let recorded_with = self.recorded_with(unit);
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
                self.await_and_record_final(i, started, done.counters, done.batches, next).await?;
            } else if final_record {
                self.verify_after(i).await?;
                self.record_final(started, done.counters, done.batches, next).await?;
            }
            if self.counted.get().is_some() {
                self.counted.set(Some((counters, batches)));
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
    /// `next`: see [`Run::execute_before`].
    pub(super) async fn record_final(
        &self,
        started: Instant,
        counters: Counters,
        batches: Option<BatchCount>,
        next: Option<&Run<'_>>,
    ) -> Result<()> {
        let (write, next_started) = self.final_write(started, counters, batches, next);
        self.owned_write(write).await?;
        next_started.inspect(|n| n.running_recorded.set(true));
        Ok(())
    }

    /// The final record, with `next`'s first `running` record when it has one (then also
    /// returned, to be told once the write committed).
    fn final_write<'n, 'b>(
        &self,
        started: Instant,
        counters: Counters,
        batches: Option<BatchCount>,
        next: Option<&'n Run<'b>>,
    ) -> (neo4rs::Query, Option<&'n Run<'b>>) {
        let total = self.units.len();
        let mut update = self.update(self.final_status(), total);
        update.new_attempt = total == 0;
        update.reset_counts = total == 0;
        self.count_in(&mut update, counters, batches);
        update.execution_ms = Some(started.elapsed().as_millis() as i64);
        let version = Some(self.version_after.as_deref());
        match next.and_then(|n| Some((n, n.first_running()?))) {
            Some((n, running)) => (history::write_then(&update, version, &running), Some(n)),
            None => (history::write_with_version(&update, version), None),
        }
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
        next: Option<&Run<'_>>,
    ) -> Result<()> {
        let (write, next_started) = self.final_write(started, counters, batches, next);
        let write = self.lock.owned_after_index_wait(self.index_wait_secs(), write);
        // Not bounded by the request timeout: the wait is bounded by --index-timeout.
        match self.exec.db.rows_raw(write).await {
            Ok(rows) if !rows.is_empty() && self.lock.still_held() => {
                next_started.inspect(|n| n.running_recorded.set(true));
                Ok(())
            }
            Ok(_) => Err(self.lost_lock()),
            Err(_) => {
                self.await_indexes(i).await?;
                self.record_final(started, counters, batches, None).await
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
        self.count_in(&mut update, counters, None);
        if last {
            update.execution_ms = Some(started.elapsed().as_millis() as i64);
        }
        let version = last.then_some(self.version_after.as_deref());
        // The history write proves ownership last ([`Lock::owned`]): the one request this step
        // adds to its statements. Its write lock on the lock node, held until commit, keeps the
        // lock from being taken over in between, so a step still commits only while owned.
        let write = self.lock.owned(history::write_with_version(&update, version));
        let changed = txn_run(txn, write).await.map_err(StepError::from_driver)?;
        if !Lock::ran_owned(&changed) || !self.lock.still_held() {
            return Err(StepError::Other(self.lost_lock()));
        }
        Ok(UnitDone { counters, batches: None })
    }

    /// One auto-commit unit, bracketed by a committed `running` record and a progress record
    /// (which carries the rows and batches its batched statements committed).
    pub(super) async fn auto_commit_unit(&self, i: usize, start: usize, progress: &StepProgress) -> Result<UnitDone> {
        self.record_running(i, start).await?;
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
            self.count_in(&mut next, counters, batches);
            self.owned_write(history::write(&next)).await?;
        }
        Ok(UnitDone { counters, batches })
    }

    /// An explicit unit of another database (`:use <db>`): its transaction cannot hold the
    /// history write, so it is bracketed like an auto-commit unit, between a committed `running`
    /// record at step `i` and one at `i + 1` (or the final record). A crash between its commit
    /// and the next record leaves the migration `running` at this step: `retry` runs it again.
    pub(super) async fn explicit_elsewhere(&self, i: usize, start: usize, database: &str) -> Result<UnitDone> {
        self.record_running(i, start).await?;
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
            self.count_in(&mut next, counters, None);
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
