//! Schema commands (constraints and indexes), SHOW, TERMINATE and administration commands.

use super::{Expr, Name, Projection, ReturnClause, StatementKind};
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SchemaCommand {
    CreateConstraint(CreateConstraint),
    DropConstraint(DropConstraint),
    CreateIndex(CreateIndex),
    DropIndex(DropIndex),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EntityKind {
    Node,
    Relationship,
}

/// `(n:Label)` or `()-[r:TYPE]-()` in a schema command.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaEntity {
    pub span: Span,
    pub kind: EntityKind,
    pub variable: Option<Name>,
    /// One label or type, except full-text indexes (`(n:A|B)`) which may list several.
    pub labels: Vec<Name>,
}

/// `n.prop` in a schema command.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyRef {
    pub span: Span,
    pub variable: Name,
    pub key: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateConstraint {
    pub span: Span,
    pub name: Option<Name>,
    /// `OR REPLACE` is not valid for constraints; only IF NOT EXISTS is.
    pub if_not_exists: bool,
    pub entity: SchemaEntity,
    pub kind: ConstraintKind,
    pub properties: Vec<PropertyRef>,
    /// `OPTIONS {…}`.
    pub options: Option<Expr>,
    /// Set for the 4.x `ON … ASSERT …` form; spans from `ON` to the end.
    pub legacy: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ConstraintKind {
    Unique,
    /// `IS NODE KEY` / `IS KEY` on a node.
    NodeKey,
    /// `IS RELATIONSHIP KEY` / `IS KEY` on a relationship.
    RelationshipKey,
    /// `IS NOT NULL`, and the legacy `ASSERT exists(n.p)`.
    NotNull,
    /// `IS :: TYPE`, the type as written.
    PropertyType(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropConstraint {
    pub span: Span,
    pub if_exists: bool,
    pub target: DropTarget,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum DropTarget {
    Name(Name),
    /// 4.x `DROP CONSTRAINT ON (n:L) ASSERT …` / `DROP INDEX ON :L(p)`: dropped by definition.
    LegacyDefinition {
        span: Span,
        entity: SchemaEntity,
        kind: Option<ConstraintKind>,
        properties: Vec<PropertyRef>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateIndex {
    pub span: Span,
    pub name: Option<Name>,
    pub if_not_exists: bool,
    /// `CREATE OR REPLACE INDEX` (accepted by the grammar, rejected by Neo4j; the checker says so).
    pub or_replace: bool,
    pub kind: IndexKind,
    pub entity: SchemaEntity,
    /// Empty for LOOKUP indexes.
    pub properties: Vec<PropertyRef>,
    pub options: Option<Expr>,
    /// Set for the 4.x `CREATE INDEX ON :L(p)` form.
    pub legacy: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum IndexKind {
    /// No kind keyword: a range index in Neo4j 5.
    Default,
    Range,
    Text,
    Point,
    Fulltext,
    Lookup,
    Vector,
    /// 4.x `BTREE`, removed in Neo4j 5.
    Btree,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropIndex {
    pub span: Span,
    pub if_exists: bool,
    pub target: DropTarget,
}

// ---------------------------------------------------------------------------------------------
// SHOW, TERMINATE and administration commands
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShowCommand {
    pub span: Span,
    /// What is shown, upper-cased and space-joined as written: `INDEXES`, `RANGE INDEXES`,
    /// `CONSTRAINTS`, `PROCEDURES`, `FUNCTIONS`, `TRANSACTIONS`, …
    pub target: String,
    pub yield_: Option<ShowYield>,
    pub where_: Option<Expr>,
    pub return_: Option<ReturnClause>,
    /// The command chained after this one, reading what its YIELD binds:
    /// `SHOW TRANSACTIONS YIELD transactionId AS txId TERMINATE TRANSACTIONS txId`.
    pub next: Option<Box<StatementKind>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShowYield {
    pub span: Span,
    pub projection: Projection,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminateCommand {
    pub span: Span,
    pub ids: Vec<Expr>,
    pub yield_: Option<ShowYield>,
    pub where_: Option<Expr>,
    pub return_: Option<ReturnClause>,
    /// The command chained after this one, reading what its YIELD binds:
    /// `SHOW TRANSACTIONS YIELD transactionId AS txId TERMINATE TRANSACTIONS txId`.
    pub next: Option<Box<StatementKind>>,
}

impl ShowCommand {
    /// Whether a command of the chain terminates transactions (it is then an admin command).
    pub fn terminates(&self) -> bool {
        self.next.as_deref().is_some_and(chain_terminates)
    }
}

fn chain_terminates(kind: &StatementKind) -> bool {
    match kind {
        StatementKind::Show(show) => show.terminates(),
        _ => true,
    }
}

/// Database, alias, user, role, privilege and server commands: not analysed further.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdminCommand {
    pub span: Span,
    /// The leading keywords, upper-cased: `["CREATE", "DATABASE"]`, `["GRANT"]`, …
    pub keywords: Vec<String>,
}

impl SchemaCommand {
    pub fn span(&self) -> Span {
        match self {
            SchemaCommand::CreateConstraint(c) => c.span,
            SchemaCommand::DropConstraint(c) => c.span,
            SchemaCommand::CreateIndex(c) => c.span,
            SchemaCommand::DropIndex(c) => c.span,
        }
    }
}
