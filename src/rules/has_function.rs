use super::exists_function::parenthesize;
use super::util::is_call_to;
use super::*;
use crate::ast::{ExprKind, UnaryOp};
use crate::diagnostic::Edit;

pub struct HasFunction;

pub static META: RuleMeta = RuleMeta {
    name: "has-function",
    code: "CM034",
    severity: Severity::Error,
    category: Category::Compatibility,
    summary: "`has(n.prop)` (Neo4j 2.x; long removed)",
    docs: r#"## What it does
Flags the 2.x property-existence function `has(n.prop)`, replaced by `exists()` in Neo4j 2.3 and
since removed (neither Neo4j 4.4 nor 5 knows it).

## Why it matters
The statement parses, but fails when it runs with "Unknown function 'has'": the migration stops
on the first database that executes it.

## Example
```cypher
MATCH (p:Person) WHERE has(p.email) AND NOT has(p.phone)
SET p.contact = p.email;
```

## Use instead
```cypher
MATCH (p:Person) WHERE p.email IS NOT NULL AND p.phone IS NULL
SET p.contact = p.email;
```
The fix rewrites `has(x.p)` to `x.p IS NOT NULL` and `NOT has(x.p)` to `x.p IS NULL`.
"#,
    fixable: true,
};

impl Rule for HasFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn check_expr(&self, cx: &FileContext, e: &Expr, site: ExprSite, out: &mut Findings) {
        // `NOT has(x.p)` is reported (and fixed) as a whole, as `x.p IS NULL`.
        if let ExprKind::Unary { op: UnaryOp::Not, operand } = &e.kind {
            if let Some(arg) = has_property_arg(operand) {
                let text = parenthesize(format!("{} IS NULL", cx.slice(arg.span)), site.parent);
                out.report(&META, e.span, MESSAGE)
                    .help(format!("use `{text}`"))
                    .fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(e.span, text)]));
            }
            return;
        }
        let Some(arg) = has_property_arg(e) else { return };
        if let Some(ExprKind::Unary { op: UnaryOp::Not, .. }) = site.parent.map(|p| &p.kind) {
            return;
        }
        let text = parenthesize(format!("{} IS NOT NULL", cx.slice(arg.span)), site.parent);
        out.report(&META, e.span, MESSAGE)
            .help(format!("use `{text}`"))
            .fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(e.span, text)]));
    }
}

const MESSAGE: &str = "`has()` was removed from Cypher (Neo4j 4.4 and 5 fail with \"Unknown function 'has'\")";

/// The property of `has(x.p)` / `has(x[k])`; other arguments are someone else's function.
fn has_property_arg(e: &Expr) -> Option<&Expr> {
    if !is_call_to(e, "has") {
        return None;
    }
    let ExprKind::FunctionCall { args, .. } = &e.kind else { return None };
    match args.as_slice() {
        [a] if matches!(a.kind, ExprKind::Property { .. } | ExprKind::Index { .. }) => Some(a),
        _ => None,
    }
}
