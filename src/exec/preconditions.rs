//! neo4j-migrations preconditions at run time (`// assume that …`, `// assert that …`,
//! `// assume q' …`), as that tool runs them: before anything is applied, every pending
//! migration's preconditions are evaluated on the target. An unmet `assume` discards the
//! migration (not applied, not recorded: a later run evaluates it again); an unmet `assert`
//! halts the run before anything is applied.
//!
//! Editions and versions come from `CALL dbms.components()`; a `q'` query must return one
//! boolean. `in target` and `in schema` both run on the database cymig migrates (cymig keeps its
//! history in that database).

use super::history::{self, Record, Status};
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::migration::precondition::{self, Condition, Kind};
use crate::plan::{CheckedPlan, MigrationPlan, PlannedPrecondition};
use neo4rs::query;
use std::borrow::Cow;
use std::collections::HashMap;

/// What `dbms.components()` says of the server.
struct Server {
    edition: String,
    version: String,
}

impl Server {
    fn parts(&self) -> Vec<u32> {
        self.version.split(['.', '-']).map_while(|p| p.parse().ok()).collect()
    }
}

/// The outcome of one precondition.
enum Outcome {
    Met,
    /// Not met, with what was found instead.
    Unmet(String),
}

impl Executor {
    /// `plan` with, for each version that has alternative files, the one that applies on this
    /// server in its place: the file its history record names (refused when the assumptions of
    /// another one, and not of that one, hold now), else the only one whose `assume`s all hold
    /// (refused when several do; when none does, the first stays and [`Executor::admit`] skips it).
    pub(crate) async fn choose_alternatives<'p>(
        &self,
        plan: &'p CheckedPlan,
        records: &[Record],
    ) -> Result<Cow<'p, CheckedPlan>> {
        let mut server = None;
        let mut chosen = Vec::new();
        let by_key = history::by_key(records);
        for m in plan.plan().migrations.iter().filter(|m| !m.alternatives.is_empty()) {
            let candidates = candidates(m);
            let mut holding = Vec::new();
            for (i, c) in candidates.iter().enumerate() {
                if self.assumptions_hold(c, &mut server).await? {
                    holding.push(i);
                }
            }
            let files =
                |of: &[usize]| of.iter().map(|i| format!("`{}`", candidates[*i].file.display())).collect::<Vec<_>>();
            let key = migration_key(m);
            match (recorded_alternative(m, &by_key), holding.as_slice()) {
                (Some(r), [now]) if *now != r => {
                    return Err(Error::Usage(format!(
                        "{key} was applied from `{}`, but on this server the assumptions of `{}` hold instead                          (and not those of the file applied): neo4j-migrations applies one file per version, once.                          Check which one the database needs; record a change with `cymig repair --reason …`",
                        candidates[r].file.display(),
                        candidates[*now].file.display()
                    )))
                }
                (Some(r), _) => chosen.push((key, r)),
                (None, [_, _, ..]) => {
                    return Err(Error::Usage(format!(
                        "version {key} has alternative files whose assumptions all hold on this server: {};                          neo4j-migrations applies only one, so cymig applies none: make their `// assume`                          preconditions exclude each other",
                        files(&holding).join(", ")
                    )))
                }
                (None, [one]) => chosen.push((key, *one)),
                (None, []) => {}
            }
        }
        Ok(with_chosen(plan, &chosen))
    }

    /// Whether every `assume` of `m` holds (its `assert`s are [`Executor::admit`]'s).
    async fn assumptions_hold(&self, m: &MigrationPlan, server: &mut Option<Server>) -> Result<bool> {
        for p in m.preconditions.iter().filter(|p| p.kind == Kind::Assume) {
            if let Outcome::Unmet(_) = self.evaluate(m, p, server).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The plan `up` applies: `plan` without the pending migrations whose assumptions do not
    /// hold, or an error naming the first assertion that does not.
    pub(crate) async fn admit<'p>(&self, plan: &'p CheckedPlan, records: &[Record]) -> Result<Cow<'p, CheckedPlan>> {
        let mut server = None;
        let mut skipped = Vec::new();
        let by_key = history::by_key(records);
        for m in plan.plan().migrations.iter().filter(|m| !m.preconditions.is_empty() && !applied(m, &by_key)) {
            let Some((p, found)) = self.first_unmet(m, &mut server).await? else { continue };
            let at = format!("{}:{}:{}", m.file.display(), p.line, p.column);
            match p.kind {
                Kind::Assert => {
                    return Err(Error::Usage(format!(
                        "{at}: precondition `{}` of {} does not hold ({found}); as neo4j-migrations does, \
                         the run stops before applying anything",
                        p.text,
                        migration_key(m)
                    )))
                }
                Kind::Assume => {
                    eprintln!(
                        "cymig: skipped {} ({at}): `{}` does not hold ({found}); not applied and not recorded, \
                         as neo4j-migrations does",
                        migration_key(m),
                        p.text
                    );
                    skipped.push(migration_key(m));
                }
            }
        }
        if skipped.is_empty() {
            return Ok(Cow::Borrowed(plan));
        }
        Ok(Cow::Owned(plan.clone().adapted(|mut kept| {
            kept.migrations.retain(|m| !skipped.contains(&migration_key(m)));
            kept
        })))
    }

    /// The pending migrations `up` would skip now (an `assume` that does not hold), by key, with
    /// why: `status` shows them as `skipped`. One whose preconditions cannot be evaluated stays
    /// `pending` there; `up` reports the error.
    pub(crate) async fn would_skip(&self, plan: &CheckedPlan, records: &[Record]) -> Vec<(String, String)> {
        let mut server = None;
        let mut skipped = Vec::new();
        let by_key = history::by_key(records);
        for m in plan.plan().migrations.iter().filter(|m| !m.preconditions.is_empty() && !applied(m, &by_key)) {
            if let Ok(Some((p, found))) = self.first_unmet(m, &mut server).await {
                if p.kind == Kind::Assume {
                    skipped.push((migration_key(m), format!("`{}` does not hold: {found}", p.text)));
                }
            }
        }
        skipped
    }

    /// The first precondition of `m` that does not hold, with what was found.
    async fn first_unmet<'m>(
        &self,
        m: &'m MigrationPlan,
        server: &mut Option<Server>,
    ) -> Result<Option<(&'m PlannedPrecondition, String)>> {
        for p in &m.preconditions {
            if let Outcome::Unmet(found) = self.evaluate(m, p, server).await? {
                return Ok(Some((p, found)));
            }
        }
        Ok(None)
    }

    async fn evaluate(
        &self,
        m: &MigrationPlan,
        p: &PlannedPrecondition,
        server: &mut Option<Server>,
    ) -> Result<Outcome> {
        let server_said = |s: &Server| format!("the server is Neo4j {} {}", s.version, s.edition);
        match &p.condition {
            Condition::Edition(e) => {
                let s = self.server(server).await?;
                Ok(if s.edition.eq_ignore_ascii_case(e.as_str()) {
                    Outcome::Met
                } else {
                    Outcome::Unmet(server_said(s))
                })
            }
            Condition::Version(tests) => {
                let s = self.server(server).await?;
                Ok(if precondition::admits(tests, &s.parts()) { Outcome::Met } else { Outcome::Unmet(server_said(s)) })
            }
            Condition::Query(_) => self.query_holds(m, p).await,
        }
    }

    async fn server<'s>(&self, server: &'s mut Option<Server>) -> Result<&'s Server> {
        let known = match server.take() {
            Some(s) => s,
            None => self.components().await?,
        };
        Ok(server.insert(known))
    }

    async fn components(&self) -> Result<Server> {
        let rows = self
            .db
            .rows(query(
                "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' \
                 RETURN versions[0] AS version, edition",
            ))
            .await?;
        let row = rows.first().ok_or_else(|| Error::Database("dbms.components() named no Neo4j Kernel".into()))?;
        Ok(Server { version: row.get("version").unwrap_or_default(), edition: row.get("edition").unwrap_or_default() })
    }

    /// Runs a `q'` precondition: it must return a single boolean.
    async fn query_holds(&self, m: &MigrationPlan, p: &PlannedPrecondition) -> Result<Outcome> {
        let text = p.query.as_deref().unwrap_or_default();
        let at = format!("{}:{}:{}", m.file.display(), p.line, p.column);
        let rows = self
            .db
            .statement_rows(query(text))
            .await
            .map_err(|e| Error::Usage(format!("{at}: precondition query `{text}` failed: {e}")))?;
        let value =
            rows.first().and_then(|r| r.keys().first().map(|k| k.to_string()).and_then(|k| r.get::<bool>(&k).ok()));
        match value {
            Some(true) => Ok(Outcome::Met),
            Some(false) => Ok(Outcome::Unmet("the query returned false".into())),
            None => Err(Error::Usage(format!(
                "{at}: precondition query `{text}` must return one boolean (neo4j-migrations requires it)"
            ))),
        }
    }
}

