use crate::semantic::{rerunnable, statement_class, StatementClass};
use super::*;

pub struct MixedSchemaAndData;

pub static META: RuleMeta = RuleMeta {
    summary: "Schema and data statements in one migration",
    docs: r#"## What it does
Flags a migration that contains both schema commands (`CREATE`/`DROP INDEX`/`CONSTRAINT`) and
data writes. The finding points at the first statement of the second kind. In an XML changelog
(Liquibase, Liquigraph) the unit is the change set: schema and data in separate change sets are
fine.

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
    ..identity::mixed_schema_and_data
};

impl Rule for MixedSchemaAndData {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        if cx.is_test_fixture() {
            return;
        }
        if cx.set.change_sets.is_empty() {
            let unit = if cx.role == FileRole::Script { "script" } else { "migration" };
            check_unit(cx, &cx.script.statements.iter().collect::<Vec<_>>(), unit, out);
            return;
        }
        // An XML changelog: each change set is a unit of its own (one transaction, recorded
        // as applied on its own); statements outside any change set are one more. Statements
        // and change sets are both in file order, so one cursor walks the change sets.
        let mut units: std::collections::BTreeMap<Option<usize>, Vec<&Statement>> = Default::default();
        let mut cursor = 0;
        for s in &cx.script.statements {
            let sets = &cx.set.change_sets;
            while cursor < sets.len() && sets[cursor].span.end < s.span.end {
                cursor += 1;
            }
            let inside = sets.get(cursor).is_some_and(|c| c.span.start <= s.span.start && s.span.end <= c.span.end);
            units.entry(inside.then_some(cursor)).or_default().push(s);
        }
        for statements in units.values() {
            check_unit(cx, statements, "change set", out);
        }
    }
}

fn check_unit(cx: &FileContext, statements: &[&Statement], unit: &str, out: &mut Findings) {
    let classes: Vec<_> = statements
        .iter()
        .map(|s| (*s, statement_class(s)))
        .filter(|(_, c)| matches!(c, StatementClass::Schema | StatementClass::Write))
        .collect();
    let Some((_, first)) = classes.first() else { return };
    // A failure half-way is then recovered by running the unit again. Not so for a
    // neo4j-migrations callback: that tool runs the whole file in one transaction.
    if cx.role != FileRole::Callback && statements.iter().all(|s| rerunnable(s)) {
        return;
    }
    let Some((switch, _)) = classes.iter().find(|(_, c)| c != first) else { return };
    let schema = classes.iter().filter(|(_, c)| *c == StatementClass::Schema).count();
    let data = classes.len() - schema;
    let d = out.report(
        &META,
        switch.span,
        format!("this {unit} mixes {schema} schema and {data} data statement(s), which run in separate transactions"),
    );
    d.help(format!("Neo4j cannot run schema and data changes in one transaction, so the {unit} is not atomic: a failure leaves the earlier part applied; split it into separate {unit}s"));
}
