//! Expression helpers over the AST (walking, conjuncts, guards, determinism), shared by the
//! up/down comparison (`undo`) and down derivation.

use crate::ast::{BinaryOp, Expr, ExprKind, LabelExpr, Literal, MapProjectionItem, UnaryOp};

/// Calls `f` on `e` and every sub-expression (subquery bodies are not entered; callers that care
/// fall back to the expression's text).
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    let mut go = |x: &Expr| walk(x, f);
    match &e.kind {
        ExprKind::Property { subject, .. } => go(subject),
        ExprKind::Index { subject, index } => {
            go(subject);
            go(index);
        }
        ExprKind::Slice { subject, from, to } => {
            go(subject);
            if let Some(x) = from {
                go(x);
            }
            if let Some(x) = to {
                go(x);
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            go(lhs);
            go(rhs);
        }
        ExprKind::Unary { operand, .. }
        | ExprKind::IsNull { operand, .. }
        | ExprKind::IsType { operand, .. }
        | ExprKind::IsNormalized { operand, .. } => go(operand),
        ExprKind::Trim { characters, source, .. } => {
            if let Some(c) = characters {
                go(c);
            }
            go(source);
        }
        ExprKind::LabelCheck { subject, .. } => go(subject),
        ExprKind::FunctionCall { args, .. } => args.iter().for_each(go),
        ExprKind::List(items) => items.iter().for_each(go),
        ExprKind::Map(m) => m.entries.iter().for_each(|en| go(&en.value)),
        ExprKind::Case { subject, alternatives, default } => {
            if let Some(s) = subject {
                go(s);
            }
            for alt in alternatives {
                go(&alt.when);
                go(&alt.then);
            }
            if let Some(d) = default {
                go(d);
            }
        }
        ExprKind::ListComprehension { list, where_, map, .. } => {
            go(list);
            if let Some(w) = where_ {
                go(w);
            }
            if let Some(m) = map {
                go(m);
            }
        }
        ExprKind::PatternComprehension { where_, map, .. } => {
            if let Some(w) = where_ {
                go(w);
            }
            go(map);
        }
        ExprKind::Quantified { list, where_, .. } => {
            go(list);
            if let Some(w) = where_ {
                go(w);
            }
        }
        ExprKind::Reduce { init, list, expr, .. } => {
            go(init);
            go(list);
            go(expr);
        }
        ExprKind::MapProjection { items, .. } => {
            for item in items {
                if let MapProjectionItem::Literal { value, .. } = item {
                    go(value);
                }
            }
        }
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::NormalForm(_)
        | ExprKind::CaseSubject
        | ExprKind::Exists(_)
        | ExprKind::Count(_)
        | ExprKind::Collect(_)
        | ExprKind::Pattern(_) => {}
    }
}

/// True for expressions whose AST we do not walk (subqueries, patterns).
fn opaque(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Exists(_) | ExprKind::Count(_) | ExprKind::Collect(_) | ExprKind::Pattern(_))
}

/// Does `e` read `var.key`? Opaque parts are searched textually (conservatively).
pub fn reads_property(e: &Expr, text: &str, var: &str, key: &str) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let ExprKind::Property { subject, key: k } = &x.kind {
            if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var) {
                found = true;
            }
        }
        if opaque(x) && text_mentions(x.span.text(text), var, key) {
            found = true;
        }
    });
    found
}

/// Does `e` test label `label` on `var`?
pub fn reads_label(e: &Expr, text: &str, var: &str, label: &str) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let ExprKind::LabelCheck { subject, labels } = &x.kind {
            if matches!(&subject.kind, ExprKind::Variable(v) if v.value == var) && label_expr_mentions(labels, label) {
                found = true;
            }
        }
        if opaque(x) && x.span.text(text).contains(label) {
            found = true;
        }
    });
    found
}

fn label_expr_mentions(l: &LabelExpr, label: &str) -> bool {
    match l {
        LabelExpr::Name(n) => n.value == label,
        LabelExpr::And(_, parts) | LabelExpr::Or(_, parts) => parts.iter().any(|p| label_expr_mentions(p, label)),
        LabelExpr::Not(_, inner) => label_expr_mentions(inner, label),
        LabelExpr::Wildcard(_) | LabelExpr::Dynamic(..) => false,
    }
}