fn applied(m: &MigrationPlan, by_key: &HashMap<&str, &Record>) -> bool {
    history::applied(by_key, &migration_key(m)).is_some()
}

/// A migration's files of one version: as planned first, then its alternatives.
fn candidates(m: &MigrationPlan) -> Vec<&MigrationPlan> {
    std::iter::once(m).chain(&m.alternatives).collect()
}

/// Which of `m`'s candidates its history record (applied, running or failed) was applied from.
fn recorded_alternative(m: &MigrationPlan, by_key: &HashMap<&str, &Record>) -> Option<usize> {
    let record = by_key
        .get(migration_key(m).as_str())
        .filter(|r| !matches!(r.status, Status::RolledBack | Status::Forgotten))?;
    let script = record.script.as_deref()?;
    candidates(m).iter().position(|c| crate::exec::apply::script_name(c) == Some(script))
}

/// `plan` with the alternatives its history records name in their versions' places: the file a
/// version was applied from is the one `down`, `retry`, `validate` and drift compare and run.
pub(crate) fn recorded_alternatives<'p>(plan: &'p CheckedPlan, records: &[Record]) -> Cow<'p, CheckedPlan> {
    let by_key = history::by_key(records);
    let chosen: Vec<(String, usize)> = plan
        .plan()
        .migrations
        .iter()
        .filter(|m| !m.alternatives.is_empty())
        .filter_map(|m| Some((migration_key(m), recorded_alternative(m, &by_key)?)))
        .collect();
    with_chosen(plan, &chosen)
}

/// `plan` with candidate `i` of each version `key` in first place (the others stay alternatives).
fn with_chosen<'p>(plan: &'p CheckedPlan, chosen: &[(String, usize)]) -> Cow<'p, CheckedPlan> {
    let moved: HashMap<&str, usize> = chosen.iter().filter(|(_, i)| *i > 0).map(|(k, i)| (k.as_str(), *i)).collect();
    if moved.is_empty() {
        return Cow::Borrowed(plan);
    }
    Cow::Owned(plan.clone().adapted(|mut adapted| {
        for m in &mut adapted.migrations {
            let Some(&i) = moved.get(migration_key(m).as_str()) else { continue };
            let mut others = std::mem::take(&mut m.alternatives);
            let planned = std::mem::replace(m, others.remove(i - 1));
            others.insert(i - 1, planned);
            m.alternatives = others;
        }
        adapted
    }))
}
