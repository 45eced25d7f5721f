use super::util::{statement_class, StatementClass};
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
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
MATCH (p:Person) WHERE p.id IS NULL SET p.id = randomUUID();
```

## Use instead
Two migrations: `V3__person_id_constraint.cypher` with the constraint, and
`V4__backfill_person_id.cypher` with the data change (or keep both, make every statement
idempotent, and suppress this finding with a reason).
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
        if cx.set.change_sets.is_empty() {
            check_unit(cx.script.statements.iter(), "migration", out);
            return;
        }
        // An XML changelog: each change set is a unit of its own (one transaction, recorded
        // as applied on its own); statements outside any change set are one more.
        let mut units: Vec<(Option<usize>, Vec<&Statement>)> = Vec::new();
        for s in &cx.script.statements {
            let unit = cx.set.change_sets.iter().position(|c| c.span.start <= s.span.start && s.span.end <= c.span.end);
            match units.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, list)) => list.push(s),
                None => units.push((unit, vec![s])),
            }
        }
        for (_, statements) in units {
            check_unit(statements.into_iter(), "change set", out);
        }
    }
}

fn check_unit<'a>(statements: impl Iterator<Item = &'a Statement>, unit: &str, out: &mut Findings) {
    let classes: Vec<_> = statements
        .map(|s| (s, statement_class(s)))
        .filter(|(_, c)| matches!(c, StatementClass::Schema | StatementClass::Write))
        .collect();
    let Some((_, first)) = classes.first() else { return };
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
