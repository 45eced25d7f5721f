//! Facts about expressions the rules and checks need: whether one aggregates, is constant for
//! the duration of a query, is the same on every run, or pins a variable by a key.

use crate::ast::{BinaryOp, Expr, ExprKind, Name, PatternPart, ProjectionItem};
use crate::span::Span;
use crate::visit::{self, Visitor};

pub(crate) const AGGREGATES: &[&str] =
    &["count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont", "percentiledisc"];

/// Whether an expression aggregates (outside nested subqueries).
pub fn is_aggregating(e: &Expr) -> bool {
    visit::any_expr(e, &mut is_aggregate_call)
}

/// Whether an expression is itself a call of an aggregate function (`count(*)` included).
pub(crate) fn is_aggregate_call(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::CountStar => true,
        ExprKind::FunctionCall { name, .. } => {
            name.parts.len() == 1 && AGGREGATES.contains(&name.parts[0].value.to_ascii_lowercase().as_str())
        }
        _ => false,
    }
}

/// Variables an expression refers to (free or not; good enough for import lists).
pub fn referenced_variables(e: &Expr, out: &mut Vec<String>) {
    visit::for_each_expr(e, &mut |x| {
        if let ExprKind::Variable(n) = &x.kind {
            if !out.contains(&n.value) {
                out.push(n.value.clone());
            }
        }
    });
}

/// Whether an expression is a literal or parameter (a constant for the duration of a query).
pub fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Parameter(_) => true,
        ExprKind::List(items) => items.iter().all(is_constant),
        ExprKind::Unary { operand, .. } => is_constant(operand),
        _ => false,
    }
}

/// Splits a predicate into its top-level AND conjuncts.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Binary { op: BinaryOp::And, lhs, rhs } => {
            let mut v = conjuncts(lhs);
            v.extend(conjuncts(rhs));
            v
        }
        _ => vec![e],
    }
}

