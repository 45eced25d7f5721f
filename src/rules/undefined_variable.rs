use super::*;
use crate::semantic;

pub struct UndefinedVariable;

pub static META: RuleMeta = RuleMeta {
    summary: "A variable used where it is not bound",
    docs: r#"## What it does
Follows Cypher's scoping rules through the statement — `WITH` and `RETURN` projections
(including `WITH *`), `UNWIND`, `LOAD CSV … AS`, `YIELD`, pattern variables, `FOREACH`, list and
pattern comprehensions, `all/any/none/single`, `reduce`, `EXISTS/COUNT/COLLECT { … }` (which see
the outer scope), `CALL (x) { … }` and importing-`WITH` subqueries (which see only what they
import) and each part of a `UNION` — and reports every variable used where nothing binds it.

## Why it matters
Neo4j rejects the statement ("Variable `c` not defined"). In a hand-written down script this is
found only during the incident that needs the rollback.

## Example
```cypher
MATCH (p:Project)
WHERE c.migrationVersion = '003'
SET p.customerGuid = p.customerId;
```

## Use instead
```cypher
MATCH (p:Project)
WHERE p.migrationVersion = '003'
SET p.customerGuid = p.customerId;
```
"#,
    ..identity::undefined_variable
};

impl Rule for UndefinedVariable {
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
        report(cx.model(stmt).undefined(), out);
    }
    /// Procedures bind variables before their Cypher runs (the driving statement's columns,
    /// the params); when those cannot be known, nothing is reported.
    fn check_embedded(&self, cx: &FileContext, stmt: &Statement, embedding: &EmbeddedCypher, out: &mut Findings) {
        if let Some(bound) = &embedding.bound {
            report(semantic::Model::with_bound(stmt, cx.text(), bound).undefined(), out);
        }
    }
}

fn report(undefined: &[semantic::Undefined], out: &mut Findings) {
    for u in undefined {
        let d = out.report(&META, u.span, format!("variable `{}` is not defined", u.name));
        if let Some(help) = &u.help {
            d.help(help.clone());
        }
    }
}
