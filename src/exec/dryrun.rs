//! Dry runs: what `up` or `down` would change, without changing anything.
//!
//! Explicit steps run for real inside a transaction that is rolled back; what they changed is
//! Neo4j's own count of it (nodes and relationships created and deleted, properties set, labels
//! added and removed, indexes, constraints), read from each statement's result summary, so
//! nothing is scanned to measure it. Schema steps run the same way (Neo4j accepts schema commands
//! in an explicit transaction of their own), which also proves they would succeed. Batched steps (`CALL … IN TRANSACTIONS`, `apoc.periodic.*`) commit as
//! they go and cannot be rolled back, so they are not run: their driving query is counted instead,
//! giving rows and batches. Nothing is written, not even the lock or the history constraints.
//! Each step is measured against the current database: a step that depends on an earlier pending
//! step sees the database without it.

use super::apply::{pending, refuse_blocked, refuse_drift, to_roll_back, up_units, DownSelection, Unit};
use super::connect::txn_run;
use super::counters::Counters;
use super::{history, migration_key, Executor};
use crate::error::{Error, Result};
use crate::plan::{CheckedPlan, MigrationPlan, TransactionMode};
use neo4rs::{query, Txn};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct StepPreview {
    pub migration: String,
    pub step: usize,
    pub transaction: TransactionMode,
    pub outcome: Preview,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Preview {
    /// Ran and rolled back: what it would have changed.
    RolledBack(Counters),
    /// Not run: batched, would process about `rows` rows in `batches` batches.
    Estimated { rows: Option<i64>, batches: Option<i64>, rows_per_batch: Option<u64> },
    /// Ran and rolled back, and Neo4j refused it: the real run would fail the same way.
    WouldFail { error: String },
}

impl Executor {
    pub async fn dry_run_up(&self, plan: &CheckedPlan, target: Option<&str>) -> Result<Vec<StepPreview>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        let chosen = self.choose_alternatives(plan, &records).await?;
        refuse_drift(&chosen, &records)?;
        let admitted = self.admit(&chosen, &records).await?;
        let mut out = Vec::new();
        for m in pending(&admitted, &records, target)? {
            self.preview_migration(m, &up_units(m), &mut out).await?;
        }
        Ok(out)
    }

    pub async fn dry_run_down(&self, plan: &CheckedPlan, selection: DownSelection<'_>) -> Result<Vec<StepPreview>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        let recorded = super::preconditions::recorded_alternatives(plan, &records);
        let mut out = Vec::new();
        for m in to_roll_back(&recorded, &records, selection)? {
            let down = super::schema_effects::down_for(m, &records);
            for note in &down.notes {
                self.say(&format!("{}: {note}", migration_key(m)));
            }
            let units = down.units.ok_or_else(|| Error::Usage(super::apply::irreversible_message(m)))?;
            self.preview_migration(m, &units, &mut out).await?;
        }
        Ok(out)
    }

    async fn preview_migration(&self, m: &MigrationPlan, units: &[Unit], out: &mut Vec<StepPreview>) -> Result<()> {
        for (i, unit) in units.iter().enumerate() {
            out.push(StepPreview {
                migration: migration_key(m),
                step: i + 1,
                transaction: unit.mode,
                outcome: self.preview(unit).await?,
            });
        }
        Ok(())
    }

    async fn preview(&self, unit: &Unit) -> Result<Preview> {
        let batched = unit.mode == TransactionMode::AutoCommit && !unit.schema;
        if batched {
            return self.estimate(unit).await;
        }
        let db = &self.db;
        let mut txn = db
            .begin_on(self.elsewhere(unit))
            .await
            .map_err(|e| db.error("could not start the dry-run transaction", e))?;
        let outcome = rolled_back_changes(&mut txn, unit).await;
        let rolled_back = txn.rollback().await;
        let changes = match outcome {
            Ok(changes) => changes,
            Err(e) => return Ok(Preview::WouldFail { error: db.redact(&e.to_string()) }),
        };
        rolled_back.map_err(|e| db.error("could not roll back the dry run", e))?;
        Ok(Preview::RolledBack(changes))
    }

    async fn estimate(&self, unit: &Unit) -> Result<Preview> {
        // A batched statement always runs alone: its unit holds that one statement.
        let Some(batched) = unit.statements.iter().find_map(|s| s.batched.as_ref()) else {
            return Ok(Preview::Estimated { rows: None, batches: None, rows_per_batch: None });
        };
        let db = &self.db;
        let planned =
            self.count_planned(batched).await.map_err(|e| db.error("could not start the dry-run transaction", e))?;
        Ok(Preview::Estimated { rows: planned.rows, batches: planned.batches, rows_per_batch: batched.rows_per_batch })
    }
}

async fn rolled_back_changes(txn: &mut Txn, unit: &Unit) -> std::result::Result<Counters, neo4rs::Error> {
    let mut changes = Counters::default();
    for statement in &unit.statements {
        changes += txn_run(txn, query(&statement.text)).await?;
    }
    Ok(changes)
}

/// Text rendering, one line per step.
pub fn render(previews: &[StepPreview]) -> String {
    if previews.is_empty() {
        return "dry run: nothing to do\n".into();
    }
    let mut out = String::from("dry run: nothing was changed\n");
    for p in previews {
        let line = match &p.outcome {
            Preview::RolledBack(c) => format!("ran and rolled back: {}", describe(c)),
            Preview::Estimated { rows, batches, rows_per_batch } => format!(
                "batched, not run: {} rows in {} batches of {}",
                rows.map_or("?".into(), super::progress::thousands),
                batches.map_or("?".into(), super::progress::thousands),
                rows_per_batch.map_or("?".into(), |b| super::progress::thousands(i64::try_from(b).unwrap_or(i64::MAX)))
            ),
            Preview::WouldFail { error } => format!("WOULD FAIL: {error}"),
        };
        let mode = match p.transaction {
            TransactionMode::Explicit => "explicit",
            TransactionMode::AutoCommit => "auto-commit",
        };
        out.push_str(&format!("  {} step {} ({mode}): {line}\n", p.migration, p.step));
    }
    out
}

fn describe(c: &Counters) -> String {
    if c.is_empty() {
        "no changes".into()
    } else {
        c.describe()
    }
}
