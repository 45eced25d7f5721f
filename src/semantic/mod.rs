//! The semantic model of a query: what Neo4j's front end checks after parsing and a grammar
//! cannot — clause order, variable bindings, aggregation placement, what CREATE and MERGE
//! accept. Rules read its verdicts; it knows nothing about rules, findings or configuration.
//!
//! [`Model`] is what the rules ask: built once per statement (the rule context caches it) by one
//! walk of its scopes (`bindings`, over the persistent scopes of `scope`), it holds the
//! statement's semantic errors, every use of a variable nothing binds, and the variables bound
//! before each clause. The rest needs no model, only the AST: [`procedures`] is the one table of
//! what procedures do; [`expr`] the facts about expressions (aggregating, constant,
//! deterministic); `writes` what a statement writes and whether it may run again
//! ([`statement_class`], [`rerunnable`]); [`rerun`] what a batched statement does when retried;
//! the pattern helpers ([`part_variables`], [`path_nodes`]) what a pattern names.
//!
//! Every check here reports only what Neo4j 5 itself rejects (each was compared with Neo4j's own
//! front end): a statement that Neo4j runs must never get a semantic error, so where the model
//! is unsure (an unknown scope, an expression it cannot compare) it stays silent.

mod aggregation;
mod bindings;
mod clause_order;
mod constant;
pub mod expr;
pub mod functions;
mod patterns;
pub mod procedures;
pub mod rerun;
mod scope;
mod signatures;
mod star;
mod types;
mod typing;
mod values;
mod writes;

use crate::ast::{Clause, Expr, ExprKind, Query, Statement, StatementPrefix, SubqueryExpr};
use crate::span::{tight, Span};
use crate::visit::{self, Visitor};
pub use bindings::Undefined;
pub use scope::{item_name, part_variables, path_nodes, path_relationships, path_variables, Bound};
pub use signatures::{ProcedureSignature, SignatureError};
pub use writes::{
    clause_references, clause_writes, embedded_class, query_writes, rerunnable, set_item_rerunnable, statement_class,
    written_nodes, StatementClass,
};

/// What cymig knows a statement means: built once per statement and shared by the rules.
#[derive(Clone, Debug, Default)]
pub struct Model {
    errors: Vec<SemanticError>,
    resolution: bindings::Resolution,
}

impl Model {
    pub fn build(stmt: &Statement, text: &str) -> Model {
        Model::with_bound(stmt, text, &[])
    }

    /// The model of Cypher that runs with variables bound before it: a procedure's string whose
    /// driving query binds columns (`apoc.periodic.iterate`'s action sees each row's).
    pub fn with_bound(stmt: &Statement, text: &str, bound: &[String]) -> Model {
        Model::build_with(stmt, text, bound, &[])
    }

    /// The model of a statement whose server has these procedures besides the built-in ones
    /// (`[lint] procedures`): their calls are checked against the signatures.
    pub fn build_with(stmt: &Statement, text: &str, bound: &[String], procedures: &[ProcedureSignature]) -> Model {
        let Some(query) = stmt.as_query() else { return Model::default() };
        let (resolution, bound_twice) = bindings::walk(query, text, bound);
        let mut errors = analyze_query(stmt, query, text, !bound.is_empty(), procedures);
        errors.extend(bound_twice);
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        errors.dedup_by(|a, b| a.span == b.span && a.message == b.message);
        Model { errors, resolution }
    }

    /// Every reason Neo4j refuses to run the statement (see [`analyze`]).
    pub fn errors(&self) -> &[SemanticError] {
        &self.errors
    }

    /// Every use of a variable that nothing binds where it stands.
    pub fn undefined(&self) -> &[Undefined] {
        &self.resolution.undefined
    }

