//! `cymig verify`: proves each pending migration's rollback on a scratch database.
//!
//! For each pending migration in order: fingerprint, up, down, fingerprint again, report every
//! difference, then up again so the next migration starts from the state it expects. Refuses a
//! database that holds data or schema unless explicitly allowed (it changes the database).
//!
//! A migration whose steps run in other databases (`:use <db>`) is fingerprinted in each of them
//! as well: a down that misses what its up did there is not exact either.
//!
//! With decoys (the default), [`decoy`] data synthesised from the up's patterns is planted before
//! the first fingerprint and removed before the second up; a down that deletes or changes a decoy
//! is not exact, and the proof names the first decoy it touched. Decoys go to the configured
//! database only.

use super::apply::{down_units, other_database, pending, up_units, Unit};
use super::decoy::{self, Touched};
use super::fingerprint::{self, Fingerprint};
use super::history::{self, Direction};
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::plan::compile::steps_of;
use crate::plan::{CheckedPlan, MigrationPlan, TransactionMode};
use crate::source::SourceFile;
use neo4rs::query;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Proof {
    pub migration: String,
    pub description: String,
    #[serde(flatten)]
    pub outcome: ProofOutcome,
    /// How many decoy nodes and relationships were there during up and down.
    pub decoys: usize,
    /// The first decoy the down deleted or changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub touched_decoy: Option<Touched>,
}

/// The databases the up and down of `migrations` run in besides `home` (`:use <db>`), in order
/// of first use, after `home` itself (`None`).
fn databases_of<'m>(
    migrations: impl IntoIterator<Item = &'m MigrationPlan>,
    home: Option<&str>,
) -> Vec<Option<String>> {
    let mut databases = vec![None];
    for m in migrations {
        let units: Vec<Unit> = up_units(m).into_iter().chain(down_units(m).unwrap_or_default()).collect();
        for name in units.iter().filter_map(|u| other_database(home, u)) {
            let name = Some(name.to_string());
            if !databases.contains(&name) {
                databases.push(name);
            }
        }
    }
    databases
}

