use super::util::*;
use super::*;
use crate::ast::{Clause, EntityKind, ExprKind, StatementKind};
use crate::schema::Catalog;

pub struct MergeWithoutConstraint;

pub static META: RuleMeta = RuleMeta {
    name: "merge-without-constraint",
    code: "CM021",
    severity: Severity::Warning,
    category: Category::Correctness,
    summary: "MERGE on a key with no uniqueness constraint behind it",
    docs: r#"## What it does
Flags `MERGE (n:Label {key: …})` when no uniqueness or key constraint on `Label(key)` exists
in this migration (before the statement) or an earlier one.

## Why it matters
Without a constraint, `MERGE` is a read followed by a create with no lock on the key: two
concurrent writers both see nothing and both create, leaving duplicates that later `MERGE`s
match arbitrarily. The constraint also gives `MERGE` an index; without one every `MERGE` scans
the label.

## Example
```cypher
MERGE (c:Customer {guid: $guid});
```

## Use instead
In an earlier migration:
```cypher
CREATE CONSTRAINT customer_guid_unique IF NOT EXISTS FOR (c:Customer) REQUIRE c.guid IS UNIQUE;
```
then keep the `MERGE`.
"#,
    fixable: false,
};

impl Rule for MergeWithoutConstraint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        let catalog = cx.catalog_at(stmt);
        for sq in q.single_queries() {
            check_clauses(&sq.clauses, &[], catalog, out);
        }
    }
}

fn check_clauses(clauses: &[Clause], outer: &[String], catalog: &Catalog, out: &mut Findings) {
    for (i, c) in clauses.iter().enumerate() {
        let mut bound = outer.to_vec();
        bound.extend(variables_in_scope(clauses, i));
        match c {
            Clause::Merge(m) => {
                for node in path_nodes(&m.pattern.path) {
                    if node.variable.as_ref().is_some_and(|v| bound.contains(&v.value)) {
                        continue;
                    }
                    let Some(ExprKind::Map(map)) = node.properties.as_ref().map(|p| &p.kind) else { continue };
                    let Some(labels) = node.labels.as_ref().map(|l| l.required_names()) else { continue };
                    if labels.is_empty() || map.entries.is_empty() {
                        continue;
                    }
                    let keys: Vec<&str> = map.entries.iter().map(|e| e.key.value.as_str()).collect();
                    if labels
                        .iter()
                        .any(|l| catalog.unique_constraint_covering(EntityKind::Node, &l.value, &keys).is_some())
                    {
                        continue;
                    }
                    let label = &labels[0].value;
                    let key = keys[0];
                    out.report(
                        &META,
                        node.span,
                        format!("MERGE on `:{label}({})` with no uniqueness constraint behind it", keys.join(", ")),
                    )
                    .help(format!(
                        "concurrent MERGEs can create duplicates and every MERGE scans the label; add `CREATE CONSTRAINT {}_{}_unique IF NOT EXISTS FOR (n:{}) REQUIRE n.{} IS UNIQUE` in an earlier migration",
                        snake_case(label),
                        snake_case(key),
                        quote_name(label),
                        quote_name(key)
                    ));
                }
            }
            Clause::Foreach(f) => check_clauses(&f.clauses, &bound, catalog, out),
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries() {
                    check_clauses(&sq.clauses, &bound, catalog, out);
                }
            }
            _ => {}
        }
    }
}
