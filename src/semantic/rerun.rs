//! Whether a batched statement (`CALL { … } IN TRANSACTIONS`, `apoc.periodic.iterate` /
//! `commit`, `USING PERIODIC COMMIT`) may run again after some of its batches committed. Its
//! inner transactions commit one by one, so a failure or a kill leaves part of it applied; what
//! a `retry` may then do is decided here, once, and read by the `non-idempotent-batch` rule, the
//! plan (which checkpoints the statements it can resume) and the executor (which refuses a blind
//! re-run of the others).

use super::procedures;
use super::scope::{path_nodes, path_relationships};
use super::writes::set_item_rerunnable;
use crate::ast::{
    BinaryOp, CallProcedureClause, CallSubqueryClause, Clause, Expr, ExprKind, InTransactions, LabelExpr, Literal,
    Name, OnError, Pattern, Query, SetItem, Statement, StatementKind, UnaryOp,
};
use crate::span::Span;
use crate::visit::{self, Visitor};
use serde::Serialize;
use std::collections::HashSet;

/// What running a batched statement again, from its start, does to the rows it committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rerun {
    /// Its writes are idempotent (MERGE, SET of values it does not read, REMOVE, DELETE of what
    /// matched, or guarded by what it writes): a re-run changes nothing more for committed rows.
    Idempotent,
    /// Not idempotent, but its driving rows come in a fixed order and each batch advances a
    /// checkpoint in its own transaction: a retry resumes after the last committed row.
    Resumable,
    /// A re-run writes the committed rows again (CREATE, `SET n.x = n.x + 1`, …).
    NotIdempotent,
    /// cymig cannot read its writes (procedure strings it could not parse).
    Unknown,
}

/// The verdict on one batched statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub rerun: Rerun,
    /// The first write a re-run from the start would repeat (also for a resumable statement).
    pub repeated: Option<RepeatedWrite>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepeatedWrite {
    pub span: Span,
    pub kind: WriteKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    CreateNode,
    CreateRelationship,
    /// `SET n.x = n.x + 1`: reads what it writes, and computes on it.
    SelfReferentialSet,
    /// `SET p.v = [x IN p.v WHERE x <> '2']`, `SET p.d = date(p.d)`: reads what it writes, but
    /// often gives the same value again; which one it is takes knowing the function.
    SelfReferentialValue,
    /// `apoc.create.node`, `apoc.refactor.cloneNodes`, …
    CreatingProcedure,
}

impl WriteKind {
    pub fn describe(self) -> &'static str {
        match self {
            WriteKind::CreateNode => "CREATE makes a new node for every committed row again",
            WriteKind::CreateRelationship => "CREATE makes a new relationship for every committed row again",
            WriteKind::SelfReferentialSet => "this SET computes on the property it writes, so it changes it again",
            WriteKind::SelfReferentialValue => "this SET reads the property it writes",
            WriteKind::CreatingProcedure => "this procedure creates new nodes or relationships again",
        }
    }
}

/// `None` for a statement that does not commit its own batches.
pub fn verdict(statement: &Statement) -> Option<Verdict> {
    let StatementKind::Query(q) = &statement.kind else { return None };
    let shape = batched_shape(q)?;
    let guards = Guards::of(statement);
    let repeated = match shape {
        Shape::Apoc(p) if !apoc_parsed(p) => return Some(Verdict { rerun: Rerun::Unknown, repeated: None }),
        Shape::Apoc(p) => p.embedded.iter().flat_map(|e| &e.statements).find_map(|s| statement_repeats(s, &guards)),
        _ => query_repeats(q, &guards),
    };
    let repeated = repeated.filter(|_| !consumes_driving_rows(shape));
    let rerun = match (repeated, shape) {
        (None, _) => Rerun::Idempotent,
        (Some(_), Shape::Trailing(call, tx)) if resumable(q, call, tx) => Rerun::Resumable,
        (Some(write), _) if write.kind == WriteKind::SelfReferentialValue => Rerun::Unknown,
        (Some(_), _) => Rerun::NotIdempotent,
    };
    Some(Verdict { rerun, repeated })
}

