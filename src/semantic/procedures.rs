//! What cymig knows of procedures, in one table: what each does to the database, whether it
//! commits batches of its own, and where it comes from. Rules, the schema model, the planner and
//! derive all read it; a procedure missing from it is `Class::Unknown`, and each reader decides
//! what an unknown procedure means for it (the planner assumes it writes, a lint that it does not).

/// What a call does to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Reads the graph, the schema or the system: runs in a read transaction.
    Read,
    /// Writes graph data (nodes, relationships, properties, labels, tokens).
    Write,
    /// Creates or drops indexes or constraints: a schema transaction.
    Schema,
    /// Reads or manages the DBMS itself (`dbms.*`), never graph data.
    Admin,
    /// Changes the running configuration (`dbms.setConfigValue`): administration that is not
    /// read-only.
    Configure,
    Unknown,
}

/// How a call commits the work it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batching {
    None,
    /// `apoc.periodic.iterate`: the rows of a driving query, a batch per transaction.
    Iterate,
    /// `apoc.periodic.commit`: one statement re-run until it returns 0.
    Commit,
    /// `apoc.periodic.submit` / `repeat`: a background job in a transaction of its own, not
    /// part of the caller's.
    Background,
}

/// Where a procedure comes from (the plugin or version a database needs for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Built into Neo4j 4.x and removed in 5.
    Neo4j4,
    /// Built into Neo4j 5 (and later).
    Neo4j5,
    ApocCore,
    ApocExtended,
    Gds,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Procedure {
    pub class: Class,
    pub batching: Batching,
    pub origin: Origin,
}

impl Procedure {
    /// Known to write graph data.
    pub fn writes_data(&self) -> bool {
        self.class == Class::Write
    }
    /// Known to leave graph data and schema alone.
    pub fn leaves_graph_alone(&self) -> bool {
        matches!(self.class, Class::Read | Class::Admin)
    }
    pub fn changes_schema(&self) -> bool {
        self.class == Class::Schema
    }
    /// Commits batches of its own (`apoc.periodic.iterate` / `commit`), in the caller's session.
    pub fn batches(&self) -> bool {
        matches!(self.batching, Batching::Iterate | Batching::Commit)
    }
    /// Runs its work outside the caller's transaction, batched or in the background.
    pub fn commits_on_its_own(&self) -> bool {
        self.batching != Batching::None
    }
}