    /// The variables bound just before a clause of the statement (`None` for a clause the
    /// model did not walk: another statement's, or one of a `START` query's legacy forms). For
    /// a clause in a subquery, what the subquery sees: its imports and what it bound itself,
    /// never the outer variables a plain `CALL { … }` does not import.
    pub fn bound_before(&self, clause: &Clause) -> Option<Bound<'_>> {
        let at = self.resolution.before.get(&clause.span())?;
        Some(Bound::new(&self.resolution.frames, *at))
    }

    /// Where the variable named at `name` (a use, or a pattern's variable) was declared: the
    /// span of the name that first bound it, followed through projections that pass it on
    /// unchanged (`WITH n`, `WITH n AS m`) and subquery imports. Two names with one origin are
    /// one variable; `None` where the model does not know (it never guesses).
    pub fn origin(&self, name: Span) -> Option<Span> {
        self.resolution.origins.get(&name).copied()
    }
}

/// One reason Neo4j refuses to run a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemanticError {
    pub kind: ErrorKind,
    pub span: Span,
    /// Neo4j's own wording where it has one, so a reviewer can search for it.
    pub message: String,
    pub help: Option<String>,
    pub repair: Option<Repair>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    ClauseOrder,
    VariableAlreadyBound,
    Aggregation,
    Projection,
    Pattern,
    Union,
    /// A literal of a type the operator or clause does not take.
    Type,
    /// A variable used as a node, a relationship or a path where it is bound as another.
    VariableTypeConflict,
    /// Too few or too many arguments to a built-in function.
    Arguments,
    /// A function in the default namespace that is no built-in.
    UnknownFunction,
    /// A procedure call that does not fit the procedure's signature.
    Procedure,
    /// A parameter map in a pattern that is not CREATE's.
    ParameterUse,
    /// A variable or pattern in `SKIP` / `LIMIT`.
    NonConstant,
    /// A value of a type the function, operator or clause never takes (`type(n)` on a node).
    ArgumentType,
    /// `RETURN *` where nothing is in scope.
    NoVariables,
}

/// An edit that makes the statement acceptable, and whether it keeps its meaning for sure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    pub span: Span,
    pub replacement: String,
    pub message: String,
    pub safe: bool,
}

/// Where a query sits: its context decides how it may end and what it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueryContext {
    Statement,
    CallBody,
    Exists,
    Count,
    Collect,
}

/// Every semantic error of a statement (queries only; schema and admin commands have none here).
pub fn analyze(stmt: &Statement, text: &str) -> Vec<SemanticError> {
    Model::build(stmt, text).errors
}

/// The errors of clause order, aggregation, patterns and types: all but the bindings'.
fn analyze_query(
    stmt: &Statement,
    query: &Query,
    text: &str,
    outer_bound: bool,
    procedures: &[ProcedureSignature],
) -> Vec<SemanticError> {
    let mut cx = Analysis { text, errors: Vec::new(), cypher25: is_cypher25(stmt), outer_bound, procedures };
    cx.query(query, QueryContext::Statement);
    cx.errors
}

pub(crate) struct Analysis<'t> {
    pub text: &'t str,
    pub errors: Vec<SemanticError>,
    /// `CYPHER 25`: updating clauses may be followed by reading ones without a WITH.
    pub cypher25: bool,
    /// The statement runs with variables bound before it (a procedure's Cypher).
    pub outer_bound: bool,
    /// Procedures the configuration declares, besides the built-in ones.
    pub procedures: &'t [ProcedureSignature],
}

fn is_cypher25(stmt: &Statement) -> bool {
    stmt.prefixes.iter().any(|p| match p {
        StatementPrefix::Cypher { options, .. } => options.split_whitespace().next() == Some("25"),
        _ => false,
    })
}

