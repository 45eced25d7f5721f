//! Where aggregating functions may stand: in the items of WITH and RETURN (and their ORDER BY
//! and WITH's WHERE, which Neo4j 5 accepts), not inside another aggregate, not in an expression
//! evaluated per list element, and not beside a variable that is not a grouping key.

use super::expr::{is_aggregate_call, uncovered_in_sort};
use super::{Analysis, ErrorKind};
use crate::ast::{Clause, Expr, ExprKind, Name, Projection};
use crate::visit::{self, Visitor};

pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    match c {
        Clause::With(w) => check_projection(cx, &w.projection, "WITH"),
        Clause::Return(r) => check_projection(cx, &r.projection, "RETURN"),
        Clause::CallSubquery(_) => {}
        Clause::Foreach(f) => misplaced(cx, &aggregates_in(&f.list)),
        other => {
            let mut found = Aggregates(Vec::new());
            visit::walk_clause(&mut found, other);
            misplaced(cx, &found.0);
        }
    }
}

fn misplaced(cx: &mut Analysis, found: &[&Expr]) {
    for e in found {
        let message = format!("Invalid use of aggregating function {}(...) in this context", name(e));
        cx.error(ErrorKind::Aggregation, e.span, message).help =
            Some("aggregate in a WITH first (`WITH …, count(x) AS n`), then use `n`".into());
    }
}

fn check_projection(cx: &mut Analysis, p: &Projection, clause: &str) {
    for item in &p.items {
        for agg in aggregates_in(&item.expr) {
            nested(cx, agg);
        }
        per_element(cx, &item.expr);
    }
    check_grouping(cx, p);
    check_order_by(cx, p, clause);
}

/// ORDER BY may aggregate only after a projection that aggregates (Neo4j 5.26 rejects it;
/// the front end packaged as the oracle does not, see the rule's docs).
fn check_order_by(cx: &mut Analysis, p: &Projection, clause: &str) {
    if p.star {
        return;
    }
    if p.items.iter().any(|i| !aggregates_in(&i.expr).is_empty()) {
        return sorted_aggregates_are_projected(cx, p, clause);
    }
    for agg in p.order_by.iter().flat_map(|s| aggregates_in(&s.expr)) {
        let message = format!(
            "Cannot use aggregation in ORDER BY if there are no aggregate expressions in the preceding {clause}"
        );
        cx.error(ErrorKind::Aggregation, agg.span, message).help =
            Some(format!("project the aggregate in the {clause} (`…, max(x) AS m ORDER BY m`)"));
    }
}

/// After an aggregating projection, an aggregate ORDER BY sorts on must be a projected item on
/// its own, or sit inside an expression that is one (checked against Neo4j's front end:
/// `RETURN count(*) + 1 AS c ORDER BY count(*)` is refused, `ORDER BY count(*) + 1` is not).
fn sorted_aggregates_are_projected(cx: &mut Analysis, p: &Projection, clause: &str) {
    let mut uncovered = Vec::new();
    for s in &p.order_by {
        uncovered_in_sort(&s.expr, &p.items, cx.text, &mut uncovered);
    }
    for agg in uncovered.into_iter().filter(|e| is_aggregate_call(e)) {
        let text = cx.text.get(agg.span.start..agg.span.end).unwrap_or_default().to_string();
        let message = format!(
            "Illegal aggregation expression(s) in order by: {text}. If an aggregation expression is used in order by, it also needs to be a projection item on its own"
        );
        cx.error(ErrorKind::Aggregation, agg.span, message).help =
            Some(format!("project it in the {clause} (`…, {text} AS a ORDER BY a`)"));
    }
}

/// An aggregate inside another one's arguments.
fn nested(cx: &mut Analysis, agg: &Expr) {
    let ExprKind::FunctionCall { args, .. } = &agg.kind else { return };
    for inner in args.iter().flat_map(aggregates_in) {
        cx.error(ErrorKind::Aggregation, inner.span, "Can't use aggregate functions inside of aggregate functions.");
    }
}