/// Every difference between the fingerprints of each database before and after, those of
/// another database than the configured one prefixed with its name.
fn differences_in(databases: &[Option<String>], before: &[Fingerprint], after: &[Fingerprint]) -> Vec<String> {
    let mut out = Vec::new();
    for ((b, a), database) in before.iter().zip(after).zip(databases) {
        let found = fingerprint::diff(b, a);
        match database {
            None => out.extend(found),
            Some(name) => out.extend(found.into_iter().map(|d| format!("in database `{name}`: {d}"))),
        }
    }
    out
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum ProofOutcome {
    /// Down restored schema and data exactly.
    Exact,
    /// Down left these differences.
    Differs { differences: Vec<String> },
    /// No down script: applied, not proven.
    Irreversible,
}

impl Executor {
    pub async fn prove(
        &self,
        plan: &CheckedPlan,
        allow_non_empty: bool,
        seed: Option<&str>,
        decoys: bool,
    ) -> Result<Vec<Proof>> {
        let databases = databases_of(&plan.plan().migrations, self.db.database.as_deref());
        for (database, start) in databases.iter().zip(self.fingerprints(&databases).await?) {
            if !allow_non_empty && !start.is_empty() {
                let which = match database {
                    None => "this one".to_string(),
                    Some(name) => format!("database `{name}`, where a migration runs (`:use {name}`),"),
                };
                return Err(Error::Usage(format!(
                    "`cymig verify` changes the database and {which} is not empty ({} nodes, {} relationships, {} indexes/constraints); \
                     point it at a scratch database (tests/neo4j/run starts one), or pass --allow-non-empty",
                    start.nodes,
                    start.relationships,
                    start.schema.iter().filter(|s| !s.starts_with("index LOOKUP")).count()
                )));
            }
        }
        if let Some(seed) = seed {
            self.run_script(seed).await?;
        }
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = self.prove_locked(plan, &lock, decoys).await;
        lock.release_after(result).await
    }

    async fn prove_locked(&self, plan: &CheckedPlan, lock: &super::lock::Lock, decoys: bool) -> Result<Vec<Proof>> {
        let records = history::load(&self.db).await?;
        let mut proofs = Vec::new();
        for m in pending(plan, &records, None)? {
            let proof = |outcome, decoys, touched_decoy| Proof {
                migration: migration_key(m),
                description: m.description.clone(),
                outcome,
                decoys,
                touched_decoy,
            };
            if down_units(m).is_none() {
                self.run_one(plan, m, Direction::Up, lock).await?;
                proofs.push(proof(ProofOutcome::Irreversible, 0, None));
                continue;
            }
            let planted = if decoys { decoy::synthesise(m) } else { Vec::new() };
            let count = decoy::plant(&self.db, &planted).await?;
            let databases = databases_of([m], self.db.database.as_deref());
            let before = self.fingerprints(&databases).await?;
            let decoys_before = decoy::snapshot(&self.db).await?;
            let (after, decoys_after) = match self.up_then_down(plan, m, lock).await {
                Ok(()) => (self.fingerprints(&databases).await?, decoy::snapshot(&self.db).await?),
                Err(e) => {
                    // The scratch database is left as the failure left it, but without decoys.
                    let _ = decoy::remove(&self.db).await;
                    return Err(e);
                }
            };
            let touched = decoy::first_touched(&planted, &decoys_before, &decoys_after);
            let mut differences = differences_in(&databases, &before, &after);
            if let Some(t) = &touched {
                differences.insert(0, format!("touched decoy {} ({}): {}", t.id, t.description, t.change));
            }
            decoy::remove(&self.db).await?;
            self.run_one(plan, m, Direction::Up, lock)
                .await
                .map_err(|e| failed_in("up and down ran, then the up failed again", e))?;
            let outcome =
                if differences.is_empty() { ProofOutcome::Exact } else { ProofOutcome::Differs { differences } };
            proofs.push(proof(outcome, count, touched));
        }
        Ok(proofs)
    }

    async fn fingerprints(&self, databases: &[Option<String>]) -> Result<Vec<Fingerprint>> {
        let mut out = Vec::with_capacity(databases.len());
        for database in databases {
            out.push(fingerprint::take_in(&self.db, database.as_deref()).await?);
        }
        Ok(out)
    }

    /// A failing down is named as such: a down Neo4j rejects is a wrong down, not an up that
    /// cannot run on this server.
    async fn up_then_down(&self, plan: &CheckedPlan, m: &MigrationPlan, lock: &super::lock::Lock) -> Result<()> {
        self.run_one(plan, m, Direction::Up, lock).await?;
        self.run_one(plan, m, Direction::Down, lock)
            .await
            .map_err(|e| failed_in("the up ran, then the down failed", e))?;
        Ok(())
    }

    /// Runs a plain script (seed data), planned like a migration: data statements together in
    /// a transaction, schema and batched statements alone in auto-commit. A script with a syntax
    /// error runs nothing.
    pub async fn run_script(&self, text: &str) -> Result<()> {
        let script = crate::syntax::parse(text);
        let source = SourceFile::new("seed script", text);
        if let Some(e) = script.errors.first() {
            let at = source.line_col(e.span.start);
            return Err(Error::Usage(format!("seed script, line {}, column {}: {}", at.line, at.column, e.message)));
        }
        let db = &self.db;
        for step in steps_of(&source, &script.statements, None, None) {
            match step.transaction {
                TransactionMode::AutoCommit => {
                    for s in &step.statements {
                        db.run(query(&s.text)).await?;
                    }
                }
                TransactionMode::Explicit => {
                    let mut txn = db.begin().await.map_err(|e| db.error("seed script", e))?;
                    for s in &step.statements {
                        if let Err(e) = txn.run(query(&s.text)).await {
                            let _ = txn.rollback().await;
                            return Err(db.error("seed script", e));
                        }
                    }
                    txn.commit().await.map_err(|e| db.error("seed script", e))?;
                }
            }
        }
        Ok(())
    }
}

/// `e` with the pass of the proof it happened in.
fn failed_in(pass: &str, e: Error) -> Error {
    match e {
        Error::Database(m) => Error::Database(format!("verify: {pass}: {m}")),
        Error::Usage(m) => Error::Usage(format!("verify: {pass}: {m}")),
        other => other,
    }
}

pub fn render(proofs: &[Proof]) -> String {
    let mut out = String::new();
    for p in proofs {
        match &p.outcome {
            ProofOutcome::Exact => out.push_str(&format!(
                "  {:<10} {}  down restores schema and data exactly{}\n",
                p.migration,
                p.description,
                checked_against(p.decoys)
            )),
            ProofOutcome::Irreversible => out.push_str(&format!(
                "  {:<10} {}  irreversible (no down script): applied, not proven\n",
                p.migration, p.description
            )),
            ProofOutcome::Differs { differences } => {
                out.push_str(&format!(
                    "  {:<10} {}  DOWN IS NOT EXACT{}:\n",
                    p.migration,
                    p.description,
                    checked_against(p.decoys)
                ));
                for d in differences {
                    out.push_str(&format!("               {d}\n"));
                }
            }
        }
    }
    if proofs.is_empty() {
        out.push_str("nothing pending to verify\n");
    }
    out
}

fn checked_against(decoys: usize) -> String {
    match decoys {
        0 => String::new(),
        1 => " (checked against 1 decoy)".into(),
        n => format!(" (checked against {n} decoys)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::DownScript;

    fn in_databases(up: &[Option<&str>], down: &[Option<&str>]) -> MigrationPlan {
        let mut m = MigrationPlan::for_test("1", "uses", vec![Vec::new(); up.len()]);
        for (step, database) in m.steps.iter_mut().zip(up) {
            step.database = database.map(str::to_string);
        }
        let mut down_steps = MigrationPlan::for_test("1", "down", vec![Vec::new(); down.len()]).steps;
        for (step, database) in down_steps.iter_mut().zip(down) {
            step.database = database.map(str::to_string);
        }
        m.down = Some(DownScript { explicit: true, steps: down_steps, text: String::new() });
        m
    }

    #[test]
    fn a_migration_is_fingerprinted_in_the_configured_database_and_each_other_it_uses() {
        let m = in_databases(&[None, Some("sales"), Some("audit")], &[Some("sales"), Some("archive")]);
        let some = |s: &str| Some(s.to_string());
        assert_eq!(databases_of([&m], None), vec![None, some("sales"), some("audit"), some("archive")]);
        // The configured database, however it is spelled, is not another one.
        assert_eq!(databases_of([&m], Some("SALES")), vec![None, some("audit"), some("archive")]);
        assert_eq!(databases_of([&in_databases(&[None], &[])], None), vec![None]);
    }

    #[test]
    fn differences_in_another_database_name_it() {
        let before = Fingerprint { nodes: 1, ..Default::default() };
        let after = Fingerprint::default();
        let databases = [None, Some("sales".to_string())];
        let found = differences_in(&databases, &[before.clone(), before], &[after.clone(), after]);
        assert!(!found.is_empty() && found.len() % 2 == 0, "{found:?}");
        let (home, sales) = found.split_at(found.len() / 2);
        assert!(home.iter().all(|d| !d.starts_with("in database")), "{found:?}");
        assert!(sales.iter().all(|d| d.starts_with("in database `sales`: ")), "{found:?}");
    }
}