impl Analysis<'_> {
    pub fn error(&mut self, kind: ErrorKind, span: Span, message: impl Into<String>) -> &mut SemanticError {
        let span = tight(self.text, span);
        self.errors.push(SemanticError { kind, span, message: message.into(), help: None, repair: None });
        self.errors.last_mut().expect("just pushed")
    }

    /// One query and the queries nested in it, all their UNION parts.
    fn query(&mut self, q: &Query, context: QueryContext) {
        clause_order::check_union(self, q);
        for sq in q.single_queries() {
            if sq.clauses.iter().any(|c| matches!(c, Clause::Start(_))) {
                continue; // legacy START: `start-clause` owns it, and the rest is 3.x Cypher.
            }
            clause_order::check_single(self, &sq.clauses, context);
            values::check_single(self, &sq.clauses);
            typing::check_single(self, &sq.clauses);
            star::check_single(self, &sq.clauses, context);
            for c in &sq.clauses {
                self.clause(c);
            }
        }
    }

    /// The checks local to one clause, and the queries nested in it.
    fn clause(&mut self, c: &Clause) {
        aggregation::check_clause(self, c);
        patterns::check_clause(self, c);
        types::check_clause(self, c);
        functions::check_clause(self, c);
        signatures::check_clause(self, c);
        constant::check_clause(self, c);
        match c {
            Clause::Foreach(f) => {
                clause_order::check_foreach(self, f);
                for inner in &f.clauses {
                    self.clause(inner);
                }
            }
            Clause::CallSubquery(s) => self.query(&s.body, QueryContext::CallBody),
            _ => {}
        }
        for (q, context) in expression_subqueries(c) {
            clause_order::check_no_updates(self, q, context);
            self.query(q, context);
        }
    }
}

/// The EXISTS / COUNT / COLLECT queries written directly in a clause's expressions (not those
/// of nested clauses or of subqueries inside them: each level is visited on its own).
fn expression_subqueries(c: &Clause) -> Vec<(&Query, QueryContext)> {
    struct Collect<'a>(Vec<(&'a Query, QueryContext)>);
    impl<'a> Visitor<'a> for Collect<'a> {
        fn visit_query(&mut self, _q: &'a Query) {}
        fn visit_clause(&mut self, _c: &'a Clause) {}
        fn visit_expr(&mut self, e: &'a Expr) {
            match &e.kind {
                ExprKind::Exists(sub) => match sub.as_ref() {
                    SubqueryExpr::Query(q) => self.0.push((q, QueryContext::Exists)),
                    SubqueryExpr::Pattern { .. } => visit::walk_expr(self, e),
                },
                ExprKind::Count(sub) => match sub.as_ref() {
                    SubqueryExpr::Query(q) => self.0.push((q, QueryContext::Count)),
                    SubqueryExpr::Pattern { .. } => visit::walk_expr(self, e),
                },
                ExprKind::Collect(q) => self.0.push((q, QueryContext::Collect)),
                _ => visit::walk_expr(self, e),
            }
        }
    }
    let mut out = Collect(Vec::new());
    visit::walk_clause(&mut out, c);
    out.0
}

/// The keyword a clause starts with, as Neo4j names it in its messages.
pub(crate) fn clause_name(c: &Clause) -> &'static str {
    match c {
        Clause::Use(_) => "USE",
        Clause::Start(_) => "START",
        Clause::Match(_) => "MATCH",
        Clause::Unwind(_) => "UNWIND",
        Clause::With(_) => "WITH",
        Clause::Return(_) => "RETURN",
        Clause::Create(_) => "CREATE",
        Clause::Merge(_) => "MERGE",
        Clause::Set(_) => "SET",
        Clause::Remove(_) => "REMOVE",
        Clause::Delete(_) => "DELETE",
        Clause::Foreach(_) => "FOREACH",
        Clause::CallProcedure(_) | Clause::CallSubquery(_) => "CALL",
        Clause::LoadCsv(_) => "LOAD CSV",
        Clause::Finish(_) => "FINISH",
    }
}

/// CREATE, MERGE, SET, REMOVE, DELETE and FOREACH: Neo4j's updating clauses.
pub(crate) fn is_update(c: &Clause) -> bool {
    matches!(
        c,
        Clause::Create(_)
            | Clause::Merge(_)
            | Clause::Set(_)
            | Clause::Remove(_)
            | Clause::Delete(_)
            | Clause::Foreach(_)
    )
}
