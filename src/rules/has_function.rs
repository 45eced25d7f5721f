use super::exists_function::{null_test_rewrite, property_test_arg};
use super::*;
use crate::ast::{ExprKind, UnaryOp};

pub struct HasFunction;

pub static META: RuleMeta = RuleMeta {
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
    ..identity::has_function
};

impl Rule for HasFunction {
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
        // `NOT has(x.p)` is reported (and fixed) as a whole, as `x.p IS NULL`.
        if let ExprKind::Unary { op: UnaryOp::Not, operand } = &e.kind {
            if let Some(arg) = property_test_arg(operand, "has") {
                null_test_rewrite(cx, out.report(&META, e.span, MESSAGE), e.span, arg, true, site.parent);
            }
            return;
        }
        let Some(arg) = property_test_arg(e, "has") else { return };
        if let Some(ExprKind::Unary { op: UnaryOp::Not, .. }) = site.parent.map(|p| &p.kind) {
            return;
        }
        null_test_rewrite(cx, out.report(&META, e.span, MESSAGE), e.span, arg, false, site.parent);
    }
}

const MESSAGE: &str = "`has()` was removed from Cypher (Neo4j 4.4 and 5 fail with \"Unknown function 'has'\")";
