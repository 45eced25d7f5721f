use super::legacy_constraint_syntax::soften_on_44;
use super::util::is_call_to;
use super::*;
use crate::ast::{BinaryOp, ExprKind, UnaryOp};
use crate::diagnostic::Edit;

pub struct ExistsFunction;

pub static META: RuleMeta = RuleMeta {
    name: "exists-function",
    code: "CM013",
    severity: Severity::Error,
    category: Category::Compatibility,
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
    fixable: true,
};

impl Rule for ExistsFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn check_expr(&self, cx: &FileContext, e: &Expr, site: ExprSite, out: &mut Findings) {
        // `NOT exists(x.p)` is reported (and fixed) as a whole, as `x.p IS NULL`.
        if let ExprKind::Unary { op: UnaryOp::Not, operand } = &e.kind {
            if let Some(arg) = exists_property_arg(operand) {
                let text = format!("{} IS NULL", cx.slice(arg.span));
                let d = out.report(&META, e.span, message(cx));
                soften_on_44(cx, d);
                let text = parenthesize(text, site.parent);
                d.help(format!("use `{text}`"));
                d.fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(e.span, text)]));
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
        let replacement = match args.first().map(|a| (&a.kind, a)) {
            Some((ExprKind::Property { .. } | ExprKind::Index { .. }, a)) => {
                Some(parenthesize(format!("{} IS NOT NULL", cx.slice(a.span)), site.parent))
            }
            _ => None,
        };
        match replacement {
            Some(text) => {
                d.help(format!("use `{text}`"));
                d.fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(e.span, text)]));
            }
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
    if !is_exists_call(e) {
        return None;
    }
    let ExprKind::FunctionCall { args, .. } = &e.kind else { return None };
    args.first().filter(|a| matches!(a.kind, ExprKind::Property { .. } | ExprKind::Index { .. }))
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
