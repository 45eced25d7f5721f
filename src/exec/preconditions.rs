//! neo4j-migrations preconditions at run time (`// assume that …`, `// assert that …`,
//! `// assume q' …`), as that tool runs them: before anything is applied, every pending
//! migration's preconditions are evaluated on the target. An unmet `assume` discards the
//! migration (not applied, not recorded: a later run evaluates it again); an unmet `assert`
//! halts the run before anything is applied.
//!
//! Editions and versions come from `CALL dbms.components()`; a `q'` query must return one
//! boolean. `in target` and `in schema` both run on the database cymig migrates (cymig keeps its
//! history in that database).

use super::history::{Record, Status};
use super::{migration_key, Executor};
use crate::error::{Error, Result};
use crate::migration::precondition::{self, Condition, Kind};
use crate::plan::{CheckedPlan, MigrationPlan, PlannedPrecondition};
use neo4rs::query;
use std::borrow::Cow;

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
    /// The plan `up` applies: `plan` without the pending migrations whose assumptions do not
    /// hold, or an error naming the first assertion that does not.
    pub(crate) async fn admit<'p>(&self, plan: &'p CheckedPlan, records: &[Record]) -> Result<Cow<'p, CheckedPlan>> {
        let mut server = None;
        let mut skipped = Vec::new();
        for m in plan.plan().migrations.iter().filter(|m| !m.preconditions.is_empty() && !applied(m, records)) {
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
        for m in plan.plan().migrations.iter().filter(|m| !m.preconditions.is_empty() && !applied(m, records)) {
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

fn applied(m: &MigrationPlan, records: &[Record]) -> bool {
    let key = migration_key(m);
    records.iter().any(|r| r.key == key && r.status == Status::Applied)
}
