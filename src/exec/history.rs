//! The migration history, kept in the database itself so any Cypher client can read it:
//!
//! - `(:__CymigMigration {key, version, description, checksum, status, steps_done, steps_total,
//!   direction, applied_at, applied_by, execution_ms, nodes_created, nodes_deleted,
//!   relationships_created, relationships_deleted, properties_set, labels_added, labels_removed,
//!   indexes_added, indexes_removed, constraints_added, constraints_removed, rows_done,
//!   batches_done, error, attempts, notes, script})` — one per migration; `key` (unique) is the
//!   normalised version (`5` for `V005__x`, see [`super::normalise_version`]), or
//!   `R:<description>` for a repeatable migration; `script` is the file name it was applied from;
//! - `(:__CymigSchema {name: 'cymig', version, updated_at})` — the current schema version;
//! - `(:__CymigLock {name: 'cymig', owner, acquired_at, expires_at})` — see [`super::lock`].
//!
//! The change counters (`nodes_created` … `constraints_removed`) are Neo4j's own update statistics
//! of the migration's statements, summed over the latest run (a `retry` adds to them).
//! `rows_done` / `batches_done`: rows and batches committed by the batched steps (`CALL … IN
//! TRANSACTIONS`, `apoc.periodic.iterate`) of the latest run; absent when it had none.
//! `checkpoint_at` / `checkpoint_rows`: the checkpointed batched step last started (`up:3`) and
//! the driving rows its committed batches processed, advanced inside each batch's own inner
//! transaction (see [`crate::plan::Batched::checkpointed`]), so exact after a failure or a kill;
//! `checkpoint_total`: all the driving rows of that step, written with the checkpoint by its batches.
//!
//! `schema_effects`: the indexes and constraints the latest `up` really created or dropped, one
//! JSON string each (see [`super::schema_effects`]); absent in records written before cymig
//! recorded them, or by `mark-applied` / `baseline`.
//!
//! Statuses: `running` (a step is in flight, or the process died while one was), `applied`,
//! `failed` (a step or a verify query failed; `error` says why), `rolled_back`, `forgotten`
//! (applied, its file deleted, and `repair` noted why it no longer matters).

use super::connect::{txn_rows, Db};
use super::counters::{self, Counters};
use super::schema_effects::SchemaEffect;
use crate::error::Result;
use neo4rs::{query, Query, Row, Txn};
use serde::Serialize;

pub use crate::plan::MIGRATION_LABEL;
/// Prefix of cymig's own per-migration queries: reuse a cached plan that statistics alone would
/// mark stale (these queries only look records up by their unique key). It does not survive a
/// schema change: traced request by request (`CYMIG_TRACE_TIMING=1`), the first history write
/// after a `CREATE INDEX` or after the index comes online is planned again whatever the prefix,
/// so the writes are kept cheap to plan instead (see [`write`]).
pub const REUSE_PLAN: &str = "CYPHER replan=skip ";
pub const CONSTRAINT_MIGRATION_KEY: &str = "cymig_migration_key";
pub const CONSTRAINT_LOCK_NAME: &str = "cymig_lock_name";
pub const CONSTRAINT_SCHEMA_NAME: &str = "cymig_schema_name";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Applied,
    Failed,
    RolledBack,
    /// Applied, then its file was deleted and `repair` recorded why it no longer matters.
    Forgotten,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Applied => "applied",
            Status::Failed => "failed",
            Status::RolledBack => "rolled_back",
            Status::Forgotten => "forgotten",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "running" => Status::Running,
            "applied" => Status::Applied,
            "failed" => Status::Failed,
            "rolled_back" => Status::RolledBack,
            "forgotten" => Status::Forgotten,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// One migration's history node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub key: String,
    pub version: Option<String>,
    /// The file name it was last applied (or rolled back) from; absent in older histories.
    pub script: Option<String>,
    pub description: String,
    pub checksum: String,
    pub status: Status,
    pub direction: Direction,
    /// Steps of `direction` committed so far (resume point of `retry`).
    pub steps_done: i64,
    pub steps_total: i64,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
    pub execution_ms: Option<i64>,
    /// What the latest run changed (Neo4j's update statistics; zero when nothing was recorded).
    pub counters: Counters,
    /// Rows committed by the batched steps of the latest run (`None`: none counted).
    pub rows_done: Option<i64>,
    /// Inner transactions (batches) those rows were committed in.
    pub batches_done: Option<i64>,
    pub error: Option<String>,
    pub attempts: i64,
    pub notes: Vec<String>,
    /// What the latest `up` really created and dropped (`None`: not recorded).
    pub schema_effects: Option<Vec<SchemaEffect>>,
}