/// A batch body that deletes a variable it was driven by (`MATCH (u)-[r:OLD]->(p) CALL (u, r, p)
/// { CREATE … DELETE r }`) consumes its driving rows: the rows of a committed batch are gone, so a
/// re-run only finds the ones not done yet.
fn consumes_driving_rows(shape: Shape<'_>) -> bool {
    let Shape::Trailing(call, _) = shape else { return false };
    call.body
        .single_queries()
        .flat_map(|sq| &sq.clauses)
        .any(|c| matches!(c, Clause::Delete(d) if d.exprs.iter().any(|e| matches!(e.kind, ExprKind::Variable(_)))))
}

#[derive(Clone, Copy)]
enum Shape<'a> {
    /// `<driving clauses> CALL { … } IN TRANSACTIONS …` ending the statement.
    Trailing(&'a CallSubqueryClause, &'a InTransactions),
    Apoc(&'a CallProcedureClause),
    /// Any other batching (a nested or non-trailing `IN TRANSACTIONS`, `USING PERIODIC COMMIT`).
    Other,
}

fn batched_shape(q: &Query) -> Option<Shape<'_>> {
    if q.periodic_commit.is_some() {
        return Some(Shape::Other);
    }
    let clauses = &q.first.clauses;
    for (i, clause) in clauses.iter().enumerate() {
        match clause {
            Clause::CallSubquery(call @ CallSubqueryClause { in_transactions: Some(tx), .. }) => {
                let trailing = q.unions.is_empty() && i + 1 == clauses.len();
                return Some(if trailing { Shape::Trailing(call, tx) } else { Shape::Other });
            }
            Clause::CallProcedure(p) if procedures::lookup(&p.procedure.dotted()).batches() => {
                return Some(Shape::Apoc(p))
            }
            _ => {}
        }
    }
    let nested = q.single_queries().flat_map(|sq| &sq.clauses).any(|c| match c {
        Clause::CallSubquery(call) => call.in_transactions.is_some(),
        Clause::CallProcedure(p) => procedures::lookup(&p.procedure.dotted()).batches(),
        _ => false,
    });
    nested.then_some(Shape::Other)
}

fn apoc_parsed(p: &CallProcedureClause) -> bool {
    !p.embedded.is_empty() && p.embedded.iter().all(|e| e.errors.is_empty())
}

/// Whether the plan can stream this trailing `CALL … IN TRANSACTIONS` one row per committed
/// driving row (and so checkpoint it): a unit body, a literal batch size, a plain tail.
pub fn streams(call: &CallSubqueryClause, tx: &InTransactions) -> bool {
    let literal_size =
        tx.batch_size.as_ref().is_none_or(|e| matches!(e.kind, ExprKind::Literal(Literal::Integer(n)) if n > 0));
    let plain_tail = tx.report_status.is_none() && matches!(tx.on_error, None | Some(OnError::Fail));
    let unit_body = call.body.unions.is_empty() && !matches!(call.body.first.clauses.last(), Some(Clause::Return(_)));
    literal_size && plain_tail && unit_body
}

/// Resumable: batches commit in driving order (not concurrently), and the driving rows are the
/// same on every run — none (one row), or one `UNWIND` of a list that reads nothing, perhaps
/// followed by `WITH` clauses that compute from its rows alone ([`row_preserving`]).
pub fn resumable(q: &Query, call: &CallSubqueryClause, tx: &InTransactions) -> bool {
    let driving = &q.first.clauses[..q.first.clauses.len() - 1];
    let fixed_rows = match driving {
        [] => true,
        [Clause::Unwind(u), withs @ ..] => {
            deterministic_list(&u.expr) && withs.iter().all(|c| matches!(c, Clause::With(w) if row_preserving(w)))
        }
        _ => false,
    };
    tx.concurrency.is_none() && streams(call, tx) && fixed_rows
}

