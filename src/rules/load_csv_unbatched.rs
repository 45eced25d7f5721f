use super::unbatched_write::{clause_keyword, first_unbatched_write, write_block_end};
use super::fixes::batching_rewrite;
use super::*;
use crate::ast::{Clause, StatementKind};

pub struct LoadCsvUnbatched;

pub static META: RuleMeta = RuleMeta {
    summary: "LOAD CSV feeding writes in a single transaction",
    docs: r#"## What it does
Flags `LOAD CSV` whose rows feed write clauses outside `CALL { … } IN TRANSACTIONS` (and without
the 4.x `USING PERIODIC COMMIT`).

## Why it matters
Every row of the file is written in one transaction: a large file exhausts the heap or hits
`dbms.memory.transaction.total.max`, and nothing is committed until the very end.

## Example
```cypher
LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS row
MERGE (p:Person {id: row.id})
SET p.name = row.name;
```

## Use instead
```cypher
LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS row
CALL (row) {
  MERGE (p:Person {id: row.id})
  SET p.name = row.name
} IN TRANSACTIONS OF 1000 ROWS;
```
The fix performs this rewrite; it is unsafe in the same way as `unbatched-write`'s.
"#,
    ..identity::load_csv_unbatched
};

impl Rule for LoadCsvUnbatched {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        if q.periodic_commit.is_some() {
            return; // periodic-commit reports it
        }
        for sq in q.single_queries() {
            let clauses = &sq.clauses;
            let Some(load) = clauses.iter().position(|c| matches!(c, Clause::LoadCsv(_))) else { continue };
            let Some(w) = first_unbatched_write(clauses) else { continue };
            if w < load {
                continue;
            }
            let d = out.report(
                &META,
                clauses[load].span(),
                format!("`LOAD CSV` feeds `{}` in a single transaction", clause_keyword(&clauses[w])),
            );
            d.help(format!(
                "every row is written in one transaction; wrap the writes in `CALL (…) {{ … }} IN TRANSACTIONS OF {} ROWS`",
                cx.settings.batch_size
            ));
            if q.unions.is_empty() {
                let end = write_block_end(clauses, w);
                let scope = cx.settings.target >= Target::V5;
                let model = cx.model(stmt);
                let bound = model.bound_before(&clauses[w]).map(|b| b.names()).unwrap_or_default();
                let size = cx.settings.batch_size;
                if let Some(edits) = batching_rewrite(cx.text(), clauses, w, end, size, scope, &bound) {
                    d.fix(Fix::unsafe_("run the writes in `CALL { … } IN TRANSACTIONS`", edits));
                }
            }
        }
    }
}