/// Creates the history's constraints if needed. Safe to run concurrently: a lost race
/// ("equivalent constraint already exists") is fine as long as the constraint is there afterwards.
pub async fn ensure_schema(db: &Db) -> Result<()> {
    let statements = [
        format!("CREATE CONSTRAINT {CONSTRAINT_MIGRATION_KEY} IF NOT EXISTS FOR (m:{MIGRATION_LABEL}) REQUIRE m.key IS UNIQUE"),
        format!("CREATE CONSTRAINT {CONSTRAINT_LOCK_NAME} IF NOT EXISTS FOR (l:__CymigLock) REQUIRE l.name IS UNIQUE"),
        format!("CREATE CONSTRAINT {CONSTRAINT_SCHEMA_NAME} IF NOT EXISTS FOR (s:__CymigSchema) REQUIRE s.name IS UNIQUE"),
    ];
    for statement in statements {
        if let Err(e) = db.run_raw(query(&statement)).await {
            let name = statement.split_whitespace().nth(2).unwrap_or_default();
            if !constraint_exists(db, name).await? {
                return Err(db.error("could not create the history constraints", e));
            }
        }
    }
    Ok(())
}

async fn constraint_exists(db: &Db, name: &str) -> Result<bool> {
    let rows = db
        .rows(query("SHOW CONSTRAINTS YIELD name WHERE name = $name RETURN count(*) AS n").param("name", name))
        .await?;
    Ok(rows.first().and_then(|r| r.get::<i64>("n").ok()).unwrap_or(0) > 0)
}

const RETURN_RECORD: &str =
    "RETURN m.key AS key, m.version AS version, m.script AS script, m.description AS description, \
     m.checksum AS checksum, m.status AS status, coalesce(m.direction, 'up') AS direction, \
     coalesce(m.steps_done, 0) AS steps_done, coalesce(m.steps_total, 0) AS steps_total, \
     toString(m.applied_at) AS applied_at, m.applied_by AS applied_by, m.execution_ms AS execution_ms, \
     [k IN $counter_fields | coalesce(m[k], 0)] AS counters, m.rows_done AS rows_done, \
     m.batches_done AS batches_done, m.error AS error, \
     coalesce(m.attempts, 0) AS attempts, coalesce(m.notes, []) AS notes, \
     m.schema_effects AS schema_effects";

/// The records by key (unique: the `cymig_migration_key` constraint), so each migration of a
/// set finds its own without a scan of them all (which made commands quadratic in the set).
pub fn by_key(records: &[Record]) -> std::collections::HashMap<&str, &Record> {
    records.iter().map(|r| (r.key.as_str(), r)).collect()
}

/// The record of `key` in [`by_key`]'s map, when it is applied.
pub fn applied<'r>(by_key: &std::collections::HashMap<&str, &'r Record>, key: &str) -> Option<&'r Record> {
    by_key.get(key).copied().filter(|r| r.status == Status::Applied)
}

/// Every history record (order: as stored; callers order by the plan).
pub async fn load(db: &Db) -> Result<Vec<Record>> {
    let rows = db
        .rows(with_counter_fields(query(&format!("{REUSE_PLAN}MATCH (m:{MIGRATION_LABEL}) {RETURN_RECORD}"))))
        .await?;
    Ok(rows.iter().filter_map(record_from_row).collect())
}

