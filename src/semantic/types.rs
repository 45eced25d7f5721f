//! Type errors Neo4j's front end finds in literals: a boolean operator given a number, string,
//! list or map written as such (`NOT 'false'`, `1 AND true`), `IN` given a right side that is
//! not a list (`1 IN 2`), and `SKIP` / `LIMIT` given a float or a negative number. Only the
//! type of a literal is certain: any other operand (a variable, a property, a call, a parameter)
//! may hold the right type at run time, and is left alone.

use super::{Analysis, ErrorKind};
use crate::ast::{BinaryOp, Clause, Expr, ExprKind, Literal, Projection, Query, UnaryOp};
use crate::visit::{self, Visitor};

/// The type of an expression written as a literal, if it is one (`null` has none: it fits
/// every type).
pub(super) fn literal_type(e: &Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Literal(Literal::Integer(_)) => Some("Integer"),
        ExprKind::Literal(Literal::Float(_)) => Some("Float"),
        ExprKind::Literal(Literal::String(_)) => Some("String"),
        ExprKind::Literal(Literal::Boolean(_)) => Some("Boolean"),
        ExprKind::List(_) => Some("List"),
        ExprKind::Map(_) => Some("Map"),
        ExprKind::Unary { op: UnaryOp::Minus | UnaryOp::Plus, operand } => match literal_type(operand) {
            Some(t @ ("Integer" | "Float")) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// Every type error in the expressions written directly in a clause (those of nested clauses
/// and subqueries are checked with their own clause).
pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    struct Exprs<'a>(Vec<&'a Expr>);
    impl<'a> Visitor<'a> for Exprs<'a> {
        fn visit_query(&mut self, _q: &'a Query) {}
        fn visit_clause(&mut self, _c: &'a Clause) {}
        fn visit_expr(&mut self, e: &'a Expr) {
            self.0.push(e);
            visit::walk_expr(self, e)
        }
    }
    let mut exprs = Exprs(Vec::new());
    visit::walk_clause(&mut exprs, c);
    for e in exprs.0 {
        check_operator(cx, e);
    }
    match c {
        Clause::With(w) => check_projection(cx, &w.projection),
        Clause::Return(r) => check_projection(cx, &r.projection),
        _ => {}
    }
}

fn check_operator(cx: &mut Analysis, e: &Expr) {
    match &e.kind {
        ExprKind::Unary { op: UnaryOp::Not, operand } => expect_boolean(cx, operand),
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, lhs, rhs } => {
            expect_boolean(cx, lhs);
            expect_boolean(cx, rhs);
        }
        ExprKind::Binary { op: BinaryOp::In, rhs, .. } => {
            if let Some(t) = literal_type(rhs).filter(|t| *t != "List") {
                mismatch(cx, rhs, "List<T>", t);
            }
        }
        _ => {}
    }
}

fn expect_boolean(cx: &mut Analysis, operand: &Expr) {
    if let Some(t) = literal_type(operand).filter(|t| *t != "Boolean") {
        mismatch(cx, operand, "Boolean", t);
    }
}

fn mismatch(cx: &mut Analysis, e: &Expr, expected: &str, was: &str) {
    let message = format!("Type mismatch: expected {expected} but was {was}");
    cx.error(ErrorKind::Type, e.span, message).help = Some(format!("this {was} can never be a {expected}"));
}

/// `SKIP` and `LIMIT` take a non-negative integer: a float or negative literal is refused
/// before the query runs.
fn check_projection(cx: &mut Analysis, p: &Projection) {
    for (e, keyword) in [(&p.skip, "SKIP"), (&p.limit, "LIMIT")] {
        let Some(e) = e else { continue };
        let negative = match &e.kind {
            ExprKind::Literal(Literal::Integer(n)) => *n < 0,
            ExprKind::Unary { op: UnaryOp::Minus, operand } => {
                matches!(operand.kind, ExprKind::Literal(Literal::Integer(n)) if n > 0)
            }
            _ => false,
        };
        let help = format!("{keyword} counts rows: write a whole number, 0 or more");
        if matches!(literal_type(e), Some("Float")) {
            cx.error(ErrorKind::Type, e.span, "Type mismatch: expected Integer but was Float").help = Some(help);
        } else if negative {
            let text = e.span.text(cx.text).trim().to_string();
            let message = format!("Invalid input. '{text}' is not a valid value. Must be a non-negative integer.");
            cx.error(ErrorKind::Type, e.span, message).help = Some(help);
        }
    }
}
