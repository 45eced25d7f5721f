//! Dry runs: what `up` or `down` would change, without changing anything.
//!
//! Explicit steps run for real inside a transaction that is rolled back; the changes are measured
//! inside it (nodes, relationships, labels, relationship types, properties). Schema steps run the
//! same way (Neo4j accepts schema commands in an explicit transaction of their own), which also
//! proves they would succeed. Batched steps (`CALL … IN TRANSACTIONS`, `apoc.periodic.*`) commit as
//! they go and cannot be rolled back, so they are not run: their driving query is counted instead,
//! giving rows and batches. Nothing is written, not even the lock or the history constraints.
//! Each step is measured against the current database: a step that depends on an earlier pending
//! step sees the database without it.

use super::apply::{down_units, pending, refuse_blocked, refuse_drift, to_roll_back, up_units, DownSelection, Unit};
use super::connect::txn_rows;
use super::{history, migration_key, statements, Executor};
use crate::error::{Error, Result};
use crate::plan::{CheckedPlan, TransactionMode};
use neo4rs::{query, Txn};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Ran and rolled back.
    RolledBack(Changes),
    /// Not run: batched, would process about `rows` rows in `batches` batches.
    Estimated { rows: Option<i64>, batches: Option<i64>, rows_per_batch: Option<u64> },
    /// Ran and rolled back, and Neo4j refused it: the real run would fail the same way.
    WouldFail { error: String },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Changes {
    pub nodes: i64,
    pub relationships: i64,
    pub properties: i64,
    pub labels: BTreeMap<String, i64>,
    pub relationship_types: BTreeMap<String, i64>,
    pub indexes: i64,
    pub constraints: i64,
}

impl Executor {
    pub async fn dry_run_up(&self, plan: &CheckedPlan, target: Option<&str>) -> Result<Vec<StepPreview>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        refuse_drift(plan, &records)?;
        let mut out = Vec::new();
        for m in pending(plan, &records, target)? {
            for (i, unit) in up_units(m).iter().enumerate() {
                out.push(StepPreview {
                    migration: migration_key(m),
                    step: i + 1,
                    transaction: unit.mode,
                    outcome: self.preview(unit).await?,
                });
            }
        }
        Ok(out)
    }

    pub async fn dry_run_down(&self, plan: &CheckedPlan, selection: DownSelection<'_>) -> Result<Vec<StepPreview>> {
        let records = history::load(&self.db).await?;
        refuse_blocked(&records)?;
        let mut out = Vec::new();
        for m in to_roll_back(plan, &records, selection)? {
            let units = down_units(m).ok_or_else(|| Error::Usage(super::apply::irreversible_message(m)))?;
            for (i, unit) in units.iter().enumerate() {
                out.push(StepPreview {
                    migration: migration_key(m),
                    step: i + 1,
                    transaction: unit.mode,
                    outcome: self.preview(unit).await?,
                });
            }
        }
        Ok(out)
    }

    async fn preview(&self, unit: &Unit) -> Result<Preview> {
        let batched = unit.mode == TransactionMode::AutoCommit && !unit.schema;
        if batched {
            return self.estimate(unit).await;
        }
        let db = &self.db;
        let mut txn = db.begin().await.map_err(|e| db.error("could not start the dry-run transaction", e))?;
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
        let (mut rows, mut per_batch) = (None, None);
        for statement in &unit.statements {
            let Some((count_query, size)) = statements::batch_estimate(statement) else { continue };
            per_batch = Some(size);
            let db = &self.db;
            let mut txn = db.begin().await.map_err(|e| db.error("could not start the dry-run transaction", e))?;
            let counted = txn_rows(&mut txn, query(&count_query)).await;
            let _ = txn.rollback().await;
            if let Ok(r) = counted {
                rows = r.first().and_then(|r| r.get::<i64>("v").ok());
            }
        }
        let batches = match (rows, per_batch) {
            (Some(r), Some(b)) if b > 0 => Some((r + b as i64 - 1) / b as i64),
            _ => None,
        };
        Ok(Preview::Estimated { rows, batches, rows_per_batch: per_batch })
    }
}

async fn rolled_back_changes(txn: &mut Txn, unit: &Unit) -> std::result::Result<Changes, neo4rs::Error> {
    let measure = !unit.schema;
    let before = if measure { Some(measure_in(txn).await?) } else { None };
    for statement in &unit.statements {
        let mut stream = txn.execute(query(statement)).await?;
        while stream.next(txn.handle()).await?.is_some() {}
    }
    let mut changes = match before {
        Some(before) => measure_in(txn).await?.minus(&before),
        None => Changes::default(),
    };
    for statement in &unit.statements {
        let upper = statement.trim_start().to_ascii_uppercase();
        let sign = if upper.starts_with("DROP") { -1 } else { 1 };
        if upper.contains("CONSTRAINT") {
            changes.constraints += sign;
        } else if upper.contains("INDEX") {
            changes.indexes += sign;
        }
    }
    Ok(changes)
}

/// Totals inside a transaction (its own changes included).
async fn measure_in(txn: &mut Txn) -> std::result::Result<Changes, neo4rs::Error> {
    let (nodes, relationships) = super::counts_in(txn).await?;
    let mut c = Changes { nodes, relationships, ..Default::default() };
    for row in txn_rows(txn, query("MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS c")).await? {
        c.labels.insert(row.get("l").unwrap_or_default(), row.get("c").unwrap_or(0));
    }
    for row in txn_rows(txn, query("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c")).await? {
        c.relationship_types.insert(row.get("t").unwrap_or_default(), row.get("c").unwrap_or(0));
    }
    let props = txn_rows(
        txn,
        query("CALL { MATCH (n) RETURN sum(size(keys(n))) AS a } CALL { MATCH ()-[r]->() RETURN sum(size(keys(r))) AS b } RETURN a + b AS p"),
    )
    .await?;
    c.properties = props.first().and_then(|r| r.get::<i64>("p").ok()).unwrap_or(0);
    Ok(c)
}

impl Changes {
    fn minus(&self, before: &Changes) -> Changes {
        Changes {
            nodes: self.nodes - before.nodes,
            relationships: self.relationships - before.relationships,
            properties: self.properties - before.properties,
            labels: delta(&before.labels, &self.labels),
            relationship_types: delta(&before.relationship_types, &self.relationship_types),
            indexes: 0,
            constraints: 0,
        }
    }
}

fn delta(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for k in before.keys().chain(after.keys()) {
        let d = after.get(k).copied().unwrap_or(0) - before.get(k).copied().unwrap_or(0);
        if d != 0 {
            out.insert(k.clone(), d);
        }
    }
    out
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
                rows.map_or("?".into(), |r| r.to_string()),
                batches.map_or("?".into(), |b| b.to_string()),
                rows_per_batch.map_or("?".into(), |b| b.to_string())
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

fn describe(c: &Changes) -> String {
    let mut parts = Vec::new();
    let signed = |n: i64| if n >= 0 { format!("+{n}") } else { n.to_string() };
    for (what, n) in [
        ("nodes", c.nodes),
        ("relationships", c.relationships),
        ("properties", c.properties),
        ("indexes", c.indexes),
        ("constraints", c.constraints),
    ] {
        if n != 0 {
            parts.push(format!("{} {what}", signed(n)));
        }
    }
    for (l, n) in &c.labels {
        parts.push(format!("{} :{l}", signed(*n)));
    }
    for (t, n) in &c.relationship_types {
        parts.push(format!("{} [:{t}]", signed(*n)));
    }
    if parts.is_empty() {
        "no net change to counts".into()
    } else {
        parts.join(", ")
    }
}