/// The record of one migration, read inside a transaction (after the lock is held).
pub async fn load_one_in(txn: &mut Txn, key: &str) -> std::result::Result<Option<Record>, neo4rs::Error> {
    let rows = txn_rows(
        txn,
        with_counter_fields(query(&format!("MATCH (m:{MIGRATION_LABEL} {{key: $key}}) {RETURN_RECORD}")))
            .param("key", key),
    )
    .await?;
    Ok(rows.first().and_then(record_from_row))
}

fn with_counter_fields(q: Query) -> Query {
    q.param("counter_fields", counters::FIELDS.iter().map(|f| f.to_string()).collect::<Vec<_>>())
}

fn counters_from_row(row: &Row) -> Counters {
    let values: Vec<i64> = row.get("counters").unwrap_or_default();
    let mut fixed = [0; counters::FIELDS.len()];
    for (slot, v) in fixed.iter_mut().zip(values) {
        *slot = v;
    }
    Counters::from_values(fixed)
}

fn record_from_row(row: &Row) -> Option<Record> {
    Some(Record {
        // Histories written before keys were normalised hold the version as spelled in the file.
        key: super::normalise_version(&row.get::<String>("key").ok()?),
        version: row.get::<String>("version").ok().map(|v| super::normalise_version(&v)),
        script: row.get("script").ok(),
        description: row.get("description").unwrap_or_default(),
        checksum: row.get("checksum").unwrap_or_default(),
        status: Status::parse(&row.get::<String>("status").ok()?)?,
        direction: if row.get::<String>("direction").ok()? == "down" { Direction::Down } else { Direction::Up },
        steps_done: row.get("steps_done").unwrap_or(0),
        steps_total: row.get("steps_total").unwrap_or(0),
        applied_at: row.get("applied_at").ok(),
        applied_by: row.get("applied_by").ok(),
        execution_ms: row.get("execution_ms").ok(),
        counters: counters_from_row(row),
        rows_done: row.get("rows_done").ok(),
        batches_done: row.get("batches_done").ok(),
        error: row.get("error").ok(),
        attempts: row.get("attempts").unwrap_or(0),
        notes: row.get("notes").unwrap_or_default(),
        schema_effects: super::schema_effects::from_history(row.get("schema_effects").ok()),
    })
}

/// What to write into a migration's record.
#[derive(Clone, Debug)]
pub struct Update<'a> {
    pub key: &'a str,
    pub version: Option<&'a str>,
    /// The file name; kept as the record's `script`.
    pub script: Option<&'a str>,
    pub description: &'a str,
    pub checksum: &'a str,
    pub status: Status,
    pub direction: Direction,
    pub steps_done: i64,
    pub steps_total: i64,
    pub by: &'a str,
    pub execution_ms: Option<i64>,
    /// What a step changed: added to the record's counters.
    pub counters: Option<Counters>,
    /// Rows and batches committed by a batched step: added to the record's counts.
    pub batches: Option<BatchCount>,
    /// The counters and batch counts are the record's totals, set outright (the first record of
    /// a run from its first step starts them again from `counters`, or zero).
    pub reset_counts: bool,
    pub error: Option<&'a str>,
    /// Counts as a new attempt (first step of a run).
    pub new_attempt: bool,
    pub note: Option<String>,
    /// Starts the checkpoint of a batched step again from zero ([`checkpoint_reset`]), in the
    /// `running` record written before it: the step's `checkpoint_at`.
    pub checkpoint_from: Option<String>,
}

/// What a batched step committed, as its own statement reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchCount {
    pub rows: i64,
    pub batches: i64,
}

impl BatchCount {
    /// `rows` committed in batches of `per_batch` (the last one possibly short); `per_batch` ≥ 1.
    pub fn of_rows(rows: i64, per_batch: u64) -> BatchCount {
        let per_batch = per_batch.max(1) as i64;
        BatchCount { rows, batches: (rows + per_batch - 1) / per_batch }
    }
}

impl std::ops::AddAssign for BatchCount {
    fn add_assign(&mut self, other: BatchCount) {
        self.rows += other.rows;
        self.batches += other.batches;
    }
}

