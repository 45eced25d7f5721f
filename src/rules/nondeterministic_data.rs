use super::*;
use crate::ast::Clause;
use crate::semantic::expr::volatile_calls;

pub struct NondeterministicData;

pub static META: RuleMeta = RuleMeta {
    summary: "MERGE keyed on a random or time-dependent value",
    docs: r#"## What it does
Flags `MERGE` patterns whose property values call `randomUUID()`, `rand()`, `timestamp()` or a
temporal function with no argument (`datetime()`, `date()`, `localdatetime()`, `time()`,
`localtime()`).

## Why it matters
The value differs on every run, so the `MERGE` never matches what a previous run created: it
behaves like `CREATE`, and a re-run after a partial failure (or running the migration on a
database that already has the data) creates duplicates. Verification and rollback cannot find
the entities again either.

## Example
```cypher
MERGE (a:AuditEntry {id: randomUUID(), migration: 'V12'});
```

## Use instead
```cypher
MERGE (a:AuditEntry {migration: 'V12'})
ON CREATE SET a.id = randomUUID(), a.createdAt = datetime();
```
"#,
    ..identity::nondeterministic_data
};

impl Rule for NondeterministicData {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::CLAUSE
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_clause(&self, _cx: &FileContext, clause: &Clause, _site: ClauseSite, out: &mut Findings) {
        let Clause::Merge(m) = clause else { return };
        for (span, f) in volatile_calls(&m.pattern) {
            out.report(&META, span, format!("MERGE keyed on `{f}()` never matches an earlier run: it always creates"))
                .help("MERGE on the stable key only and set generated values with `ON CREATE SET`");
        }
    }
}
