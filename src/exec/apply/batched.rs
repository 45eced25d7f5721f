//! Batched steps: `apoc.periodic.iterate` and `CALL … IN TRANSACTIONS`, their checkpoints, what a
//! stopped one committed, and the size limit on unbatched ones.

use super::run::Run;
use super::*;

/// A batched statement that did not complete: why, and what it committed before it stopped.
pub(super) struct BatchFailure {
    pub(super) message: String,
    pub(super) done: Option<BatchCount>,
}

pub(super) fn add_batches(total: &mut Option<BatchCount>, more: Option<BatchCount>) {
    if let Some(more) = more {
        *total.get_or_insert_with(BatchCount::default) += more;
    }
}

impl Run<'_> {
    /// Runs one statement of an auto-commit unit so that, when batched, it reports what it
    /// committed: `apoc.periodic.iterate` returns its counters (and its swallowed errors, which
    /// fail the step here); a trailing `CALL … IN TRANSACTIONS` runs as the plan's streaming
    /// rewrite ([`crate::plan::Batched::streaming`]), one row per committed driving row, counted
    /// as they arrive. Any other shape runs as written and reports no batches.
    pub(super) async fn run_batched(
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
                let message = crate::exec::connect::server_message(&e);
                let mut done = committed(rows);
                if let Some(n) = crate::exec::connect::transactions_committed(&message).filter(|n| *n > done.batches) {
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
    pub(super) async fn run_checkpointed(
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
        // A per-batch rewrite that completed streamed every batch's row count, so the record can
        // only agree; it is read where rows may not have reached us (per-row checkpoints, a
        // failure) or a shown progress wants the total.
        let exact = streamed.is_ok() && batched.checkpoint_per_batch && !progress.shown();
        let checkpoint = match exact {
            true => None,
            false => history::checkpoint(db, &self.key).await.ok().flatten().filter(|c| c.at == at),
        };
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
                        db.redact(&crate::exec::connect::server_message(&e)),
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
    pub(super) async fn poll_checkpoint(
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
    pub(super) async fn checkpoint_start(&self, i: usize, rerun: Rerun) -> Result<i64> {
        let at = history::checkpoint_at(self.direction, i);
        if rerun == Rerun::Resumable && self.resumed_step == Some(i) {
            if let Some(c) = history::checkpoint(&self.exec.db, &self.key).await?.filter(|c| c.at == at) {
                return Ok(c.rows);
            }
        }
        if self.checkpoint_reset.take() != Some(i) {
            self.owned_write(history::checkpoint_reset(&self.key, &at)).await?;
        }
        Ok(0)
    }
}

impl Run<'_> {
    /// Before an explicit unit: counts the driving rows of each unbatched data statement (in a
    /// transaction rolled back, as the dry run counts batched ones) and refuses above
    /// `max-unbatched-rows`, since one transaction holding them all is what runs Neo4j out of
    /// memory. A count that fails says nothing: the statement runs.
    pub(super) async fn refuse_large_unbatched(&self, i: usize) -> Result<()> {
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
                rows = crate::exec::progress::thousands(rows),
                max = crate::exec::progress::thousands(max as i64),
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
    pub(super) fn partly_applied(&self, i: usize, committed: bool, batches: Option<BatchCount>) -> (String, bool) {
        if !committed {
            return ("it was rolled back: nothing of it was applied".into(), false);
        }
        let batched = self.units[i].statements.iter().find_map(|s| s.batched.as_ref());
        let exact = batched.is_some_and(|b| b.checkpointed.is_some());
        let rows = batches.map(|b| crate::exec::progress::thousands(b.rows));
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

/// The result row of `apoc.periodic.iterate`: what it committed, or — when it reports failed
/// operations, failed batches, error messages or termination, which it does instead of failing —
/// a failure carrying those messages. Columns a `YIELD` left out are not checked.
pub(super) fn iterate_outcome(row: &neo4rs::Row) -> Result<Option<BatchCount>, BatchFailure> {
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
pub(super) fn planned_of(rows: i64, per_batch: u64) -> Planned {
    Planned { rows: Some(rows), batches: Some(BatchCount::of_rows(rows, per_batch).batches) }
}
