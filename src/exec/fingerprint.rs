//! Snapshots of a database for `cymig verify` and dry-run checks: the schema exactly (every
//! index and constraint with its definition), and the data as labels, relationship types and
//! property keys with counts plus a content hash over every node and relationship (by labels,
//! type and property values, never by internal ids, so deleted-and-recreated data compares equal).
//! cymig's own bookkeeping (`__Cymig*` labels, `cymig_*` constraints) is left out.

use super::connect::Db;
use crate::error::Result;
use neo4rs::{query, BoltType};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fingerprint {
    /// One line per index or constraint, sorted.
    pub schema: Vec<String>,
    pub labels: BTreeMap<String, i64>,
    pub relationship_types: BTreeMap<String, i64>,
    pub property_keys: BTreeMap<String, i64>,
    pub nodes: i64,
    pub relationships: i64,
    /// SHA-256 over the sorted canonical text of every node and relationship.
    pub content_hash: String,
}

impl Fingerprint {
    /// `true` when nothing but cymig's bookkeeping is in the database.
    pub fn is_empty(&self) -> bool {
        self.schema.iter().all(|s| s.starts_with("index LOOKUP")) && self.nodes == 0 && self.relationships == 0
    }
}

pub async fn take(db: &Db) -> Result<Fingerprint> {
    take_in(db, None).await
}