/// The statement writing a record; run it in the step's own transaction where possible.
pub fn write(update: &Update<'_>) -> Query {
    with_params(query(&format!("{REUSE_PLAN}{}", record_text(update, THIS))), update, THIS)
}

/// [`write`] for the end of an explicit step, also setting the schema version when given.
pub fn write_with_version(update: &Update<'_>, schema_version: Option<Option<&str>>) -> Query {
    let text = format!("{REUSE_PLAN}{}", versioned_text(update, schema_version));
    with_params(query(&text), update, THIS).param("schema_version", schema_version.flatten().map(str::to_string))
}

/// [`write_with_version`] for `update`, then [`write`] for `next` (the first `running` record of
/// the migration that follows) in the same statement. After an index migration every history
/// write is planned again ([`set_clause`]); one statement planned instead of two saves about a
/// third of that (measured on the test server: 150 ms for the pair, 100 and 120 ms apart).
pub fn write_then(update: &Update<'_>, schema_version: Option<Option<&str>>, next: &Update<'_>) -> Query {
    let text = format!(
        "{REUSE_PLAN}{} WITH count(*) AS __cymig_done {}",
        versioned_text(update, schema_version),
        record_text(next, NEXT)
    );
    let q =
        with_params(query(&text), update, THIS).param("schema_version", schema_version.flatten().map(str::to_string));
    with_params(q, next, NEXT)
}

/// The variable and parameter prefix of one record in a history statement.
#[derive(Clone, Copy)]
struct Slot {
    var: &'static str,
    prefix: &'static str,
}

const THIS: Slot = Slot { var: "m", prefix: "" };
const NEXT: Slot = Slot { var: "n", prefix: "next_" };

fn record_text(update: &Update<'_>, slot: Slot) -> String {
    format!("MERGE ({}:{MIGRATION_LABEL} {{key: ${}key}}) {}", slot.var, slot.prefix, set_clause_in(update, slot))
}

fn versioned_text(update: &Update<'_>, schema_version: Option<Option<&str>>) -> String {
    let mut text = record_text(update, THIS);
    if schema_version.is_some() {
        text.push_str(
            " WITH m MERGE (s:__CymigSchema {name: 'cymig'}) SET s.version = $schema_version, s.updated_at = datetime()",
        );
    }
    text
}

/// Every schema change empties Neo4j's plan cache, so a history write that follows one is planned
/// again, `replan=skip` or not, and its planning costs with each expression that reads the record
/// (measured on the test server after an index was created: 300 ms for a write that read and
/// added all eleven counters, 100 ms with `CASE` on the previous status, stamp and attempts,
/// 50 ms for the ownership check and `m += $props` alone). So the values known here travel in one
/// `$props` map, and the text holds only the parts this update needs: the counts it moves, a new
/// attempt, a note, the effects a new `up` starts again, and the time stamp.
#[cfg(test)]
fn set_clause(update: &Update<'_>) -> String {
    set_clause_in(update, THIS)
}

fn set_clause_in(update: &Update<'_>, slot: Slot) -> String {
    let Slot { var: m, prefix: p } = slot;
    let mut parts = Vec::new();
    // First, while the status is still the old one: a new `up` starts its effects again, a `retry`
    // (from `running` or `failed`) keeps what the failed attempt did.
    if resets_effects(update) {
        parts.push(format!(
            "{m}.schema_effects = CASE WHEN NOT coalesce({m}.status, '') IN ['running', 'failed'] THEN [] \
             ELSE {m}.schema_effects END"
        ));
    }
    parts.push(if stamps(update) {
        format!("{m}.applied_at = datetime()")
    } else {
        format!("{m}.applied_at = coalesce({m}.applied_at, datetime())")
    });
    if update.new_attempt {
        parts.push(format!("{m}.attempts = coalesce({m}.attempts, 0) + 1"));
    }
    if update.note.is_some() {
        parts.push(format!("{m}.notes = coalesce({m}.notes, []) + ${p}notes"));
    }
    parts.push(format!("{m} += ${p}props"));
    for field in added(update).keys() {
        parts.push(format!("{m}.{field} = coalesce({m}.{field}, 0) + ${p}add.{field}"));
    }
    format!("SET {}", parts.join(", "))
}