/// A `WITH` that keeps the same rows in the same order on every run, given the same rows in:
/// it computes from their values alone, and neither sorts (Neo4j's sort need not keep the order
/// of equal keys), deduplicates, aggregates nor skips.
fn row_preserving(w: &crate::ast::WithClause) -> bool {
    let p = &w.projection;
    !p.distinct
        && p.order_by.is_empty()
        && p.skip.is_none()
        && p.limit.is_none()
        && p.items.iter().all(|item| computed_from_rows(&item.expr))
        && w.where_.as_ref().is_none_or(computed_from_rows)
}

/// Functions of their arguments alone (no clock, no randomness, no graph).
const PURE_FUNCTIONS: &[&str] = &[
    "range",
    "split",
    "reverse",
    "tointeger",
    "tostring",
    "tofloat",
    "toboolean",
    "size",
    "head",
    "tail",
    "keys",
    "coalesce",
    "abs",
    "tolower",
    "toupper",
    "trim",
    "ltrim",
    "rtrim",
    "substring",
    "replace",
    "left",
    "right",
];

fn deterministic_list(e: &Expr) -> bool {
    deterministic(e, false)
}

/// [`deterministic_list`] where variables hold the values of rows that read nothing (after such
/// an `UNWIND`): a variable, or a key of one, is a value like a literal.
fn computed_from_rows(e: &Expr) -> bool {
    deterministic(e, true)
}

fn deterministic(e: &Expr, variables_are_values: bool) -> bool {
    !visit::any_expr(e, &mut |x| match &x.kind {
        ExprKind::Variable(_) | ExprKind::Property { .. } if variables_are_values => false,
        ExprKind::FunctionCall { name, args, .. } => {
            let lower = name.dotted().to_ascii_lowercase();
            args.is_empty() || !PURE_FUNCTIONS.contains(&lower.as_str())
        }
        // `count(*)` aggregates: its groups come in no fixed order.
        ExprKind::CountStar
        | ExprKind::Variable(_)
        | ExprKind::Parameter(_)
        | ExprKind::Property { .. }
        | ExprKind::Exists(_)
        | ExprKind::Count(_)
        | ExprKind::Collect(_)
        | ExprKind::Pattern(_)
        | ExprKind::PatternComprehension { .. }
        | ExprKind::ListComprehension { .. }
        | ExprKind::Quantified { .. }
        | ExprKind::Reduce { .. }
        | ExprKind::MapProjection { .. } => true,
        _ => false,
    })
}

fn statement_repeats(s: &Statement, guards: &Guards) -> Option<RepeatedWrite> {
    match &s.kind {
        StatementKind::Query(q) => query_repeats(q, guards),
        _ => None,
    }
}

fn query_repeats(q: &Query, guards: &Guards) -> Option<RepeatedWrite> {
    q.single_queries().flat_map(|sq| &sq.clauses).find_map(|c| clause_repeats(c, guards))
}

fn clause_repeats(c: &Clause, guards: &Guards) -> Option<RepeatedWrite> {
    if guards.filled {
        return None;
    }
    match c {
        Clause::Create(create) if !guards.covers(&create.pattern) => {
            let rel = create.pattern.parts.iter().any(|p| !path_relationships(&p.path).is_empty());
            let kind = if rel { WriteKind::CreateRelationship } else { WriteKind::CreateNode };
            Some(RepeatedWrite { span: create.span, kind })
        }
        Clause::Set(set) => set
            .items
            .iter()
            .find(|i| !set_item_rerunnable(i))
            .map(|i| RepeatedWrite { span: i.span(), kind: self_referential_kind(i) }),
        Clause::Foreach(f) => f.clauses.iter().find_map(|c| clause_repeats(c, guards)),
        Clause::CallSubquery(s) => query_repeats(&s.body, guards),
        Clause::CallProcedure(p) if apoc_parsed(p) => {
            p.embedded.iter().flat_map(|e| &e.statements).find_map(|s| statement_repeats(s, guards))
        }
        Clause::CallProcedure(p) if creates(&p.procedure.dotted()) => {
            Some(RepeatedWrite { span: p.span, kind: WriteKind::CreatingProcedure })
        }
        _ => None,
    }
}

