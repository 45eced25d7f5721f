//! Facts about expressions the rules and checks need: whether one aggregates, is constant for
//! the duration of a query, is the same on every run, or pins a variable by a key.

use crate::ast::{BinaryOp, Expr, ExprKind, Name, PatternPart};
use crate::span::Span;
use crate::visit::{self, Visitor};

pub(crate) const AGGREGATES: &[&str] =
    &["count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont", "percentiledisc"];

/// Whether an expression aggregates (outside nested subqueries).
pub fn is_aggregating(e: &Expr) -> bool {
    visit::any_expr(e, &mut |x| match &x.kind {
        ExprKind::CountStar => true,
        ExprKind::FunctionCall { name, .. } => {
            name.parts.len() == 1 && AGGREGATES.contains(&name.parts[0].value.to_ascii_lowercase().as_str())
        }
        _ => false,
    })
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
