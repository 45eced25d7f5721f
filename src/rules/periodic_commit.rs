use super::unbatched_write::{first_unbatched_write, write_block_end};
use super::fixes::batching_rewrite;
use super::*;
use crate::ast::{ExprKind, Literal, StatementKind};
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct PeriodicCommit;

pub static META: RuleMeta = RuleMeta {
    summary: "USING PERIODIC COMMIT (removed in Neo4j 5)",
    docs: r#"## What it does
Flags `USING PERIODIC COMMIT [n]` before `LOAD CSV`. It is an error on Neo4j 5 and later (the
clause was removed) and a warning on 4.4 (deprecated there).

## Why it matters
Neo4j 5 rejects the statement with a syntax error, so the migration cannot run after an upgrade.

## Example
```cypher
USING PERIODIC COMMIT 500
LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS row
CREATE (:Person {id: row.id});
```

## Use instead
```cypher
LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS row
CALL (row) {
  CREATE (:Person {id: row.id})
} IN TRANSACTIONS OF 500 ROWS;
```
The fix removes the prefix and wraps the writes, keeping the batch size. Like every
`CALL { … } IN TRANSACTIONS`, the result must run in an auto-commit transaction (cymig's plan
does that).
"#,
    ..identity::periodic_commit
};

impl Rule for PeriodicCommit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        let Some(pc) = &q.periodic_commit else { return };
        let d = out.report(&META, pc.span, "`USING PERIODIC COMMIT` was removed in Neo4j 5");
        if cx.settings.target == Target::V4_4 {
            d.severity(Severity::Warning).message =
                "`USING PERIODIC COMMIT` is deprecated in Neo4j 4.4 and removed in 5".into();
        }
        d.help("use `CALL (row) { … } IN TRANSACTIONS OF n ROWS` around the writes");
        let batch = match pc.batch_size.as_ref().map(|e| &e.kind) {
            Some(ExprKind::Literal(Literal::Integer(n))) if *n > 0 => *n as u64,
            None => 1000,
            _ => return,
        };
        let clauses = &q.first.clauses;
        if !q.unions.is_empty() {
            return;
        }
        let Some(w) = first_unbatched_write(clauses) else { return };
        let end = write_block_end(clauses, w);
        let scope = cx.settings.target >= Target::V5;
        let model = cx.model(stmt);
        let bound = model.bound_before(&clauses[w]).map(|b| b.names()).unwrap_or_default();
        let Some(mut edits) = batching_rewrite(cx.text(), clauses, w, end, batch, scope, &bound) else { return };
        let rest = &cx.text()[pc.span.end..];
        let ws = rest.len() - rest.trim_start().len();
        edits.push(Edit::replace(Span::new(pc.span.start, pc.span.end + ws), ""));
        d.fix(Fix::safe(format!("replace with `CALL {{ … }} IN TRANSACTIONS OF {batch} ROWS`"), edits));
    }
}
