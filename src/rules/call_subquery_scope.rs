use super::util::{find_keyword, projected_name};
use super::*;
use crate::ast::{CallSubqueryClause, Clause, ExprKind, StatementKind};
use crate::diagnostic::Edit;
use crate::span::Span;
use crate::visit::{self, Visitor};

pub struct CallSubqueryScope;

pub static META: RuleMeta = RuleMeta {
    name: "call-subquery-scope",
    code: "CM027",
    severity: Severity::Warning,
    category: Category::Compatibility,
    summary: "`CALL { WITH x … }` importing WITH (deprecated) instead of `CALL (x) { … }`",
    docs: r#"## What it does
When targeting Neo4j 5 (5.23+) or later, flags CALL subqueries that import variables with a
leading `WITH` instead of the variable scope clause `CALL (x, y) { … }`.

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
The fix moves the imported variables into the scope clause and removes the `WITH`.
"#,
    fixable: true,
};

impl Rule for CallSubqueryScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        if cx.settings.target < Target::V5 {
            return;
        }
        let StatementKind::Query(q) = &stmt.kind else { return };
        struct Calls<'a>(Vec<&'a CallSubqueryClause>);
        impl<'a> Visitor<'a> for Calls<'a> {
            fn visit_clause(&mut self, c: &'a Clause) {
                if let Clause::CallSubquery(s) = c {
                    self.0.push(s);
                }
                visit::walk_clause(self, c)
            }
        }
        let mut calls = Calls(Vec::new());
        calls.visit_query(q);
        for call in calls.0 {
            check_call(cx, call, out);
        }
    }
}

fn check_call(cx: &FileContext, call: &CallSubqueryClause, out: &mut Findings) {
    if call.scope.is_some() {
        return;
    }
    let Some(Clause::With(w)) = call.body.first.clauses.first() else { return };
    let simple = w.where_.is_none()
        && w.projection.order_by.is_empty()
        && w.projection.skip.is_none()
        && w.projection.limit.is_none()
        && !w.projection.distinct
        && w.projection.items.iter().all(
            |i| matches!(&i.expr.kind, ExprKind::Variable(v) if i.alias.as_ref().is_none_or(|a| a.value == v.value)),
        );
    if !simple {
        return;
    }
    let imports: Vec<&str> = w.projection.items.iter().filter_map(projected_name).collect();
    let scope = if w.projection.star { "*".to_string() } else { imports.join(", ") };
    let d = out.report(&META, w.span, format!("importing `WITH` is deprecated: write `CALL ({scope}) {{ … }}`"));
    d.help("since Neo4j 5.23 a CALL subquery declares its imports in a variable scope clause");
    if !call.body.unions.is_empty() {
        return;
    }
    let brace = find_brace(cx.text(), call.span);
    let Some(brace) = brace else { return };
    let rest = &cx.text()[w.span.end..];
    let ws = rest.len() - rest.trim_start().len();
    d.fix(Fix::safe(
        format!("use `CALL ({scope})`"),
        vec![Edit::insert(brace, format!("({scope}) ")), Edit::replace(Span::new(w.span.start, w.span.end + ws), "")],
    ));
}

/// The offset of the subquery's opening `{`.
fn find_brace(text: &str, call: Span) -> Option<usize> {
    let kw = find_keyword(text, call, "CALL")?;
    let after = &text[kw.end..call.end];
    let i = after.find('{')?;
    after[..i].trim().is_empty().then_some(kw.end + i)
}
