//! What a statement changed, as Neo4j itself counted it: the update statistics of the Bolt
//! result summary (the figures `:stats` shows in Neo4j Browser).
//!
//! These are exact where counting the graph before and after is not: a `SET` that overwrites a
//! property, or a step that creates one node and deletes another, changes no totals but is
//! counted here. They also cost nothing: the server sends them with every result.

use serde::Serialize;

/// Update counters, summed over the statements of a step, a migration or a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub nodes_created: i64,
    pub nodes_deleted: i64,
    pub relationships_created: i64,
    pub relationships_deleted: i64,
    pub properties_set: i64,
    pub labels_added: i64,
    pub labels_removed: i64,
    pub indexes_added: i64,
    pub indexes_removed: i64,
    pub constraints_added: i64,
    pub constraints_removed: i64,
}

/// Each counter with the name it has in the history record (and in JSON output).
pub(crate) const FIELDS: [&str; 11] = [
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
    "labels_added",
    "labels_removed",
    "indexes_added",
    "indexes_removed",
    "constraints_added",
    "constraints_removed",
];

impl Counters {
    pub(crate) fn values(&self) -> [i64; 11] {
        [
            self.nodes_created,
            self.nodes_deleted,
            self.relationships_created,
            self.relationships_deleted,
            self.properties_set,
            self.labels_added,
            self.labels_removed,
            self.indexes_added,
            self.indexes_removed,
            self.constraints_added,
            self.constraints_removed,
        ]
    }

    pub(crate) fn from_values(v: [i64; 11]) -> Counters {
        Counters {
            nodes_created: v[0],
            nodes_deleted: v[1],
            relationships_created: v[2],
            relationships_deleted: v[3],
            properties_set: v[4],
            labels_added: v[5],
            labels_removed: v[6],
            indexes_added: v[7],
            indexes_removed: v[8],
            constraints_added: v[9],
            constraints_removed: v[10],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// The counters `apoc.periodic.iterate` returns in its `updateStatistics` column: the batches
    /// run in transactions of their own, so the outer statement's summary does not contain them.
    pub(crate) fn from_apoc_statistics(row: &neo4rs::Row) -> Option<Counters> {
        let stats: std::collections::HashMap<String, i64> = row.get("updateStatistics").ok()?;
        let get = |k: &str| stats.get(k).copied().unwrap_or(0);
        Some(Counters {
            nodes_created: get("nodesCreated"),
            nodes_deleted: get("nodesDeleted"),
            relationships_created: get("relationshipsCreated"),
            relationships_deleted: get("relationshipsDeleted"),
            properties_set: get("propertiesSet"),
            labels_added: get("labelsAdded"),
            labels_removed: get("labelsRemoved"),
            ..Counters::default()
        })
    }

    /// `+3 nodes, -1 relationships, 12 properties set, …`; empty when nothing changed.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut pair = |created: i64, deleted: i64, what: &str| {
            if created != 0 {
                parts.push(format!("+{} {what}", super::progress::thousands(created)));
            }
            if deleted != 0 {
                parts.push(format!("-{} {what}", super::progress::thousands(deleted)));
            }
        };
        pair(self.nodes_created, self.nodes_deleted, "nodes");
        pair(self.relationships_created, self.relationships_deleted, "relationships");
        pair(self.labels_added, self.labels_removed, "labels");
        pair(self.indexes_added, self.indexes_removed, "indexes");
        pair(self.constraints_added, self.constraints_removed, "constraints");
        if self.properties_set != 0 {
            parts.push(format!("{} properties set", super::progress::thousands(self.properties_set)));
        }
        parts.join(", ")
    }
}

impl From<&neo4rs::summary::Counters> for Counters {
    fn from(c: &neo4rs::summary::Counters) -> Self {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Counters {
            nodes_created: n(c.nodes_created),
            nodes_deleted: n(c.nodes_deleted),
            relationships_created: n(c.relationships_created),
            relationships_deleted: n(c.relationships_deleted),
            properties_set: n(c.properties_set),
            labels_added: n(c.labels_added),
            labels_removed: n(c.labels_removed),
            indexes_added: n(c.indexes_added),
            indexes_removed: n(c.indexes_removed),
            constraints_added: n(c.constraints_added),
            constraints_removed: n(c.constraints_removed),
        }
    }
}

impl std::ops::AddAssign for Counters {
    fn add_assign(&mut self, other: Counters) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(other.values()) {
            *a = a.saturating_add(b);
        }
        *self = Counters::from_values(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_only_what_changed() {
        let c = Counters { nodes_created: 3, relationships_deleted: 1, properties_set: 12, ..Counters::default() };
        assert_eq!(c.describe(), "+3 nodes, -1 relationships, 12 properties set");
        assert_eq!(Counters::default().describe(), "");
        let big = Counters { nodes_created: 120_000, properties_set: 1_500_000, ..Counters::default() };
        assert_eq!(big.describe(), "+120,000 nodes, 1,500,000 properties set");
        assert!(Counters::default().is_empty());
    }

    #[test]
    fn adds_field_by_field() {
        let mut a = Counters { nodes_created: 1, indexes_added: 1, ..Counters::default() };
        a += Counters { nodes_created: 2, constraints_removed: 1, ..Counters::default() };
        assert_eq!(a, Counters { nodes_created: 3, indexes_added: 1, constraints_removed: 1, ..Counters::default() });
        assert_eq!(FIELDS.len(), a.values().len());
    }
}
