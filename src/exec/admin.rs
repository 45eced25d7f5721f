//! The recovery and bookkeeping commands: `mark-applied`, `repair`, `validate`, `baseline`,
//! `unlock`. Each writes a note into the history record so the reason is kept with the change.

use super::apply::{find, short};
use super::history::{self, Direction, Status, Update};
use super::lock::{self, LockInfo};
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::plan::{CheckedPlan, MigrationPlan};

/// What `repair` did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Repaired {
    /// Edited files whose checksum is now the recorded one.
    pub accepted: Vec<Mismatch>,
    /// Applied migrations whose file is gone, now recorded as `forgotten` (key, description).
    pub forgotten: Vec<(String, String)>,
}

/// One migration whose file no longer matches the database's record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Mismatch {
    pub key: String,
    pub recorded: String,
    pub file: String,
}

impl Executor {
    /// Records `version` as applied without running it (it was applied by hand).
    pub async fn mark_applied(&self, plan: &CheckedPlan, version: &str, reason: &str) -> Result<()> {
        require_reason(reason)?;
        let m = find(plan, version)?;
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let key = migration_key(m);
        let note = format!("{}: marked applied by {}: {reason}", now_note(), self.options.applied_by);
        let update = recorded_without_running(m, &key, &self.options.applied_by, note);
        let result =
            self.write_all(vec![history::write(&update), history::write_schema_version(m.version_text())]).await;
        lock.release_after(result).await
    }

    /// Accepts the current checksums of applied migrations whose files were edited, and
    /// forgets applied migrations whose file is gone (recorded as `forgotten`, with the reason).
    pub async fn repair(&self, plan: &CheckedPlan, reason: &str) -> Result<Repaired> {
        require_reason(reason)?;
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = async {
            let mismatches = self.validate(plan).await?;
            let mut queries = Vec::new();
            for mm in &mismatches {
                let note = format!(
                    "{}: checksum {} accepted in place of {} by {}: {reason}",
                    now_note(),
                    short(&mm.file),
                    short(&mm.recorded),
                    self.options.applied_by
                );
                queries.push(history::write_note(&mm.key, &note, Some(&mm.file)));
            }
            let forgotten = self.missing_files(plan).await?;
            for r in &forgotten {
                let note = format!(
                    "{}: forgotten by {} (applied, its file {} is gone): {reason}",
                    now_note(),
                    self.options.applied_by,
                    r.script.as_deref().unwrap_or("(name not recorded)")
                );
                queries.push(history::write_forgotten(&r.key, &note));
            }
            self.write_all(queries).await?;
            let forgotten = forgotten.into_iter().map(|r| (r.key, r.description)).collect();
            Ok(Repaired { accepted: mismatches, forgotten })
        }
        .await;
        lock.release_after(result).await
    }

    /// Applied migrations whose file checksum differs from the recorded one.
    pub async fn validate(&self, plan: &CheckedPlan) -> Result<Vec<Mismatch>> {
        let records = history::load(&self.db).await?;
        let recorded = super::preconditions::recorded_alternatives(plan, &records);
        let by_key = history::by_key(&records);
        let mut out = Vec::new();
        for m in &recorded.plan().migrations {
            let key = migration_key(m);
            if m.version.is_none() {
                continue;
            }
            if let Some(r) = history::applied(&by_key, &key) {
                if r.checksum != m.checksum {
                    out.push(Mismatch { key, recorded: r.checksum.clone(), file: m.checksum.clone() });
                }
            }
        }
        Ok(out)
    }

    /// Applied versioned migrations whose file is gone from the set (`missing`), oldest first.
    pub async fn missing_files(&self, plan: &CheckedPlan) -> Result<Vec<history::Record>> {
        let records = history::load(&self.db).await?;
        Ok(super::missing::missing(plan, &records).into_iter().cloned().collect())
    }

    /// Adopts an existing database: every migration up to `version` is recorded as applied
    /// (baselined) without running. Refuses when any history exists already.
    pub async fn baseline(&self, plan: &CheckedPlan, version: &str, reason: Option<&str>) -> Result<usize> {
        let target = find(plan, version)?;
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = async {
            refuse_existing_history(&self.db).await?;
            let mut queries = Vec::new();
            let note = format!(
                "{}: baselined at {version} by {}: {}",
                now_note(),
                self.options.applied_by,
                reason.unwrap_or("existing database adopted")
            );
            for m in &plan.plan().migrations {
                let key = migration_key(m);
                let update = recorded_without_running(m, &key, &self.options.applied_by, note.clone());
                queries.push(history::write(&update));
                if std::ptr::eq(m, target) {
                    break;
                }
            }
            let n = queries.len();
            queries.push(history::write_schema_version(target.version_text()));
            self.write_all(queries).await?;
            Ok(n)
        }
        .await;
        lock.release_after(result).await
    }

    /// Releases a lock whose lease expired; refuses a live one.
    pub async fn unlock(&self) -> Result<Option<LockInfo>> {
        lock::unlock_stale(&self.db).await
    }

    pub(super) async fn write_all(&self, queries: Vec<neo4rs::Query>) -> Result<()> {
        let db = &self.db;
        let mut txn = db.begin().await.map_err(|e| db.error("could not write the history", e))?;
        for q in queries {
            if let Err(e) = txn.run(q).await {
                let _ = txn.rollback().await;
                return Err(db.error("could not write the history", e));
            }
        }
        txn.commit().await.map(drop).map_err(|e| db.error("could not write the history", e))
    }
}

fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(Error::Usage("--reason must say why (it is recorded in the history)".into()));
    }
    Ok(())
}

pub(super) fn now_note() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("unix {secs}")
}

/// The history record of a migration recorded as applied without cymig running it (applied by
/// hand with `mark-applied`, or adopted with `baseline`): every step counted done, no changes.
pub(super) fn recorded_without_running<'a>(
    m: &'a MigrationPlan,
    key: &'a str,
    by: &'a str,
    note: String,
) -> Update<'a> {
    Update {
        key,
        version: m.version_text(),
        script: super::apply::script_name(m),
        description: &m.description,
        checksum: &m.checksum,
        status: Status::Applied,
        direction: Direction::Up,
        steps_done: m.steps.len() as i64,
        steps_total: m.steps.len() as i64,
        by,
        execution_ms: Some(0),
        counters: None,
        batches: None,
        reset_counts: false,
        error: None,
        new_attempt: false,
        note: Some(note),
        checkpoint_from: None,
    }
}

/// `baseline` (and `baseline --from`) only adopt a database cymig has never migrated.
pub(crate) async fn refuse_existing_history(db: &super::connect::Db) -> Result<()> {
    if history::load(db).await?.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(
        "this database already has cymig history; baseline only adopts a database cymig has never migrated".into(),
    ))
}