/// Arithmetic or concatenation on the value read (`n.c + 1`, `n.tags + ['x']`) changes it on
/// every run; anything else (a filter, a conversion) may well not.
fn self_referential_kind(item: &crate::ast::SetItem) -> WriteKind {
    use crate::ast::SetItem;
    let value = match item {
        SetItem::Property { value, .. } | SetItem::Replace { value, .. } | SetItem::Merge { value, .. } => value,
        SetItem::Labels { .. } => return WriteKind::SelfReferentialValue,
    };
    match &value.kind {
        ExprKind::Binary {
            op:
                BinaryOp::Add
                | BinaryOp::Sub
                | BinaryOp::Mul
                | BinaryOp::Div
                | BinaryOp::Mod
                | BinaryOp::Pow
                | BinaryOp::Concat,
            ..
        } => WriteKind::SelfReferentialSet,
        _ => WriteKind::SelfReferentialValue,
    }
}

fn creates(procedure: &str) -> bool {
    let lower = procedure.to_ascii_lowercase();
    ["apoc.create.node", "apoc.create.nodes", "apoc.create.relationship", "apoc.refactor.clonenodes"]
        .contains(&lower.as_str())
        || lower.starts_with("apoc.refactor.clonesubgraph")
}

/// What keeps a statement's rows from being written twice: a negated existence test on what it
/// creates (`WHERE NOT EXISTS { (p)-[:HAS]->() }` before `CREATE (p)-[:HAS]->(…)`), or a fill —
/// a row selected by `x.k IS NULL` (or `NOT x:L`) whose body sets `x.k` (or `x:L`), so a
/// committed row is not selected again.
#[derive(Default)]
struct Guards {
    /// Labels and relationship types inside `NOT EXISTS { … }`, `NOT (pattern)`, `COUNT { … } = 0`.
    absent: HashSet<String>,
    filled: bool,
}

impl Guards {
    fn of(statement: &Statement) -> Guards {
        let mut collect = GuardCollector::default();
        collect.visit_statement(statement);
        for (_, e) in visit::embedded_cypher(statement) {
            e.statements.iter().for_each(|s| collect.visit_statement(s));
        }
        let filled = collect.null_keys.iter().any(|k| collect.set_keys.contains(k))
            || collect.absent_labels.iter().any(|l| collect.set_labels.contains(l));
        Guards { absent: collect.absent, filled }
    }

    /// A CREATE writes a label or type the statement tests the absence of.
    fn covers(&self, pattern: &Pattern) -> bool {
        let mut names = HashSet::new();
        for part in &pattern.parts {
            for node in path_nodes(&part.path) {
                node.labels.iter().for_each(|l| label_names(l, &mut names));
            }
            for rel in path_relationships(&part.path) {
                rel.types.iter().for_each(|l| label_names(l, &mut names));
            }
        }
        names.iter().any(|n| self.absent.contains(n))
    }
}

#[derive(Default)]
struct GuardCollector {
    absent: HashSet<String>,
    null_keys: HashSet<String>,
    absent_labels: HashSet<String>,
    set_keys: HashSet<String>,
    set_labels: HashSet<String>,
}

impl<'a> Visitor<'a> for GuardCollector {
    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Unary { op: UnaryOp::Not, operand } => match &operand.kind {
                ExprKind::Exists(_) | ExprKind::Pattern(_) => self.absent.extend(names_in(operand)),
                ExprKind::LabelCheck { labels, .. } => {
                    let mut names = HashSet::new();
                    label_names(labels, &mut names);
                    self.absent_labels.extend(names);
                }
                _ => {}
            },
            ExprKind::Binary { op: BinaryOp::Eq, lhs, rhs } => {
                if let (ExprKind::Count(_), ExprKind::Literal(Literal::Integer(0))) = (&lhs.kind, &rhs.kind) {
                    self.absent.extend(names_in(lhs));
                }
            }
            ExprKind::IsNull { operand, negated: false } => {
                if let ExprKind::Property { key, .. } = &operand.kind {
                    self.null_keys.insert(key.value.clone());
                }
            }
            _ => {}
        }
        visit::walk_expr(self, e)
    }

    fn visit_clause(&mut self, c: &'a Clause) {
        if let Clause::Set(set) = c {
            for item in &set.items {
                match item {
                    SetItem::Property { target, .. } => {
                        if let ExprKind::Property { key, .. } = &target.kind {
                            self.set_keys.insert(key.value.clone());
                        }
                    }
                    SetItem::Labels { labels, .. } => self.set_labels.extend(labels.iter().map(|l| l.value.clone())),
                    _ => {}
                }
            }
        }
        visit::walk_clause(self, c)
    }
}

