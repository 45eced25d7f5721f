use super::text::find_keyword;
use crate::semantic::expr::referenced_variables;
use crate::semantic::item_name;
use super::*;
use crate::ast::{CallSubqueryClause, Clause, ExprKind};
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct CallSubqueryScope;

pub static META: RuleMeta = RuleMeta {
    summary: "`CALL { … }` or `CALL { WITH x … }` (deprecated) instead of `CALL (x) { … }`",
    docs: r#"## What it does
When targeting Neo4j 5 (5.23+) or later, flags CALL subqueries that import variables with a
leading `WITH` instead of the variable scope clause `CALL (x, y) { … }`, and bare `CALL { … }`
subqueries (including `CALL { … } IN TRANSACTIONS`) that have no scope clause at all.

## Why it matters
The importing `WITH` is deprecated since Neo4j 5.23. It also has surprising rules (no aliasing,
no `WHERE`, no `ORDER BY` after it) and makes it easy to forget a variable, which then silently
refers to nothing inside the subquery; the scope clause states the imports up front.

## Example
```cypher
MATCH (p:Project)
CALL {
  WITH p
  SET p.flag = true
} IN TRANSACTIONS OF 1000 ROWS;
```

## Use instead
```cypher
MATCH (p:Project)
CALL (p) {
  SET p.flag = true
} IN TRANSACTIONS OF 1000 ROWS;
```
The fix moves the imported variables into the scope clause and removes the `WITH`. For a bare
`CALL { … }` that imports nothing it inserts `()`: without an importing `WITH` the body sees no
outer variable, so `CALL () { … }` means the same. A leading `WITH` that refers to variables but
is not a plain import (aliases, `WHERE`, `*`) is reported without a fix.
"#,
    ..identity::call_subquery_scope
};

impl Rule for CallSubqueryScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::CLAUSE
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_clause(&self, cx: &FileContext, clause: &Clause, _site: ClauseSite, out: &mut Findings) {
        if let (Clause::CallSubquery(call), true) = (clause, cx.settings.target >= Target::V5) {
            check_call(cx, call, out);
        }
    }
}

fn check_call(cx: &FileContext, call: &CallSubqueryClause, out: &mut Findings) {
    if call.scope.is_some() {
        return;
    }
    if !check_importing_with(cx, call, out) {
        check_bare(cx, call, out);
    }
}

/// A bare `CALL { … }` (no scope clause, no simple importing `WITH`): deprecated since 5.23.
fn check_bare(cx: &FileContext, call: &CallSubqueryClause, out: &mut Findings) {
    let Some(kw) = find_keyword(cx.text(), call.span, "CALL") else { return };
    let brace = find_brace(cx.text(), call.span);
    let span = brace.map_or(kw, |b| Span::new(kw.start, b + 1));
    let d = out.report(
        &META,
        span,
        "`CALL { … }` without a variable scope clause is deprecated: write `CALL () { … }`".to_string(),
    );
    d.help("since Neo4j 5.23 a CALL subquery declares its imports in a variable scope clause, `()` when it imports nothing");
    // Without an importing WITH the body sees no outer variable, so `()` keeps the meaning; a
    // leading WITH that refers to variables (an import with WHERE, aliases, `*`) needs a hand.
    let imports_nothing =
        std::iter::once(&call.body.first).chain(call.body.unions.iter().map(|u| &u.query)).all(|sq| {
            match sq.clauses.first() {
                Some(Clause::With(w)) => {
                    let mut refs = Vec::new();
                    for i in &w.projection.items {
                        referenced_variables(&i.expr, &mut refs);
                    }
                    !w.projection.star && refs.is_empty()
                }
                _ => true,
            }
        });
    if let (Some(brace), true) = (brace, imports_nothing) {
        d.fix(Fix::safe("use `CALL ()`", vec![Edit::insert(brace, "() ")]));
    }
}

/// Reports a simple importing `WITH`; false when the body does not start with one.
fn check_importing_with(cx: &FileContext, call: &CallSubqueryClause, out: &mut Findings) -> bool {
    let Some(Clause::With(w)) = call.body.first.clauses.first() else { return false };
    let simple = w.where_.is_none()
        && w.projection.order_by.is_empty()
        && w.projection.skip.is_none()
        && w.projection.limit.is_none()
        && !w.projection.distinct
        && w.projection.items.iter().all(
            |i| matches!(&i.expr.kind, ExprKind::Variable(v) if i.alias.as_ref().is_none_or(|a| a.value == v.value)),
        );
    if !simple {
        return false;
    }
    let imports: Vec<&str> = w.projection.items.iter().filter_map(item_name).map(|n| n.value.as_str()).collect();
    let scope = if w.projection.star { "*".to_string() } else { imports.join(", ") };
    let d = out.report(&META, w.span, format!("importing `WITH` is deprecated: write `CALL ({scope}) {{ … }}`"));
    d.help("since Neo4j 5.23 a CALL subquery declares its imports in a variable scope clause");
    if !call.body.unions.is_empty() {
        return true;
    }
    let brace = find_brace(cx.text(), call.span);
    let Some(brace) = brace else { return true };
    let rest = &cx.text()[w.span.end..];
    let ws = rest.len() - rest.trim_start().len();
    d.fix(Fix::safe(
        format!("use `CALL ({scope})`"),
        vec![Edit::insert(brace, format!("({scope}) ")), Edit::replace(Span::new(w.span.start, w.span.end + ws), "")],
    ));
    true
}

/// The offset of the subquery's opening `{`.
fn find_brace(text: &str, call: Span) -> Option<usize> {
    let kw = find_keyword(text, call, "CALL")?;
    let after = &text[kw.end..call.end];
    let i = after.find('{')?;
    after[..i].trim().is_empty().then_some(kw.end + i)
}