/// Aggregates in the per-element parts of list comprehensions, quantifiers and reduce.
fn per_element(cx: &mut Analysis, e: &Expr) {
    let mut inner: Vec<&Expr> = Vec::new();
    visit::for_each_expr(e, &mut |x| match &x.kind {
        ExprKind::ListComprehension { where_, map, .. } => {
            inner.extend(where_.as_deref().into_iter().chain(map.as_deref()))
        }
        ExprKind::Quantified { where_, .. } => inner.extend(where_.as_deref()),
        ExprKind::Reduce { expr, .. } => inner.push(expr),
        _ => {}
    });
    for part in inner {
        misplaced(cx, &aggregates_in(part));
    }
}

/// `RETURN n.x + count(*)` without `n.x` or `n` as a grouping key: Neo4j cannot tell what to
/// group by. Neo4j takes a variable, or a property of a variable, only when that variable or that
/// very property is projected on its own; an expression as a key (`n.a + n.b`, `size(n.x)`)
/// covers nothing (checked against Neo4j's front end).
fn check_grouping(cx: &mut Analysis, p: &Projection) {
    if p.star {
        return;
    }
    let (aggregating, keys): (Vec<_>, Vec<_>) = p.items.iter().partition(|i| !aggregates_in(&i.expr).is_empty());
    let mut grouped = Grouped::default();
    for k in &keys {
        match &k.expr.kind {
            ExprKind::Variable(n) => grouped.variables.push(n.value.clone()),
            ExprKind::Property { subject, key } => {
                if let ExprKind::Variable(n) = &subject.kind {
                    grouped.properties.push((n.value.clone(), key.value.clone()));
                }
            }
            _ => {}
        }
    }
    for item in aggregating {
        if let Some(v) = ungrouped(&item.expr, &grouped) {
            let message = format!(
                "Aggregation column contains implicit grouping expressions: `{}` is neither aggregated nor a grouping key",
                v.value
            );
            cx.error(ErrorKind::Aggregation, item.expr.span, message).help = Some(format!(
                "project the expression of `{}` it uses as its own column (a grouping key), or aggregate it",
                v.value
            ));
        }
    }
}

/// The grouping keys an aggregating column may refer to: variables, and properties of a variable.
#[derive(Default)]
struct Grouped {
    variables: Vec<String>,
    properties: Vec<(String, String)>,
}

fn ungrouped<'a>(e: &'a Expr, keys: &Grouped) -> Option<&'a Name> {
    if is_aggregate_call(e) {
        return None;
    }
    match &e.kind {
        ExprKind::Variable(n) if keys.variables.contains(&n.value) => None,
        ExprKind::Variable(n) => Some(n),
        ExprKind::Property { subject, key } => match &subject.kind {
            ExprKind::Variable(n)
                if keys.variables.contains(&n.value)
                    || keys.properties.iter().any(|(v, k)| *v == n.value && *k == key.value) =>
            {
                None
            }
            _ => ungrouped(subject, keys),
        },
        ExprKind::Binary { lhs, rhs, .. } => ungrouped(lhs, keys).or_else(|| ungrouped(rhs, keys)),
        ExprKind::Unary { operand, .. } | ExprKind::IsNull { operand, .. } => ungrouped(operand, keys),
        ExprKind::FunctionCall { args, .. } | ExprKind::List(args) => args.iter().find_map(|a| ungrouped(a, keys)),
        ExprKind::Index { subject, index } => ungrouped(subject, keys).or_else(|| ungrouped(index, keys)),
        // Literals and parameters are constant; other forms bind variables of their own or are
        // not followed: silence.
        _ => None,
    }
}

fn name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::FunctionCall { name, .. } => name.dotted(),
        _ => "count".into(),
    }
}

/// The outermost aggregate calls in an expression, outside nested subqueries.
fn aggregates_in(e: &Expr) -> Vec<&Expr> {
    let mut found = Aggregates(Vec::new());
    found.visit_expr(e);
    found.0
}

struct Aggregates<'a>(Vec<&'a Expr>);

impl<'a> Visitor<'a> for Aggregates<'a> {
    fn visit_query(&mut self, _q: &'a crate::ast::Query) {}
    fn visit_clause(&mut self, _c: &'a Clause) {}
    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            _ if is_aggregate_call(e) => self.0.push(e),
            ExprKind::Exists(_) | ExprKind::Count(_) | ExprKind::Collect(_) => {}
            _ => visit::walk_expr(self, e),
        }
    }
}
