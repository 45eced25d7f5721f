use crate::span::tight;
use super::*;
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct CreateUnique;

pub static META: RuleMeta = RuleMeta {
    summary: "`CREATE UNIQUE` (removed in Neo4j 4.0)",
    docs: r#"## What it does
Flags the 3.x clause `CREATE UNIQUE pattern`.

## Why it matters
`CREATE UNIQUE` was deprecated in 3.x and removed in 4.0: Neo4j 4 and 5 reject the statement with
a syntax error, so the migration fails on any current database.

## Example
```cypher
MATCH (a:Person {id: 1}), (b:Person {id: 2})
CREATE UNIQUE (a)-[:KNOWS]->(b);
```

## Use instead
```cypher
MATCH (a:Person {id: 1}), (b:Person {id: 2})
MERGE (a)-[:KNOWS]->(b);
```
The fix replaces `CREATE UNIQUE` with `MERGE` (one `MERGE` per comma-separated pattern). It is
unsafe: `CREATE UNIQUE` reused whatever part of the pattern already existed and created only the
rest, while `MERGE` matches the whole pattern or creates the whole pattern, so a pattern with
new, unbound nodes can create duplicates where `CREATE UNIQUE` did not. Check patterns whose
nodes are not all bound beforehand.
"#,
    ..identity::create_unique
};

impl Rule for CreateUnique {
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
        let Clause::Create(c) = clause else { return };
        let Some(unique) = c.unique else { return };
        let head = Span::new(c.span.start, unique.end);
        let mut edits = vec![Edit::replace(head, "MERGE")];
        for pair in c.pattern.parts.windows(2) {
            let gap = Span::new(tight(cx.text(), pair[0].span).end, pair[1].span.start);
            edits.push(Edit::replace(gap, " MERGE "));
        }
        let what = if c.pattern.parts.len() > 1 { "one `MERGE` per pattern" } else { "`MERGE`" };
        out.report(&META, head, "`CREATE UNIQUE` was removed in Neo4j 4.0")
            .help(format!(
                "use {what}; unlike `CREATE UNIQUE`, `MERGE` creates the whole pattern when any part of it is missing"
            ))
            .fix(Fix::unsafe_(format!("replace with {what}"), edits));
    }
}