/// `var.prop` → (`var`, `prop`).
pub fn as_property_of_variable(e: &Expr) -> Option<(&Name, &Name)> {
    match &e.kind {
        ExprKind::Property { subject, key } => match &subject.kind {
            ExprKind::Variable(v) => Some((v, key)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `name` is a Cypher function call of that (case-insensitive, unqualified) name.
pub fn is_call_to(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::FunctionCall { name: q, .. } if q.parts.len() == 1 && q.parts[0].value.eq_ignore_ascii_case(name))
}

/// Functions whose value differs from one run (or row) to the next.
const VOLATILE: &[&str] =
    &["randomuuid", "rand", "timestamp", "datetime", "date", "localdatetime", "time", "localtime"];

/// The name of a call whose value changes between runs: `rand()`, `randomUUID()`, `timestamp()`,
/// and the temporal functions called without an argument (`datetime()` is now; `datetime(s)` is
/// a conversion and deterministic).
pub fn volatile_call(e: &Expr) -> Option<String> {
    let ExprKind::FunctionCall { name, args, .. } = &e.kind else { return None };
    let n = name.dotted().to_ascii_lowercase();
    let temporal_now = ["datetime", "date", "localdatetime", "time", "localtime"].contains(&n.as_str());
    (VOLATILE.contains(&n.as_str()) && (!temporal_now || args.is_empty()) && is_call_to(e, &n)).then(|| name.dotted())
}

/// Whether the expression gives the same value on every run of the query: no volatile call anywhere in it.
pub fn is_deterministic(e: &Expr) -> bool {
    !visit::any_expr(e, &mut |x| volatile_call(x).is_some())
}

/// The variables a predicate pins by a key: each `v.key = value` conjunct (either side) whose
/// value satisfies `independent`, as (variable, key).
pub fn key_pins<'e>(predicate: &'e Expr, independent: &dyn Fn(&Expr) -> bool) -> Vec<(&'e Name, &'e Name)> {
    conjuncts(predicate)
        .into_iter()
        .filter_map(|c| {
            let ExprKind::Binary { op: BinaryOp::Eq, lhs, rhs } = &c.kind else { return None };
            [(lhs, rhs), (rhs, lhs)]
                .into_iter()
                .find_map(|(a, b)| as_property_of_variable(a).filter(|_| independent(b)))
        })
        .collect()
}

/// Every call of a random or time-dependent function in a pattern, with the function's name.
pub fn volatile_calls(part: &PatternPart) -> Vec<(Span, String)> {
    struct Volatile(Vec<(Span, String)>);
    impl<'a> Visitor<'a> for Volatile {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Some(name) = volatile_call(e) {
                self.0.push((e.span, name));
            }
            visit::walk_expr(self, e)
        }
    }
    let mut v = Volatile(Vec::new());
    v.visit_pattern_part(part);
    v.0
}

/// Whether two expressions are the same for Neo4j's projection rules (`RETURN DISTINCT n.x
/// ORDER BY n.`x``): variables and property keys by name, calls and operators by their parts,
/// anything else by its source text less whitespace. Where unsure it says different.
pub fn same_expr(a: &Expr, b: &Expr, text: &str) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Variable(x), ExprKind::Variable(y)) => x.value == y.value,
        (ExprKind::Property { subject: sa, key: ka }, ExprKind::Property { subject: sb, key: kb }) => {
            ka.value == kb.value && same_expr(sa, sb, text)
        }
        (
            ExprKind::FunctionCall { name: na, distinct: da, args: aa },
            ExprKind::FunctionCall { name: nb, distinct: db, args: ab },
        ) => {
            na.dotted().eq_ignore_ascii_case(&nb.dotted())
                && da == db
                && aa.len() == ab.len()
                && aa.iter().zip(ab).all(|(x, y)| same_expr(x, y, text))
        }
        (ExprKind::Binary { op: oa, lhs: la, rhs: ra }, ExprKind::Binary { op: ob, lhs: lb, rhs: rb }) => {
            oa == ob && same_expr(la, lb, text) && same_expr(ra, rb, text)
        }
        (ExprKind::CountStar, ExprKind::CountStar) => true,
        _ => compact(a, text) == compact(b, text),
    }
}

/// The parts of a sort expression after a projection with DISTINCT or an aggregation that no
/// projected item covers: the variables it reads and the aggregate calls it makes outside any
/// subexpression that is itself a projected item (`RETURN DISTINCT n.x ORDER BY n.x + 1` reads
/// nothing uncovered; `ORDER BY n.y` reads `n`). Forms it does not follow (subqueries,
/// comprehensions, CASE) report nothing.
pub fn uncovered_in_sort<'a>(e: &'a Expr, items: &[ProjectionItem], text: &str, out: &mut Vec<&'a Expr>) {
    if items.iter().any(|i| same_expr(&i.expr, e, text)) {
        return;
    }
    match &e.kind {
        ExprKind::Variable(_) | ExprKind::CountStar => out.push(e),
        ExprKind::FunctionCall { args, .. } => {
            if is_aggregate_call(e) {
                out.push(e);
            } else {
                args.iter().for_each(|a| uncovered_in_sort(a, items, text, out));
            }
        }
        ExprKind::Property { subject, .. } => uncovered_in_sort(subject, items, text, out),
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::Index { subject: lhs, index: rhs } => {
            uncovered_in_sort(lhs, items, text, out);
            uncovered_in_sort(rhs, items, text, out);
        }
        ExprKind::Unary { operand, .. } | ExprKind::IsNull { operand, .. } => {
            uncovered_in_sort(operand, items, text, out)
        }
        ExprKind::List(elements) => elements.iter().for_each(|x| uncovered_in_sort(x, items, text, out)),
        _ => {}
    }
}

fn compact(e: &Expr, text: &str) -> String {
    text.get(e.span.start..e.span.end).unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect()
}