fn text_mentions(text: &str, var: &str, key: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains(&format!("{var}.{key}"))
}

/// Variables `e` refers to (opaque parts: none; callers treat those conservatively).
pub fn variables(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    walk(e, &mut |x| {
        if let ExprKind::Variable(v) = &x.kind {
            if !out.contains(&v.value) {
                out.push(v.value.clone());
            }
        }
    });
    out
}

pub fn has_opaque(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= opaque(x));
    found
}

/// `a AND b AND c` → [a, b, c].
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Binary { op: BinaryOp::And, lhs, rhs } => {
            let mut out = conjuncts(lhs);
            out.extend(conjuncts(rhs));
            out
        }
        _ => vec![e],
    }
}

/// The conjunct's text, parenthesised when it could bind looser than AND.
pub fn conjunct_text(e: &Expr, text: &str) -> String {
    let t = e.span.text(text).trim();
    let loose = matches!(&e.kind, ExprKind::Binary { op: BinaryOp::Or | BinaryOp::Xor, .. });
    let already = t.starts_with('(') && t.ends_with(')');
    if loose && !already {
        format!("({t})")
    } else {
        t.to_string()
    }
}

/// Is `e` a test that `var.key` is absent: `NOT exists(v.k)`, `v.k IS NULL`, `NOT v.k IS NOT NULL`?
pub fn is_absence_guard(e: &Expr, var: &str, key: &str) -> bool {
    let is_prop = |x: &Expr| {
        matches!(&x.kind, ExprKind::Property { subject, key: k }
            if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var))
    };
    let is_presence = |x: &Expr| match &x.kind {
        ExprKind::FunctionCall { name, args, .. } => {
            name.dotted().eq_ignore_ascii_case("exists") && args.len() == 1 && is_prop(&args[0])
        }
        ExprKind::IsNull { operand, negated: true } => is_prop(operand),
        _ => false,
    };
    match &e.kind {
        ExprKind::IsNull { operand, negated: false } => is_prop(operand),
        ExprKind::Unary { op: UnaryOp::Not, operand } => is_presence(operand),
        _ => false,
    }
}

/// Is `e` the test `NOT var:label`?
pub fn is_label_absence_guard(e: &Expr, var: &str, label: &str) -> bool {
    match &e.kind {
        ExprKind::Unary { op: UnaryOp::Not, operand } => matches!(&operand.kind,
            ExprKind::LabelCheck { subject, labels: LabelExpr::Name(n) }
                if n.value == label && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var)),
        _ => false,
    }
}

/// Does the expression give the same value each time it runs over the same graph and
/// parameters? (`randomUUID()`, `rand()`, `timestamp()` and the zero-argument temporal
/// functions do not.)
pub fn is_deterministic(e: &Expr) -> bool {
    let mut ok = !has_opaque(e);
    walk(e, &mut |x| {
        if let ExprKind::FunctionCall { name, args, .. } = &x.kind {
            let n = name.dotted().to_ascii_lowercase();
            let always = matches!(n.as_str(), "randomuuid" | "rand" | "timestamp" | "elementid" | "id");
            let clock = matches!(n.as_str(), "date" | "datetime" | "time" | "localtime" | "localdatetime")
                || n.starts_with("datetime.")
                || n.starts_with("date.")
                || n.starts_with("localdatetime.")
                || n.starts_with("localtime.")
                || n.starts_with("time.");
            if always || (clock && (args.is_empty() || n.contains('.'))) {
                ok = false;
            }
        }
    });
    ok
}

/// A literal usable as a marker value, as Cypher text.
pub fn literal_text(e: &Expr, text: &str) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(_) | Literal::Integer(_) | Literal::Float(_) | Literal::Boolean(_)) => {
            Some(e.span.text(text).to_string())
        }
        _ => None,
    }
}

/// Does `e` test a pattern (a pattern predicate, `EXISTS`/`COUNT { … }`) naming relationship type
/// `rel_type`? Such a test of the state before the up is changed by an up that creates one.
pub fn tests_relationship_type(e: &Expr, text: &str, rel_type: &str) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if opaque(x) {
            let t = x.span.text(text);
            found |= t.match_indices(rel_type).any(|(i, _)| {
                let before = t[..i].trim_end().ends_with([':', '|']);
                let after = t[i + rel_type.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                before && after
            });
        }
    });
    found
}
