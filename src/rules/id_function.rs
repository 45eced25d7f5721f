use crate::semantic::expr::is_call_to;
use super::*;
use crate::ast::ExprKind;
use crate::diagnostic::Edit;

pub struct IdFunction;

pub static META: RuleMeta = RuleMeta {
    summary: "`id()` (deprecated; ids are reused after deletes)",
    docs: r#"## What it does
Flags the `id()` function when targeting Neo4j 5 or later, where it is deprecated in favour of
`elementId()`.

## Why it matters
Internal ids are reused after a node or relationship is deleted, so an id stored by one
migration (or an external system) can point at a different entity later. `elementId()` returns
a string that is only stable within one transaction as well — neither is a business key.

## Example
```cypher
MATCH (n:Person) WHERE id(n) = $nodeId SET n.active = false;
```

## Use instead
```cypher
MATCH (n:Person) WHERE elementId(n) = $nodeId SET n.active = false;
```
Better still, match on a property with a uniqueness constraint. The fix renames the call; it is
unsafe because `elementId()` returns a string, not an integer: stored ids and integer
comparisons must change too.
"#,
    ..identity::id_function
};

impl Rule for IdFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_expr(&self, cx: &FileContext, e: &Expr, _site: ExprSite, out: &mut Findings) {
        if cx.settings.target < Target::V5 || !is_call_to(e, "id") {
            return;
        }
        let ExprKind::FunctionCall { name, args, .. } = &e.kind else { return };
        if args.len() != 1 {
            return;
        }
        out.report(&META, e.span, "`id()` is deprecated: internal ids are reused after deletes")
            .help("use `elementId()` — or, better, a property with a uniqueness constraint")
            .fix(Fix::unsafe_("replace with `elementId()`", vec![Edit::replace(name.span, "elementId")]));
    }
}