/// [`take`] of `database` (`None`: the configured database).
pub async fn take_in(db: &Db, database: Option<&str>) -> Result<Fingerprint> {
    let mut fp = Fingerprint { schema: schema(db, database).await?, ..Default::default() };
    let mut node_lines = Vec::new();
    let rows = db
        .statement_rows_on(
            database,
            query(
                "MATCH (n) WHERE none(l IN labels(n) WHERE l STARTS WITH '__Cymig') \
             RETURN labels(n) AS labels, properties(n) AS props",
            ),
        )
        .await?;
    for row in &rows {
        let labels: Vec<String> = row.get("labels").unwrap_or_default();
        let props: HashMap<String, BoltType> = row.get("props").unwrap_or_default();
        for l in &labels {
            *fp.labels.entry(l.clone()).or_default() += 1;
        }
        for k in props.keys() {
            *fp.property_keys.entry(k.clone()).or_default() += 1;
        }
        node_lines.push(node_text(&labels, &props));
    }
    fp.nodes = rows.len() as i64;
    let rows = db
        .statement_rows_on(
            database,
            query(
                "MATCH (a)-[r]->(b) WHERE none(l IN labels(a) + labels(b) WHERE l STARTS WITH '__Cymig') \
             RETURN type(r) AS type, properties(r) AS props, labels(a) AS al, properties(a) AS ap, \
                    labels(b) AS bl, properties(b) AS bp",
            ),
        )
        .await?;
    let mut rel_lines = Vec::new();
    for row in &rows {
        let t: String = row.get("type").unwrap_or_default();
        let props: HashMap<String, BoltType> = row.get("props").unwrap_or_default();
        *fp.relationship_types.entry(t.clone()).or_default() += 1;
        for k in props.keys() {
            *fp.property_keys.entry(format!("(rel) {k}")).or_default() += 1;
        }
        let a = node_text(&row.get::<Vec<String>>("al").unwrap_or_default(), &row.get("ap").unwrap_or_default());
        let b = node_text(&row.get::<Vec<String>>("bl").unwrap_or_default(), &row.get("bp").unwrap_or_default());
        rel_lines.push(format!("{a}-[:{t} {}]->{b}", map_text(&props)));
    }
    fp.relationships = rows.len() as i64;
    node_lines.sort();
    rel_lines.sort();
    let mut hasher = Sha256::new();
    for line in node_lines.iter().chain(rel_lines.iter()) {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    fp.content_hash = format!("{:x}", hasher.finalize());
    Ok(fp)
}

async fn schema(db: &Db, database: Option<&str>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for row in db
        .statement_rows_on(
            database,
            query(
                "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties \
             WHERE NOT name STARTS WITH 'cymig_' RETURN name, type, entityType, labelsOrTypes, properties",
            ),
        )
        .await?
    {
        out.push(format!(
            "constraint {} {} {} {:?} {:?}",
            row.get::<String>("type").unwrap_or_default(),
            row.get::<String>("name").unwrap_or_default(),
            row.get::<String>("entityType").unwrap_or_default(),
            row.get::<Vec<String>>("labelsOrTypes").unwrap_or_default(),
            row.get::<Vec<String>>("properties").unwrap_or_default(),
        ));
    }
    for row in db
        .statement_rows_on(
            database,
            query(
                "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint, options \
             WHERE owningConstraint IS NULL RETURN name, type, entityType, labelsOrTypes, properties, options",
            ),
        )
        .await?
    {
        // Options too (provider, analyzer, vector dimensions...): a down that re-creates an index
        // without its `OPTIONS` is not exact.
        let options = row.get::<BoltType>("options").map(|o| value_text(&o)).unwrap_or_default();
        out.push(format!(
            "index {} {} {} {:?} {:?} {}",
            row.get::<String>("type").unwrap_or_default(),
            row.get::<String>("name").unwrap_or_default(),
            row.get::<String>("entityType").unwrap_or_default(),
            row.get::<Vec<String>>("labelsOrTypes").unwrap_or_default(),
            row.get::<Vec<String>>("properties").unwrap_or_default(),
            options,
        ));
    }
    out.sort();
    Ok(out)
}

pub(crate) fn node_text(labels: &[String], props: &HashMap<String, BoltType>) -> String {
    let mut labels = labels.to_vec();
    labels.sort();
    format!("(:{} {})", labels.join(":"), map_text(props))
}

pub(crate) fn map_text(props: &HashMap<String, BoltType>) -> String {
    let mut entries: Vec<_> = props.iter().map(|(k, v)| format!("{k}: {}", value_text(v))).collect();
    entries.sort();
    format!("{{{}}}", entries.join(", "))
}

/// A deterministic rendering of a property value (maps sorted; everything else by its Debug form,
/// which is stable for Bolt's scalar, temporal and spatial types).
fn value_text(v: &BoltType) -> String {
    match v {
        BoltType::String(s) => format!("{:?}", s.value),
        BoltType::Integer(i) => i.value.to_string(),
        BoltType::Float(f) => format!("{:?}f", f.value),
        BoltType::Boolean(b) => b.value.to_string(),
        BoltType::Null(_) => "null".into(),
        BoltType::List(l) => format!("[{}]", l.value.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        BoltType::Map(m) => {
            let map: HashMap<String, BoltType> = m.value.iter().map(|(k, v)| (k.value.clone(), v.clone())).collect();
            map_text(&map)
        }
        other => format!("{other:?}"),
    }
}

/// Every difference between two fingerprints, one line each.
pub fn diff(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    let mut out = Vec::new();
    for s in &before.schema {
        if !after.schema.contains(s) {
            out.push(format!("schema: missing {s}"));
        }
    }
    for s in &after.schema {
        if !before.schema.contains(s) {
            out.push(format!("schema: extra {s}"));
        }
    }
    diff_counts("label", &before.labels, &after.labels, &mut out);
    diff_counts("relationship type", &before.relationship_types, &after.relationship_types, &mut out);
    diff_counts("property key", &before.property_keys, &after.property_keys, &mut out);
    if before.nodes != after.nodes {
        out.push(format!("nodes: {} -> {}", before.nodes, after.nodes));
    }
    if before.relationships != after.relationships {
        out.push(format!("relationships: {} -> {}", before.relationships, after.relationships));
    }
    if before.content_hash != after.content_hash && out.is_empty() {
        out.push("data: property values differ (same labels, types, keys and counts; content hash changed)".into());
    }
    out
}

fn diff_counts(what: &str, a: &BTreeMap<String, i64>, b: &BTreeMap<String, i64>, out: &mut Vec<String>) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k).copied().unwrap_or(0), b.get(k).copied().unwrap_or(0));
        if x != y {
            out.push(format!("{what} {k}: {x} -> {y}"));
        }
    }
}
