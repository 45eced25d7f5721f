//! neo4j-migrations lifecycle callbacks at run time. `cymig up` runs, as neo4j-migrations'
//! `migrate` does once it holds the lock: `beforeFirstUse`, `beforeMigrate`, the migrations, then
//! `afterMigrate` — also after a failed run (that tool runs it in a `finally`). The callbacks of
//! one phase run in file-name order. A callback is never recorded in the history; its failure
//! stops the run. A `:use <db>` line in a callback sends the statements after it to `db`.
//!
//! `cymig validate` runs `beforeValidate` / `afterValidate` around its comparison and
//! `cymig status` `beforeInfo` / `afterInfo` around its report ([`Executor::around`]).
//! `beforeClean` / `afterClean` belong to `clean`, which cymig does not have: linted, not run.

use super::connect::txn_run;
use super::Executor;
use crate::error::{Error, Result};
use crate::plan::{CallbackPlan, CheckedPlan, Step, TransactionMode};
use neo4rs::query;

/// The phases `up` runs before the migrations, in order.
const BEFORE_UP: [&str; 2] = ["beforeFirstUse", "beforeMigrate"];
const AFTER_UP: &str = "afterMigrate";

impl Executor {
    /// Runs the callbacks before `up` applies anything; refuses first any callback `up` would
    /// run that cymig cannot run as written.
    pub(crate) async fn before_up(&self, plan: &CheckedPlan) -> Result<()> {
        let callbacks = &plan.plan().callbacks;
        let used = callbacks.iter().filter(|c| BEFORE_UP.contains(&c.phase.as_str()) || c.phase == AFTER_UP);
        if let Some(why) = used.filter_map(|c| c.unsupported.as_ref()).next() {
            return Err(Error::Usage(format!("cannot run a callback: {why}")));
        }
        for phase in BEFORE_UP {
            self.run_phase(plan, phase).await?;
        }
        Ok(())
    }

    /// Runs `afterMigrate` after `up`, whatever its outcome; the outcome of `up` comes first.
    pub(crate) async fn after_up<T>(&self, plan: &CheckedPlan, outcome: Result<T>) -> Result<T> {
        self.after_phase(plan, AFTER_UP, outcome).await
    }

    /// Runs `work` between the callbacks of `before` and `after` (`beforeValidate` /
    /// `afterValidate` around `validate`, `beforeInfo` / `afterInfo` around `status`), as
    /// neo4j-migrations runs them around its own command: `after` also when `work` failed.
    pub async fn around<T>(
        &self,
        plan: &CheckedPlan,
        (before, after): (&str, &str),
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let used = plan.plan().callbacks.iter().filter(|c| c.phase == before || c.phase == after);
        if let Some(why) = used.filter_map(|c| c.unsupported.as_ref()).next() {
            return Err(Error::Usage(format!("cannot run a callback: {why}")));
        }
        self.run_phase(plan, before).await?;
        let outcome = work.await;
        self.after_phase(plan, after, outcome).await
    }

    async fn after_phase<T>(&self, plan: &CheckedPlan, phase: &str, outcome: Result<T>) -> Result<T> {
        let after = self.run_phase(plan, phase).await;
        match (outcome, after) {
            (Ok(done), Ok(())) => Ok(done),
            (Ok(_), Err(e)) => Err(e),
            (Err(e), Ok(())) => Err(e),
            (Err(e), Err(also)) => {
                eprintln!("cymig: {also}");
                Err(e)
            }
        }
    }

    async fn run_phase(&self, plan: &CheckedPlan, phase: &str) -> Result<()> {
        for callback in plan.plan().callbacks.iter().filter(|c| c.phase == phase) {
            self.say(&format!("callback {phase}: {}", callback.file.display()));
            self.run_callback(callback).await?;
        }
        Ok(())
    }

    async fn run_callback(&self, callback: &CallbackPlan) -> Result<()> {
        for run in &callback.runs {
            for step in &run.steps {
                self.run_callback_step(run.database.as_deref(), step).await.map_err(|(line, e)| {
                    Error::Database(format!(
                        "callback {}:{line} ({}) failed: {}; the run stops here (callbacks are not recorded, \
                         so fix it and run `cymig up` again)",
                        callback.file.display(),
                        callback.phase,
                        self.db.redact(&super::connect::server_message(&e))
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// One step: its statements in one transaction, or alone in auto-commit. The error comes
    /// with the line of the statement that failed.
    async fn run_callback_step(
        &self,
        database: Option<&str>,
        step: &Step,
    ) -> std::result::Result<(), (usize, neo4rs::Error)> {
        let first_line = step.statements.first().map_or(0, |s| s.line);
        if step.transaction == TransactionMode::AutoCommit {
            for s in &step.statements {
                self.db.run_raw_on(database, query(&s.text)).await.map_err(|e| (s.line, e))?;
            }
            return Ok(());
        }
        let mut txn = self.db.begin_on(database).await.map_err(|e| (first_line, e))?;
        for s in &step.statements {
            if let Err(e) = txn_run(&mut txn, query(&s.text)).await {
                let _ = txn.rollback().await;
                return Err((s.line, e));
            }
        }
        txn.commit().await.map(|_| ()).map_err(|e| (first_line, e))
    }
}