/// A new `up` from the first step starts its effects again (a later write of the same run may
/// set its counts outright too, but keeps the effects).
fn resets_effects(update: &Update<'_>) -> bool {
    update.reset_counts && update.new_attempt && update.direction == Direction::Up
}

/// A completed run stamps the record with when it completed; any other keeps the first stamp.
fn stamps(update: &Update<'_>) -> bool {
    matches!(update.status, Status::Applied | Status::RolledBack)
}

/// The counts an update adds to the record's (none when it resets them: [`props`] sets them).
fn added(update: &Update<'_>) -> std::collections::BTreeMap<&'static str, i64> {
    let mut add = std::collections::BTreeMap::new();
    if update.reset_counts {
        return add;
    }
    if let Some(c) = update.counters {
        add.extend(counters::FIELDS.iter().copied().zip(c.values()).filter(|(_, v)| *v != 0));
    }
    if let Some(b) = update.batches {
        add.insert("rows_done", b.rows);
        add.insert("batches_done", b.batches);
    }
    add
}

/// The record's properties an update sets outright (a `null` removes one).
fn props(update: &Update<'_>) -> std::collections::HashMap<String, neo4rs::BoltType> {
    let mut props: std::collections::HashMap<String, neo4rs::BoltType> = [
        ("version", update.version.map(super::normalise_version).into()),
        ("description", update.description.into()),
        ("checksum", update.checksum.into()),
        ("status", update.status.as_str().into()),
        ("direction", update.direction.as_str().into()),
        ("steps_done", update.steps_done.into()),
        ("steps_total", update.steps_total.into()),
        ("applied_by", update.by.into()),
        ("error", update.error.map(str::to_string).into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(script) = update.script {
        props.insert("script".into(), script.into());
    }
    if let Some(ms) = update.execution_ms {
        props.insert("execution_ms".into(), ms.into());
    }
    if let Some(at) = &update.checkpoint_from {
        props.insert("checkpoint_at".into(), at.as_str().into());
        props.insert("checkpoint_rows".into(), 0i64.into());
        props.insert("checkpoint_total".into(), None::<i64>.into());
    }
    if update.reset_counts {
        let values = update.counters.map(|c| c.values()).unwrap_or_default();
        for (field, value) in counters::FIELDS.iter().zip(values) {
            props.insert(field.to_string(), value.into());
        }
        props.insert("rows_done".into(), update.batches.map(|b| b.rows).into());
        props.insert("batches_done".into(), update.batches.map(|b| b.batches).into());
    }
    props
}

fn with_params(q: Query, update: &Update<'_>, slot: Slot) -> Query {
    let name = |n: &str| format!("{}{n}", slot.prefix);
    let add: std::collections::HashMap<String, i64> =
        added(update).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let q = q.param(&name("key"), update.key).param(&name("props"), props(update));
    let q = if add.is_empty() { q } else { q.param(&name("add"), add) };
    match &update.note {
        Some(note) => q.param(&name("notes"), vec![note.clone()]),
        None => q,
    }
}

/// Where a checkpointed batched step stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// [`checkpoint_at`] of the step.
    pub at: String,
    /// Driving rows its committed batches processed (all attempts since it was last reset).
    pub rows: i64,
    /// All the driving rows of the step, once a batch of a per-batch checkpoint committed.
    pub total: Option<i64>,
}

/// Names a step for its checkpoint: `up:3` (1-based, as messages number steps).
pub fn checkpoint_at(direction: Direction, step: usize) -> String {
    format!("{}:{}", direction.as_str(), step + 1)
}

/// The checkpoint of a migration's record; `None` when none was ever written.
pub async fn checkpoint(db: &Db, key: &str) -> Result<Option<Checkpoint>> {
    let rows = db
        .rows(
            query(&format!(
                "{REUSE_PLAN}MATCH (m:{MIGRATION_LABEL} {{key: $key}}) WHERE m.checkpoint_at IS NOT NULL \
                 RETURN m.checkpoint_at AS at, coalesce(m.checkpoint_rows, 0) AS rows, m.checkpoint_total AS total"
            ))
            .param("key", key),
        )
        .await?;
    Ok(rows.first().and_then(|r| {
        Some(Checkpoint { at: r.get("at").ok()?, rows: r.get("rows").ok()?, total: r.get("total").ok() })
    }))
}

/// Starts a step's checkpoint at zero rows, before its first batch.
pub fn checkpoint_reset(key: &str, at: &str) -> Query {
    query(&format!(
        "{REUSE_PLAN}MATCH (m:{MIGRATION_LABEL} {{key: $key}}) SET m.checkpoint_at = $at, m.checkpoint_rows = 0, \
         m.checkpoint_total = null"
    ))
    .param("key", key)
    .param("at", at)
}

/// Sets the current schema version (`None` once everything is rolled back).
pub fn write_schema_version(version: Option<&str>) -> Query {
    query(&format!(
        "{REUSE_PLAN}MERGE (s:__CymigSchema {{name: 'cymig'}}) SET s.version = $version, s.updated_at = datetime()"
    ))
    .param("version", version.map(str::to_string))
}

/// The current schema version as recorded.
pub async fn schema_version(db: &Db) -> Result<Option<String>> {
    let rows = db.rows(query("MATCH (s:__CymigSchema {name: 'cymig'}) RETURN s.version AS v")).await?;
    Ok(rows.first().and_then(|r| r.get::<String>("v").ok()))
}

/// Appends a note (repair, mark-applied, baseline…) and optionally replaces the checksum.
pub fn write_note(key: &str, note: &str, checksum: Option<&str>) -> Query {
    query(&format!(
        "MATCH (m:{MIGRATION_LABEL} {{key: $key}}) \
         SET m.notes = coalesce(m.notes, []) + $note, \
             m.checksum = coalesce($checksum, m.checksum)"
    ))
    .param("key", key)
    .param("note", note)
    .param("checksum", checksum.map(str::to_string))
}

/// Marks an applied migration whose file is gone as `forgotten`, keeping the reason.
pub fn write_forgotten(key: &str, note: &str) -> Query {
    query(&format!(
        "MATCH (m:{MIGRATION_LABEL} {{key: $key}}) WHERE m.status = 'applied' \
         SET m.status = 'forgotten', m.notes = coalesce(m.notes, []) + $note"
    ))
    .param("key", key)
    .param("note", note)
}

/// Rewrites the keys of records written before keys were normalised (`005` -> `5`), so that
/// writes, which find a record by its key, find them. Run under the lock. A raw key whose
/// normalised form is already taken (the migration was applied twice under two spellings) is
/// left as it is: reads see both, and the first one found wins.
pub async fn normalise_keys(db: &Db) -> Result<()> {
    let rows = db.rows(query(&format!("MATCH (m:{MIGRATION_LABEL}) RETURN m.key AS key"))).await?;
    let keys: Vec<String> = rows.iter().filter_map(|r| r.get::<String>("key").ok()).collect();
    for old in &keys {
        let new = super::normalise_version(old);
        if new != *old && !keys.contains(&new) {
            db.run_raw(
                query(&format!("MATCH (m:{MIGRATION_LABEL} {{key: $old}}) SET m.key = $new, m.version = $new"))
                    .param("old", old.as_str())
                    .param("new", new.as_str()),
            )
            .await
            .map_err(|e| db.error("could not normalise the history's version keys", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(reset_counts: bool, counters: Option<Counters>) -> Update<'static> {
        Update {
            key: "3",
            version: Some("003"),
            script: None,
            description: "x",
            checksum: "c",
            status: Status::Running,
            direction: Direction::Up,
            steps_done: 1,
            steps_total: 2,
            by: "me",
            execution_ms: None,
            counters,
            batches: Some(BatchCount { rows: 10, batches: 1 }),
            reset_counts,
            error: None,
            new_attempt: false,
            note: None,
            checkpoint_from: None,
        }
    }

    fn integer(v: Option<&neo4rs::BoltType>) -> Option<i64> {
        match v {
            Some(neo4rs::BoltType::Integer(i)) => Some(i.value),
            _ => None,
        }
    }

    #[test]
    fn a_write_holds_only_the_parts_its_update_needs() {
        let mut running = update(true, None);
        running.new_attempt = true;
        running.status = Status::Running;
        let text = set_clause(&running);
        assert!(text.contains("m.schema_effects = CASE"), "a new up starts its effects again: {text}");
        assert!(text.contains("m.attempts = coalesce(m.attempts, 0) + 1"), "{text}");
        assert!(text.contains("m.applied_at = coalesce(m.applied_at, datetime())"), "{text}");

        let mut applied = update(false, None);
        applied.status = Status::Applied;
        applied.batches = None;
        let text = set_clause(&applied);
        assert_eq!(text, "SET m.applied_at = datetime(), m += $props");

        let mut noted = applied.clone();
        noted.note = Some("forgotten by repair".into());
        assert!(set_clause(&noted).contains("m.notes = coalesce(m.notes, []) + $notes"));
        for u in [&running, &applied, &noted] {
            let statement = format!("MERGE (m:{MIGRATION_LABEL} {{key: $key}}) {}", set_clause(u));
            assert!(crate::syntax::parse(&statement).errors.is_empty(), "{statement}");
        }
    }

    #[test]
    fn a_final_record_can_also_start_the_next_migration_in_the_same_statement() {
        let mut applied = update(false, Some(Counters { indexes_added: 1, ..Counters::default() }));
        applied.status = Status::Applied;
        let mut running = update(true, None);
        running.key = "4";
        running.new_attempt = true;
        running.status = Status::Running;
        let q = write_then(&applied, Some(Some("3")), &running);
        let text = q.query();
        assert!(crate::syntax::parse(text.strip_prefix(REUSE_PLAN).unwrap()).errors.is_empty(), "{text}");
        assert!(text.contains("MERGE (n:__CymigMigration {key: $next_key})"), "{text}");
        assert!(text.contains("n += $next_props") && text.contains("m += $props"), "{text}");
        let params = q.get_params();
        let key = |name: &str| match params.get::<String>(name) {
            Ok(v) => v,
            Err(e) => panic!("{name}: {e:?}"),
        };
        assert_eq!((key("key"), key("next_key")), ("3".to_string(), "4".to_string()));
    }

    #[test]
    fn a_write_reads_only_the_counts_it_moves_and_a_reset_sets_them_outright() {
        let moved = Counters { nodes_created: 2, ..Counters::default() };
        let adding = update(false, Some(moved));
        let text = set_clause(&adding);
        assert!(text.contains(", m.nodes_created = coalesce(m.nodes_created, 0) + $add.nodes_created"), "{text}");
        assert!(text.contains(", m.rows_done = coalesce(m.rows_done, 0) + $add.rows_done"), "{text}");
        assert!(!text.contains("nodes_deleted"), "{text}");
        assert!(!props(&adding).contains_key("nodes_created"));
        assert_eq!(props(&adding).get("script"), None, "an unknown script keeps the recorded one");
        let statement = format!("MERGE (m:{MIGRATION_LABEL} {{key: $key}}) {text}");
        assert!(crate::syntax::parse(&statement).errors.is_empty(), "{statement}");

        let reset = update(true, Some(moved));
        assert!(!set_clause(&reset).contains("$add."));
        let set = props(&reset);
        assert_eq!(integer(set.get("nodes_created")), Some(2));
        assert_eq!(integer(set.get("nodes_deleted")), Some(0));
        assert_eq!(integer(set.get("rows_done")), Some(10));
        assert_eq!(integer(set.get("steps_done")), Some(1));
        assert!(matches!(set.get("version"), Some(neo4rs::BoltType::String(s)) if s.value == "3"));
        assert!(matches!(set.get("error"), Some(neo4rs::BoltType::Null(_))), "a null removes the old error");
    }
}
