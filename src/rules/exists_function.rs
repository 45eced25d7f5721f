use super::legacy_constraint_syntax::soften_on_44;
use crate::semantic::expr::is_call_to;
use super::*;
use crate::ast::{BinaryOp, ExprKind, UnaryOp};
use crate::diagnostic::Edit;

pub struct ExistsFunction;

pub static META: RuleMeta = RuleMeta {
    summary: "`exists(n.prop)` (removed in Neo4j 5)",
    docs: r#"## What it does
Flags the `exists()` function on a property. An error when targeting Neo4j 5 or later (removed
in 5.0), a warning on 4.4 (deprecated since 4.3). The pattern form, `exists((a)-[:R]->(b))`,
is still valid in Neo4j 5 and is not reported (`EXISTS { … }` is the newer spelling).

## Why it matters
Neo4j 5 rejects the statement with a syntax error: the migration that worked on 4.x fails after
the upgrade.

## Example
```cypher
MATCH (p:Project) WHERE NOT exists(p.priority) AND exists(p.name)
SET p.priority = 'medium';
```

## Use instead
```cypher
MATCH (p:Project) WHERE p.priority IS NULL AND p.name IS NOT NULL
SET p.priority = 'medium';
```
The fix rewrites `exists(x.p)` to `x.p IS NOT NULL` and `NOT exists(x.p)` to `x.p IS NULL`.
"#,
    ..identity::exists_function
};

impl Rule for ExistsFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_expr(&self, cx: &FileContext, e: &Expr, site: ExprSite, out: &mut Findings) {
        // `NOT exists(x.p)` is reported (and fixed) as a whole, as `x.p IS NULL`.
        if let ExprKind::Unary { op: UnaryOp::Not, operand } = &e.kind {
            if let Some(arg) = exists_property_arg(operand) {
                let d = out.report(&META, e.span, message(cx));
                soften_on_44(cx, d);
                null_test_rewrite(cx, d, e.span, arg, true, site.parent);
            }
            return;
        }
        if !is_exists_call(e) {
            return;
        }
        if let Some(ExprKind::Unary { op: UnaryOp::Not, .. }) = site.parent.map(|p| &p.kind) {
            if exists_property_arg(e).is_some() {
                return;
            }
        }
        let ExprKind::FunctionCall { args, .. } = &e.kind else { return };
        if matches!(args.first().map(|a| &a.kind), Some(ExprKind::Pattern(_))) {
            return; // `exists(pattern)` is still valid in Neo4j 5
        }
        let d = out.report(&META, e.span, message(cx));
        soften_on_44(cx, d);
        match exists_property_arg(e) {
            Some(arg) => null_test_rewrite(cx, d, e.span, arg, false, site.parent),
            None => {
                d.help("use `x IS NOT NULL` for properties");
            }
        }
    }
}

fn message(cx: &FileContext) -> &'static str {
    if cx.settings.target == Target::V4_4 {
        "`exists()` on a property is deprecated (removed in Neo4j 5)"
    } else {
        "`exists()` on a property was removed in Neo4j 5"
    }
}

fn is_exists_call(e: &Expr) -> bool {
    is_call_to(e, "exists") && matches!(&e.kind, ExprKind::FunctionCall { args, .. } if args.len() == 1)
}

fn exists_property_arg(e: &Expr) -> Option<&Expr> {
    property_test_arg(e, "exists")
}

/// The property of `function(x.p)` / `function(x[k])`: the legacy null tests `exists()` and
/// `has()`; a call with any other argument is left to others.
pub(super) fn property_test_arg<'e>(e: &'e Expr, function: &str) -> Option<&'e Expr> {
    if !is_call_to(e, function) {
        return None;
    }
    let ExprKind::FunctionCall { args, .. } = &e.kind else { return None };
    match args.as_slice() {
        [a] if matches!(a.kind, ExprKind::Property { .. } | ExprKind::Index { .. }) => Some(a),
        _ => None,
    }
}

/// The `IS [NOT] NULL` test that replaces a legacy null test of `arg` at `span` (`negated`:
/// the call stood under a `NOT`, which the rewrite absorbs), as a help and a safe fix.
pub(super) fn null_test_rewrite(
    cx: &FileContext,
    d: &mut crate::diagnostic::Diagnostic,
    span: crate::span::Span,
    arg: &Expr,
    negated: bool,
    parent: Option<&Expr>,
) {
    let test = if negated { "IS NULL" } else { "IS NOT NULL" };
    let text = parenthesize(format!("{} {test}", cx.slice(arg.span)), parent);
    d.help(format!("use `{text}`"));
    d.fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(span, text)]));
}

/// `IS [NOT] NULL` binds looser than comparisons and arithmetic: keep parentheses unless the
/// parent is a boolean connective (or there is none).
pub(super) fn parenthesize(text: String, parent: Option<&Expr>) -> String {
    match parent.map(|p| &p.kind) {
        None
        | Some(ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, .. })
        | Some(ExprKind::Unary { op: UnaryOp::Not, .. })
        | Some(ExprKind::Case { .. })
        | Some(ExprKind::List(_))
        | Some(ExprKind::Map(_))
        | Some(ExprKind::FunctionCall { .. }) => text,
        _ => format!("({text})"),
    }
}
