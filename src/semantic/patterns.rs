//! What CREATE and MERGE accept in a pattern (one relationship type, a direction for CREATE,
//! fixed length, plain labels) and what DELETE accepts.

use super::{Analysis, ErrorKind};
use crate::ast::{Clause, Direction, ExprKind, LabelExpr, PathElement, PatternPart, RelationshipPattern};

pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    match c {
        Clause::Create(cr) => cr.pattern.parts.iter().for_each(|p| check_part(cx, p, "CREATE")),
        Clause::Merge(m) => check_part(cx, &m.pattern, "MERGE"),
        Clause::Delete(d) => {
            for e in d.exprs.iter().filter(|e| matches!(e.kind, ExprKind::LabelCheck { .. })) {
                cx.error(
                    ErrorKind::Pattern,
                    e.span,
                    "DELETE doesn't support removing labels from a node. Try REMOVE.",
                )
                .help = Some("REMOVE n:Label removes a label; DELETE n deletes the node".into());
            }
        }
        _ => {}
    }
}

fn check_part(cx: &mut Analysis, part: &PatternPart, clause: &str) {
    for el in &part.path.elements {
        match el {
            PathElement::Node(n) => {
                if let Some(labels) = n.labels.as_ref().filter(|l| !plain(l)) {
                    label_expression(cx, labels, clause);
                }
            }
            PathElement::Relationship(r) => check_relationship(cx, r, clause),
            PathElement::Parenthesized(p) if p.quantifier.is_some() => {
                let message = format!(
                    "Quantified path patterns cannot be used in a {clause} clause, but only in a MATCH clause."
                );
                cx.error(ErrorKind::Pattern, p.span, message);
            }
            PathElement::Parenthesized(_) => {}
        }
    }
}

/// Labels CREATE and MERGE can set: names joined by `:` or `&`, and dynamic labels.
fn plain(l: &LabelExpr) -> bool {
    match l {
        LabelExpr::Name(_) | LabelExpr::Dynamic(..) => true,
        LabelExpr::And(_, parts) => parts.iter().all(plain),
        LabelExpr::Or(..) | LabelExpr::Not(..) | LabelExpr::Wildcard(_) => false,
    }
}

fn label_expression(cx: &mut Analysis, labels: &LabelExpr, clause: &str) {
    let message = format!(
        "Label expressions in patterns are not allowed in a {clause} clause, but only in a MATCH clause and in expressions"
    );
    cx.error(ErrorKind::Pattern, labels.span(), message).help =
        Some(format!("{clause} sets every label it names: join them with `:` or `&`, not `|` or `!`"));
}

fn check_relationship(cx: &mut Analysis, r: &RelationshipPattern, clause: &str) {
    match &r.types {
        Some(LabelExpr::Name(_) | LabelExpr::Dynamic(..)) => {}
        Some(LabelExpr::Or(span, _)) | Some(LabelExpr::And(span, _)) => one_type(cx, *span, clause),
        Some(other) => label_expression(cx, other, clause),
        None => one_type(cx, r.span, clause),
    }
    if clause == "CREATE" && r.direction == Direction::Either {
        cx.error(ErrorKind::Pattern, r.span, "Only directed relationships are supported in CREATE").help =
            Some("write `-[:TYPE]->` or `<-[:TYPE]-`".into());
    }
    if let Some(length) = &r.length {
        let message = format!("Variable length relationships cannot be used in {clause}");
        cx.error(ErrorKind::Pattern, length.span, message);
    }
    if let Some(q) = &r.quantifier {
        let message =
            format!("Quantified path patterns cannot be used in a {clause} clause, but only in a MATCH clause.");
        cx.error(ErrorKind::Pattern, q.span(), message);
    }
}

fn one_type(cx: &mut Analysis, span: crate::span::Span, clause: &str) {
    let message = format!("Exactly one relationship type must be specified for {clause}");
    cx.error(ErrorKind::Pattern, span, message).help =
        Some("a relationship has one type: write `-[:TYPE]->` (the type after a colon)".into());
}
