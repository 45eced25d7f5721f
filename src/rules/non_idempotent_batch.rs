use crate::semantic::rerun::{self, Rerun, WriteKind};
use super::*;

pub struct NonIdempotentBatch;

pub static META: RuleMeta = RuleMeta {
    summary: "A batched write that a retry would apply twice",
    docs: r#"## What it does
Flags a batched statement of a migration — `CALL { … } IN TRANSACTIONS`, `apoc.periodic.iterate`
or `apoc.periodic.commit`, `USING PERIODIC COMMIT` — whose writes are not idempotent (`CREATE`
of nodes or relationships, `SET n.x = n.x + 1`, `apoc.create.node`) when cymig cannot resume it
exactly either.

Not flagged: idempotent writes (`MERGE`, `SET` of values the statement does not read back,
`REMOVE`, `DELETE` of what matched); writes guarded by what they write (`WHERE NOT EXISTS {
(p)-[:HAS]->(:Q) }` before `CREATE (p)-[:HAS]->(:Q)`, or rows selected by `x.done IS NULL` whose
body sets `x.done`); and a trailing `CALL { … } IN TRANSACTIONS` driven by nothing or by one
`UNWIND` of a fixed list (`UNWIND range(1, 60000) AS i`, perhaps followed by `WITH` clauses
that compute from its rows alone: `WITH i, i * 10 AS j`), batches committed in order (not
`CONCURRENT`), `ON ERROR FAIL` and a literal batch size: each of its batches advances a
checkpoint on the migration's history record in the same inner transaction, and `cymig retry`
resumes after the last committed row.

Only versioned, repeatable and down migrations are checked: they are what a migration tool
re-runs after a failure. A script run by hand is not, and the statement itself runs correctly.

## Why it matters
Batches commit one by one. A failure or a kill after some of them leaves those rows written;
the migration is recorded as failed (or still running), and running it again from the start
writes the committed rows a second time: 60,000 rows planned, 66,000 in the graph. cymig's
`retry` refuses such a re-run (`--force` overrides it), which leaves the repair to a person.

## Example
```cypher
MATCH (s:Sensor)
CALL (s) {
  CREATE (s)-[:HAS_READING]->(:Reading {at: s.lastSeen})
} IN TRANSACTIONS OF 1000 ROWS;
```

## Use instead
```cypher
MATCH (s:Sensor)
WHERE NOT EXISTS { (s)-[:HAS_READING]->(:Reading) }
CALL (s) {
  CREATE (s)-[:HAS_READING]->(:Reading {at: s.lastSeen})
} IN TRANSACTIONS OF 1000 ROWS;
```
or `MERGE` on a key backed by a uniqueness constraint (`MERGE (r:Reading {sensor: s.id})`).
"#,
    ..identity::non_idempotent_batch
};

impl Rule for NonIdempotentBatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        if !matches!(cx.role, FileRole::Up { .. } | FileRole::Down { .. } | FileRole::Repeatable) {
            return;
        }
        let Some(verdict) = rerun::verdict(stmt) else { return };
        let (Rerun::NotIdempotent, Some(write)) = (verdict.rerun, verdict.repeated) else { return };
        out.report(
            &META,
            write.span,
            format!(
                "a retry after some batches of this write committed would apply them twice: it is not idempotent \
                 ({}) and cymig cannot resume it",
                write.kind.describe()
            ),
        )
        .help(match concurrent(stmt) {
            true => format!(
                "{}; or drop `CONCURRENT`: batches committed in order from a fixed `UNWIND` list are resumed exactly",
                rewrite(write.kind)
            ),
            false => rewrite(write.kind).to_string(),
        });
    }
}

fn concurrent(stmt: &Statement) -> bool {
    let crate::ast::StatementKind::Query(q) = &stmt.kind else { return false };
    q.first.clauses.iter().any(|c| {
        matches!(c, crate::ast::Clause::CallSubquery(call)
            if call.in_transactions.as_ref().is_some_and(|tx| tx.concurrency.is_some()))
    })
}

fn rewrite(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::CreateNode | WriteKind::CreatingProcedure => {
            "MERGE the node on its key (`MERGE (r:Row {id: …})`, with a uniqueness constraint on it), or select \
             only the rows not done yet (`WHERE NOT EXISTS { … }` on what the body creates)"
        }
        WriteKind::CreateRelationship => {
            "MERGE the relationship between its matched ends (`MERGE (a)-[:R]->(b)`), or select only the rows not \
             done yet: `WHERE NOT EXISTS { (a)-[:R]->() }` before the batched call"
        }
        WriteKind::SelfReferentialSet | WriteKind::SelfReferentialValue => {
            "select only the rows not done yet (`WHERE n.migrated IS NULL`, and `SET n.migrated = true` in the same \
             body), or compute the value from a property the statement does not write"
        }
    }
}
