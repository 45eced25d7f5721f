use super::*;
use crate::ast::{ExprKind, Literal};

pub struct CaseWhenNull;

pub static META: RuleMeta = RuleMeta {
    summary: "`CASE x WHEN null` never matches",
    docs: r#"## What it does
Flags `WHEN null` in a simple `CASE x WHEN …` expression, and comparisons `= null` / `<> null`.

## Why it matters
A simple `CASE` compares with `=`, and `x = null` is `null`, never `true`: the branch never runs
and the migration silently writes the `ELSE` value (or null) instead.

## Example
```cypher
MATCH (p:Project)
SET p.status = CASE p.state WHEN null THEN 'unknown' ELSE p.state END;
```

## Use instead
```cypher
MATCH (p:Project)
SET p.status = CASE WHEN p.state IS NULL THEN 'unknown' ELSE p.state END;
```
(or `coalesce(p.state, 'unknown')`).
"#,
    ..identity::case_when_null
};

impl Rule for CaseWhenNull {
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
        match &e.kind {
            ExprKind::Case { subject: Some(_), alternatives, .. } => {
                for alt in alternatives {
                    if matches!(alt.when.kind, ExprKind::Literal(Literal::Null)) {
                        out.report(
                            &META,
                            alt.when.span,
                            "`WHEN null` never matches: a simple CASE compares with `=`, and `x = null` is null",
                        )
                        .help("use a generic `CASE WHEN x IS NULL THEN …`, or `coalesce(x, …)`");
                    }
                }
            }
            ExprKind::Binary { op: op @ (crate::ast::BinaryOp::Eq | crate::ast::BinaryOp::NotEq), lhs, rhs }
                if [lhs, rhs].iter().any(|x| matches!(x.kind, ExprKind::Literal(Literal::Null))) =>
            {
                let (bad, good) =
                    if *op == crate::ast::BinaryOp::Eq { ("= null", "IS NULL") } else { ("<> null", "IS NOT NULL") };
                out.report(&META, e.span, format!("`{bad}` is always null, never true")).help(format!("use `{good}`"));
            }
            _ => {}
        }
    }
}
