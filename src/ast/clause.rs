//! Queries and their clauses.

use super::{Expr, Name, Pattern, PatternPart, QualifiedName, Statement, StringLit, SyntaxError};
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    pub span: Span,
    /// Legacy 4.x `USING PERIODIC COMMIT [n]` before the query.
    pub periodic_commit: Option<PeriodicCommit>,
    pub first: SingleQuery,
    pub unions: Vec<UnionPart>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodicCommit {
    pub span: Span,
    pub batch_size: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnionPart {
    /// The `UNION [ALL]` keywords.
    pub span: Span,
    pub all: bool,
    pub query: SingleQuery,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SingleQuery {
    pub span: Span,
    pub clauses: Vec<Clause>,
}

// A subquery clause holds its whole body inline. The tree is built once per parse and then only
// walked, so the size only costs memory per clause; boxing would add an allocation to each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Clause {
    Use(UseClause),
    /// Legacy 3.x `START n=node(…)` (removed in 3.2).
    Start(StartClause),
    Match(MatchClause),
    Unwind(UnwindClause),
    With(WithClause),
    Return(ReturnClause),
    Create(CreateClause),
    Merge(MergeClause),
    Set(SetClause),
    Remove(RemoveClause),
    Delete(DeleteClause),
    Foreach(ForeachClause),
    CallProcedure(CallProcedureClause),
    CallSubquery(CallSubqueryClause),
    LoadCsv(LoadCsvClause),
    Finish(FinishClause),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UseClause {
    pub span: Span,
    /// `USE db` / `USE graph.byName(...)`.
    pub graph: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchClause {
    pub span: Span,
    pub optional: bool,
    pub pattern: Pattern,
    /// `USING INDEX`, `USING SCAN`, `USING JOIN` hints, kept as written.
    pub hints: Vec<Hint>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hint {
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnwindClause {
    pub span: Span,
    pub expr: Expr,
    pub variable: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithClause {
    pub span: Span,
    pub projection: Projection,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReturnClause {
    pub span: Span,
    pub projection: Projection,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projection {
    pub span: Span,
    pub distinct: bool,
    /// `*` as the first item.
    pub star: bool,
    pub items: Vec<ProjectionItem>,
    pub order_by: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectionItem {
    pub span: Span,
    pub expr: Expr,
    pub alias: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SortItem {
    pub span: Span,
    pub expr: Expr,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateClause {
    pub span: Span,
    /// Legacy 3.x `CREATE UNIQUE`: the span of `UNIQUE`.
    pub unique: Option<Span>,
    pub pattern: Pattern,
}

/// Legacy 3.x `START a=node(*), b=relationship(1, 2) [WHERE …]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartClause {
    pub span: Span,
    pub points: Vec<StartPoint>,
    pub where_: Option<Expr>,
}

/// `n=node(*)`, `n=node(1, 2)`, `n=node:index(key = 'v')`, `r=relationship(*)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartPoint {
    pub span: Span,
    pub variable: Name,
    /// `relationship(…)` / `rel(…)` rather than `node(…)`.
    pub relationship: bool,
    pub lookup: StartLookup,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StartLookup {
    /// `(*)`: every node or relationship.
    All,
    /// `(1, 2)` or `({ids})`: internal ids.
    Ids(Vec<Expr>),
    /// `:index(key = 'v')` or `:index('query')`: a legacy (manual) index.
    Index { index: Name, key: Option<Name>, query: Expr },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergeClause {
    pub span: Span,
    pub pattern: PatternPart,
    pub actions: Vec<MergeAction>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergeAction {
    pub span: Span,
    /// `ON CREATE` (true) or `ON MATCH` (false).
    pub on_create: bool,
    pub set: SetClause,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetClause {
    pub span: Span,
    pub items: Vec<SetItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SetItem {
    /// `n.p = expr` (also `n[key] = expr`: `target` is then an `Index` expression).
    Property { span: Span, target: Expr, value: Expr },
    /// `n = {map}`: replaces all properties.
    Replace { span: Span, target: Expr, value: Expr },
    /// `n += {map}`: merges properties.
    Merge { span: Span, target: Expr, value: Expr },
    /// `n:A:B` (or `n IS A`).
    Labels { span: Span, target: Name, labels: Vec<Name> },
}

impl SetItem {
    pub fn span(&self) -> Span {
        match self {
            SetItem::Property { span, .. }
            | SetItem::Replace { span, .. }
            | SetItem::Merge { span, .. }
            | SetItem::Labels { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemoveClause {
    pub span: Span,
    pub items: Vec<RemoveItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RemoveItem {
    /// `n.p` (a `Property` or `Index` expression).
    Property { span: Span, target: Expr },
    /// `n:A:B`.
    Labels { span: Span, target: Name, labels: Vec<Name> },
}

impl RemoveItem {
    pub fn span(&self) -> Span {
        match self {
            RemoveItem::Property { span, .. } | RemoveItem::Labels { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeleteClause {
    pub span: Span,
    pub detach: bool,
    pub exprs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForeachClause {
    pub span: Span,
    pub variable: Name,
    pub list: Expr,
    pub clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallProcedureClause {
    pub span: Span,
    pub procedure: QualifiedName,
    /// `None` for the implicit-argument form `CALL db.labels` (no parentheses).
    pub args: Option<Vec<Expr>>,
    pub yield_: Option<YieldClause>,
    /// The Cypher in its string arguments, for the procedures known to run one
    /// (`apoc.periodic.iterate('MATCH …', 'DELETE …', {})`); empty for every other call.
    pub embedded: Vec<EmbeddedCypher>,
}

/// Cypher held in a string literal argument of a procedure, parsed where it stands: every span
/// of its statements points into the string in the file, escapes and all.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmbeddedCypher {
    /// The string literal, quotes included.
    pub span: Span,
    /// The argument's position in the call, from 0.
    pub argument: usize,
    pub role: EmbeddedRole,
    /// Variables the procedure binds before the text runs (the driving statement's columns for
    /// `apoc.periodic.iterate`'s action, the `params` keys for `apoc.cypher.run`); `None` when
    /// they cannot be known (`RETURN *`, a params map that is not a literal).
    pub bound: Option<Vec<String>>,
    pub statements: Vec<Statement>,
    /// Why (part of) the text could not be parsed; not errors of the file: the string may be
    /// meant for another Cypher version, and Neo4j only parses it when the procedure runs.
    pub errors: Vec<SyntaxError>,
}

/// How a procedure runs the Cypher it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EmbeddedRole {
    /// Once, inside the caller's transaction (`apoc.cypher.run`, `apoc.cypher.doIt`, `apoc.do.when`).
    Inline,
    /// Once or on a schedule, in a background transaction of its own (`apoc.periodic.submit`,
    /// `apoc.periodic.repeat`, `apoc.periodic.countdown`).
    Background,
    /// `apoc.periodic.iterate`'s first statement: the rows to process.
    Driving,
    /// `apoc.periodic.iterate`'s second statement: run for each batch of driving rows, one
    /// transaction per batch.
    PerBatch,
    /// `apoc.periodic.commit`'s statement: run again, one transaction each, until it returns 0.
    Repeated,
}

impl EmbeddedRole {
    /// Whether the procedure commits the statement's writes in batches of its own.
    pub fn batched(self) -> bool {
        matches!(self, EmbeddedRole::PerBatch | EmbeddedRole::Repeated)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YieldClause {
    pub span: Span,
    /// `YIELD *`.
    pub star: bool,
    pub items: Vec<YieldItem>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YieldItem {
    pub span: Span,
    /// The procedure's output column.
    pub field: Name,
    /// `AS alias`.
    pub alias: Option<Name>,
}

impl YieldItem {
    /// The variable this item binds.
    pub fn bound_name(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.field)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallSubqueryClause {
    pub span: Span,
    /// `OPTIONAL CALL`.
    pub optional: bool,
    /// The `CALL (x, y) { … }` scope: `None` for the plain `CALL { … }` form.
    pub scope: Option<SubqueryScope>,
    pub body: Query,
    pub in_transactions: Option<InTransactions>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubqueryScope {
    pub span: Span,
    /// `CALL (*) { … }`.
    pub all: bool,
    pub variables: Vec<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InTransactions {
    pub span: Span,
    /// `IN n CONCURRENT TRANSACTIONS` (Some(None) for `IN CONCURRENT TRANSACTIONS`).
    pub concurrency: Option<Option<Expr>>,
    /// `OF n ROWS`.
    pub batch_size: Option<Expr>,
    pub on_error: Option<OnError>,
    /// `REPORT STATUS AS v`.
    pub report_status: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum OnError {
    Continue,
    Break,
    Fail,
    /// `ON ERROR RETRY [FOR n SECONDS] [THEN CONTINUE|BREAK|FAIL]`.
    Retry {
        duration: Option<Expr>,
        then: Option<Box<OnError>>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadCsvClause {
    pub span: Span,
    pub with_headers: bool,
    pub from: Expr,
    pub variable: Name,
    pub field_terminator: Option<StringLit>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FinishClause {
    pub span: Span,
}

impl Query {
    /// The clauses of every part of a UNION, in order.
    pub fn single_queries(&self) -> impl Iterator<Item = &SingleQuery> {
        std::iter::once(&self.first).chain(self.unions.iter().map(|u| &u.query))
    }
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Use(c) => c.span,
            Clause::Start(c) => c.span,
            Clause::Match(c) => c.span,
            Clause::Unwind(c) => c.span,
            Clause::With(c) => c.span,
            Clause::Return(c) => c.span,
            Clause::Create(c) => c.span,
            Clause::Merge(c) => c.span,
            Clause::Set(c) => c.span,
            Clause::Remove(c) => c.span,
            Clause::Delete(c) => c.span,
            Clause::Foreach(c) => c.span,
            Clause::CallProcedure(c) => c.span,
            Clause::CallSubquery(c) => c.span,
            Clause::LoadCsv(c) => c.span,
            Clause::Finish(c) => c.span,
        }
    }
}
