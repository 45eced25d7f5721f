use super::*;
use crate::ast::ExprKind;
use crate::diagnostic::Edit;

pub struct LegacyParameter;

pub static META: RuleMeta = RuleMeta {
    summary: "`{param}` parameter syntax (removed in Neo4j 4.0)",
    docs: r#"## What it does
Flags parameters written in the 3.x form `{name}`.

## Why it matters
The form was deprecated in 3.0 and removed in 4.0: every supported Neo4j version rejects it
with "The old parameter syntax `{param}` is no longer supported".

## Example
```cypher
MATCH (p:Person) WHERE p.id = {id} RETURN p;
```

## Use instead
```cypher
MATCH (p:Person) WHERE p.id = $id RETURN p;
```
"#,
    ..identity::legacy_parameter
};

impl Rule for LegacyParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::EXPR
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_expr(&self, _cx: &FileContext, e: &Expr, _site: ExprSite, out: &mut Findings) {
        let ExprKind::Parameter(p) = &e.kind else { return };
        if !p.legacy {
            return;
        }
        let modern = if p.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            format!("${}", p.name)
        } else {
            format!("$`{}`", p.name.replace('`', "``"))
        };
        out.report(&META, e.span, format!("`{{{}}}` parameter syntax was removed in Neo4j 4.0", p.name))
            .help(format!("write `{modern}`"))
            .fix(Fix::safe(format!("replace with `{modern}`"), vec![Edit::replace(e.span, modern)]));
    }
}