/// Labels and relationship types named anywhere in an expression's patterns.
fn names_in(e: &Expr) -> HashSet<String> {
    struct Names(HashSet<String>);
    impl<'a> Visitor<'a> for Names {
        fn visit_node(&mut self, n: &'a crate::ast::NodePattern) {
            n.labels.iter().for_each(|l| label_names(l, &mut self.0));
            visit::walk_node(self, n)
        }
        fn visit_relationship(&mut self, r: &'a crate::ast::RelationshipPattern) {
            r.types.iter().for_each(|l| label_names(l, &mut self.0));
            visit::walk_relationship(self, r)
        }
    }
    let mut names = Names(HashSet::new());
    names.visit_expr(e);
    names.0
}

fn label_names(l: &LabelExpr, out: &mut HashSet<String>) {
    match l {
        LabelExpr::Name(Name { value, .. }) => {
            out.insert(value.clone());
        }
        LabelExpr::And(_, items) | LabelExpr::Or(_, items) => items.iter().for_each(|i| label_names(i, out)),
        LabelExpr::Wildcard(_) | LabelExpr::Not(..) | LabelExpr::Dynamic(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rerun(text: &str) -> Option<Rerun> {
        let script = crate::syntax::parse(text);
        assert!(script.errors.is_empty(), "{text}: {:?}", script.errors);
        verdict(&script.statements[0]).map(|v| v.rerun)
    }

    #[test]
    fn idempotent_writes() {
        for text in [
            "UNWIND range(1, 10) AS i CALL (i) { MERGE (:Row {i: i}) } IN TRANSACTIONS OF 2 ROWS",
            "MATCH (n:A) CALL (n) { SET n.x = 1, n.y = n.z REMOVE n.w } IN TRANSACTIONS",
            "MATCH (n:A) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS ON ERROR CONTINUE",
            "MATCH (p:P) WHERE NOT EXISTS { (p)-[:HAS]->(:Q) } CALL (p) { CREATE (p)-[:HAS]->(:Q) } IN TRANSACTIONS",
            "MATCH (p:P) WHERE NOT (p)-[:HAS]->() CALL (p) { CREATE (p)-[:HAS]->(:Q) } IN TRANSACTIONS",
            "MATCH (p:P) WHERE p.done IS NULL CALL (p) { CREATE (:Log {p: p.id}) SET p.done = true } IN TRANSACTIONS",
            "MATCH (p:P) WHERE NOT p:Seen CALL (p) { SET p.n = p.n + 1, p:Seen } IN TRANSACTIONS",
            "CALL apoc.periodic.iterate('MATCH (n:A) RETURN n', 'MERGE (n)-[:R]->(:B {k: n.k})', {batchSize: 10})",
        ] {
            assert_eq!(rerun(text), Some(Rerun::Idempotent), "{text}");
        }
        assert_eq!(rerun("MATCH (n) CREATE (:A)"), None);
    }

    #[test]
    fn fixed_driving_rows_resume() {
        for text in [
            "UNWIND range(1, 60000) AS i CALL (i) { CREATE (:Row {i: i}) } IN TRANSACTIONS OF 2000 ROWS",
            "UNWIND [1, 2, 3] AS i CALL { WITH i CREATE (:Row {i: i}) } IN TRANSACTIONS OF 2 ROWS ON ERROR FAIL",
            "CALL { CREATE (:Movie {title: 'x'}) } IN TRANSACTIONS",
            "UNWIND range(1, 60) AS i WITH i, CASE WHEN i % 2 = 0 THEN i * 10 END AS j \
             CALL (i, j) { CREATE (:Row {i: i, j: j}) } IN TRANSACTIONS OF 7 ROWS",
            "UNWIND [{k: 1}] AS r WITH r.k AS k WHERE k > 0 WITH *, toString(k) AS s \
             CALL (k, s) { CREATE (:Row {k: k, s: s}) } IN TRANSACTIONS",
        ] {
            assert_eq!(rerun(text), Some(Rerun::Resumable), "{text}");
        }
    }

    #[test]
    fn repeated_writes_that_cannot_resume() {
        for text in [
            "MATCH (s:Seed) CALL (s) { CREATE (:Row {i: s.i}) } IN TRANSACTIONS OF 10 ROWS",
            "UNWIND range(1, 10) AS i CALL (i) { CREATE (:Row) } IN 4 CONCURRENT TRANSACTIONS OF 2 ROWS",
            "UNWIND range(1, 10) AS i CALL (i) { CREATE (:Row) } IN TRANSACTIONS OF 2 ROWS ON ERROR CONTINUE",
            "UNWIND range(1, toInteger(rand() * 10)) AS i CALL (i) { CREATE (:Row) } IN TRANSACTIONS",
            "UNWIND $rows AS r CALL (r) { CREATE (:Row {i: r.i}) } IN TRANSACTIONS",
            // After the UNWIND, WITH clauses that read the graph, sort, deduplicate or skip.
            "UNWIND range(1, 9) AS i WITH i, EXISTS { (:A {i: i}) } AS a CALL (i, a) { CREATE (:R) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i WITH i ORDER BY i % 3 CALL (i) { CREATE (:R {i: i}) } IN TRANSACTIONS",
            "UNWIND [1, 1, 2] AS i WITH DISTINCT i CALL (i) { CREATE (:R {i: i}) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i WITH i SKIP 2 CALL (i) { CREATE (:R {i: i}) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i WITH i % 3 AS k, count(*) AS n CALL (k, n) { CREATE (:R {k: k}) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i WITH i % 3 AS k, sum(i) AS n CALL (k, n) { CREATE (:R {k: k}) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i WITH i, rand() AS r CALL (i, r) { CREATE (:R {i: i}) } IN TRANSACTIONS",
            "UNWIND range(1, 9) AS i MATCH (a:A {i: i}) CALL (a) { CREATE (:R) } IN TRANSACTIONS",
            "LOAD CSV FROM 'file:///x.csv' AS r CALL (r) { CREATE (:Row {i: r[0]}) } IN TRANSACTIONS",
            "CALL apoc.periodic.iterate('MATCH (n:A) RETURN n', 'CREATE (n)-[:R]->(:B)', {batchSize: 10})",
            "MATCH (p:P) WHERE NOT EXISTS { (p)-[:OTHER]->() } CALL (p) { CREATE (p)-[:HAS]->(:Q) } IN TRANSACTIONS",
        ] {
            assert_eq!(rerun(text), Some(Rerun::NotIdempotent), "{text}");
        }
        assert_eq!(rerun("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'CREATE (', {})"), Some(Rerun::Unknown));
    }

    #[test]
    fn self_referential_sets_are_unknown_and_consuming_batches_idempotent() {
        assert_eq!(
            rerun("MATCH (n:A) CALL (n) { SET n.count = n.count + 1 } IN TRANSACTIONS"),
            Some(Rerun::NotIdempotent)
        );
        for text in [
            "MATCH (p:P) CALL (p) { SET p.d = date(p.d) } IN TRANSACTIONS",
            "MATCH (p:P) CALL (p) { SET p.v = [x IN p.v WHERE x <> '2'] } IN TRANSACTIONS",
        ] {
            assert_eq!(rerun(text), Some(Rerun::Unknown), "{text}");
        }
        let consuming = "MATCH (u:U)-[r:OLD]->(p:P) CALL (u, r, p) { CREATE (u)-[:NEW]->(p) DELETE r } IN TRANSACTIONS";
        assert_eq!(rerun(consuming), Some(Rerun::Idempotent));
    }
}
