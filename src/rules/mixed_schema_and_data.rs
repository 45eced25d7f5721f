use super::util::{rerunnable, statement_class, StatementClass};
use super::*;

pub struct MixedSchemaAndData;

pub static META: RuleMeta = RuleMeta {
    name: "mixed-schema-and-data",
    code: "CM008",
    severity: Severity::Warning,
    category: Category::Robustness,
    summary: "Schema and data statements in one migration",
    docs: r#"## What it does
Flags a migration that contains both schema commands (`CREATE`/`DROP INDEX`/`CONSTRAINT`) and
data writes. The finding points at the first statement of the second kind.

## Why it matters
Neo4j forbids schema and data changes in one transaction
(`Neo.ClientError.Transaction.ForbiddenDueToTransactionType`), so the migration runs as several
transactions. If a later one fails, the earlier ones stay committed: the migration is not
atomic, and a re-run starts from a half-applied state.

## Example
```cypher
CREATE CONSTRAINT person_id FOR (p:Person) REQUIRE p.id IS UNIQUE;
MATCH (p:Person) SET p.visits = p.visits + 1;
```

## Use instead
Two migrations: `V3__person_id_constraint.cypher` with the constraint, and
`V4__backfill_person_id.cypher` with the data change — or make every statement re-runnable:
a file whose schema commands all say `IF [NOT] EXISTS` and whose writes have no `CREATE` (MERGE,
SET to a value that does not read the property, DELETE, REMOVE) is not reported, because running
it again finishes what a failure interrupted.
"#,
    fixable: false,
};

impl Rule for MixedSchemaAndData {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        let classes: Vec<_> = cx
            .script
            .statements
            .iter()
            .map(|s| (s, statement_class(s)))
            .filter(|(_, c)| matches!(c, StatementClass::Schema | StatementClass::Write))
            .collect();
        let Some((_, first)) = classes.first() else { return };
        // A failure half-way is then recovered by running the file again. Not so for a
        // neo4j-migrations callback: that tool runs the whole file in one transaction.
        if cx.role != FileRole::Callback && cx.script.statements.iter().all(rerunnable) {
            return;
        }
        let Some((switch, _)) = classes.iter().find(|(_, c)| c != first) else { return };
        let schema = classes.iter().filter(|(_, c)| *c == StatementClass::Schema).count();
        let data = classes.len() - schema;
        let d = out.report(
            &META,
            switch.span,
            format!(
                "this migration mixes {schema} schema and {data} data statement(s), which run in separate transactions"
            ),
        );
        d.help("Neo4j cannot run schema and data changes in one transaction, so the migration is not atomic: a failure leaves the earlier part applied; split it into separate migrations");
    }
}