/// One row: a lower-case name, or a prefix when it ends in `.` or `*`.
struct Entry(&'static str, Class, Batching, Origin);

use Batching as B;
use Class as C;
use Origin as O;

/// Most specific first: the first entry that matches decides.
const TABLE: &[Entry] = &[
    Entry("apoc.periodic.iterate", C::Write, B::Iterate, O::ApocCore),
    Entry("apoc.periodic.commit", C::Write, B::Commit, O::ApocCore),
    Entry("apoc.periodic.submit", C::Write, B::Background, O::ApocCore),
    Entry("apoc.periodic.repeat", C::Write, B::Background, O::ApocCore),
    Entry("apoc.periodic.list", C::Read, B::None, O::ApocCore),
    Entry("apoc.periodic.*", C::Write, B::None, O::ApocCore),
    Entry("apoc.refactor.", C::Write, B::None, O::ApocCore),
    Entry("apoc.create.", C::Write, B::None, O::ApocCore),
    Entry("apoc.merge.", C::Write, B::None, O::ApocCore),
    Entry("apoc.nodes.delete*", C::Write, B::None, O::ApocCore),
    Entry("apoc.cypher.runwrite", C::Write, B::None, O::ApocCore),
    Entry("apoc.cypher.doit", C::Write, B::None, O::ApocCore),
    Entry("apoc.cypher.runschema", C::Schema, B::None, O::ApocCore),
    Entry("apoc.cypher.runfile*", C::Unknown, B::None, O::ApocExtended),
    // `apoc.cypher.run` reads only (Neo4j refuses a write inside it).
    Entry("apoc.cypher.run*", C::Read, B::None, O::ApocCore),
    Entry("apoc.schema.assert*", C::Schema, B::None, O::ApocCore),
    Entry("apoc.export.", C::Read, B::None, O::ApocCore),
    Entry("apoc.meta.", C::Read, B::None, O::ApocCore),
    Entry("apoc.help", C::Read, B::None, O::ApocCore),
    Entry("apoc.util.validate", C::Read, B::None, O::ApocCore),
    Entry("apoc.util.sleep", C::Read, B::None, O::ApocCore),
    Entry("apoc.load.json*", C::Read, B::None, O::ApocCore),
    Entry("apoc.load.xml", C::Read, B::None, O::ApocCore),
    Entry("apoc.load.", C::Read, B::None, O::ApocExtended),
    Entry("apoc.path.", C::Read, B::None, O::ApocCore),
    Entry("db.awaitindex*", C::Read, B::None, O::Neo4j5),
    Entry("db.labels", C::Read, B::None, O::Neo4j5),
    Entry("db.relationshiptypes", C::Read, B::None, O::Neo4j5),
    Entry("db.propertykeys", C::Read, B::None, O::Neo4j5),
    Entry("db.schema.", C::Read, B::None, O::Neo4j5),
    Entry("db.info", C::Read, B::None, O::Neo4j5),
    Entry("db.ping", C::Read, B::None, O::Neo4j5),
    Entry("db.index.fulltext.querynodes", C::Read, B::None, O::Neo4j5),
    Entry("db.index.fulltext.queryrelationships", C::Read, B::None, O::Neo4j5),
    Entry("db.index.vector.querynodes", C::Read, B::None, O::Neo4j5),
    Entry("db.index.fulltext.createnodeindex", C::Schema, B::None, O::Neo4j4),
    Entry("db.index.fulltext.createrelationshipindex", C::Schema, B::None, O::Neo4j4),
    Entry("db.index.fulltext.drop", C::Schema, B::None, O::Neo4j4),
    Entry("db.indexes", C::Read, B::None, O::Neo4j4),
    Entry("db.constraints", C::Read, B::None, O::Neo4j4),
    Entry("db.createindex", C::Schema, B::None, O::Neo4j4),
    Entry("db.createuniquepropertyconstraint", C::Schema, B::None, O::Neo4j4),
    Entry("db.createnodekey", C::Schema, B::None, O::Neo4j4),
    // Label, type and property-key tokens: a write, not a schema change.
    Entry("db.createlabel", C::Write, B::None, O::Neo4j5),
    Entry("db.createrelationshiptype", C::Write, B::None, O::Neo4j5),
    Entry("db.createproperty", C::Write, B::None, O::Neo4j5),
    Entry("dbms.setconfigvalue", C::Configure, B::None, O::Neo4j5),
    Entry("dbms.", C::Admin, B::None, O::Neo4j5),
    Entry("gds.graph.list", C::Read, B::None, O::Gds),
];

/// What the table knows of the procedure `name` (any case, dotted).
pub fn lookup(name: &str) -> Procedure {
    let n = name.to_ascii_lowercase();
    let unknown = Procedure { class: Class::Unknown, batching: Batching::None, origin: Origin::Unknown };
    TABLE.iter().find(|e| matches(e.0, &n)).map_or(unknown, |e| Procedure { class: e.1, batching: e.2, origin: e.3 })
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None if pattern.ends_with('.') => name.starts_with(pattern),
        None => name == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_rows_win_over_their_prefix() {
        assert_eq!(lookup("apoc.periodic.list").class, Class::Read);
        assert_eq!(lookup("apoc.periodic.cancel").class, Class::Write);
        assert!(lookup("apoc.periodic.iterate").batches());
        assert!(!lookup("apoc.periodic.submit").batches());
        assert!(lookup("apoc.periodic.submit").commits_on_its_own());
        assert_eq!(lookup("dbms.setConfigValue").class, Class::Configure);
        assert!(lookup("dbms.components").leaves_graph_alone());
        assert!(lookup("APOC.Cypher.RunWrite").writes_data());
        assert!(lookup("apoc.cypher.runTimeboxed").leaves_graph_alone());
        assert_eq!(lookup("apoc.load.jdbc").origin, Origin::ApocExtended);
        assert_eq!(lookup("db.createIndex").origin, Origin::Neo4j4);
        assert_eq!(lookup("my.own.proc").class, Class::Unknown);
    }
}
