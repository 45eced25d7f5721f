use super::text::{quote_name, snake_case};
use super::*;
use crate::ast::{Clause, EntityKind, ExprKind, StatementKind};
use crate::schema::Catalog;
use crate::semantic::{path_nodes, Model};

pub struct MergeWithoutConstraint;

pub static META: RuleMeta = RuleMeta {
    summary: "MERGE on a key with no uniqueness constraint behind it",
    docs: r#"## What it does
Flags `MERGE (n:Label {key: …})` when no uniqueness or key constraint on `Label(key)` exists
in this migration (before the statement) or an earlier one. A key of several properties
calls for a constraint on all of them (`REQUIRE (n.a, n.b) IS UNIQUE`, or `IS NODE KEY`).
Several MERGEs on the same label and key in one file are reported once, at the first.
A standalone script (outside a migration set's ordering: `schema.cypher` beside `load.cypher`)
is also backed by a constraint any standalone script of its folder declares, in either syntax
(`REQUIRE … IS UNIQUE` or the legacy `ON … ASSERT … IS UNIQUE`).

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

## Left alone
In a script run by hand (a `.cypher` file with no migration beside it) a MERGE whose key has an
index: one writer cannot race itself, and the index spares the scans.
"#,
    ..identity::merge_without_constraint
};

impl Rule for MergeWithoutConstraint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        let mut unbacked: Vec<Unbacked> = Vec::new();
        for stmt in &cx.script.statements {
            let StatementKind::Query(q) = &stmt.kind else { continue };
            let catalog = cx.catalog_at(stmt);
            let first_new = unbacked.len();
            let model = cx.model(stmt);
            for sq in q.single_queries() {
                check_clauses(&model, &sq.clauses, &[&catalog, &*cx.set.scripts_catalog], &mut unbacked);
            }
            if cx.role == FileRole::Script {
                forgive_indexed_keys(&mut unbacked, first_new, &[&catalog, &*cx.set.scripts_catalog]);
            }
            for (_, embedding) in crate::visit::embedded_cypher(stmt) {
                let outer = embedding.bound.clone().unwrap_or_default();
                for s in &embedding.statements {
                    let Some(q) = s.as_query() else { continue };
                    let model = Model::with_bound(s, cx.text(), &outer);
                    for sq in q.single_queries() {
                        check_clauses(&model, &sq.clauses, &[&catalog, &*cx.set.scripts_catalog], &mut unbacked);
                    }
                }
            }
        }
        // One finding per (label, keys): the first MERGE, with how many share it.
        // Counted in one pass: a scan per MERGE was quadratic in a file of many MERGEs.
        let mut counts: std::collections::HashMap<(&str, &[String]), usize> = std::collections::HashMap::new();
        for u in &unbacked {
            *counts.entry((&u.label, &u.keys)).or_default() += 1;
        }
        for u in &unbacked {
            let Some(count) = counts.remove(&(u.label.as_str(), u.keys.as_slice())) else { continue };
            let shared = if count > 1 { format!(" ({count} MERGEs in this file on this key)") } else { String::new() };
            let (label, keys) = (&u.label, &u.keys);
            let constraint = if keys.len() == 1 {
                format!(
                    "CREATE CONSTRAINT {}_{}_unique IF NOT EXISTS FOR (n:{}) REQUIRE n.{} IS UNIQUE",
                    snake_case(label),
                    snake_case(&keys[0]),
                    quote_name(label),
                    quote_name(&keys[0])
                )
            } else {
                format!(
                    "CREATE CONSTRAINT {}_{}_unique IF NOT EXISTS FOR (n:{}) REQUIRE ({}) IS UNIQUE",
                    snake_case(label),
                    keys.iter().map(|k| snake_case(k)).collect::<Vec<_>>().join("_"),
                    quote_name(label),
                    keys.iter().map(|k| format!("n.{}", quote_name(k))).collect::<Vec<_>>().join(", ")
                )
            };
            let key_note = if keys.len() > 1 { " (or `IS NODE KEY` on Enterprise Edition)" } else { "" };
            out.report(
                &META,
                u.span,
                format!("MERGE on `:{label}({})` with no uniqueness constraint behind it{shared}", keys.join(", ")),
            )
            .help(format!(
                "concurrent MERGEs can create duplicates and every MERGE scans the label; add `{constraint}`{key_note} in an earlier migration"
            ));
        }
    }
}

/// A script run by hand has one writer, so duplicates from concurrent MERGEs are not its risk;
/// an index on the key (often a temporary import index) spares the label scans.
fn forgive_indexed_keys(unbacked: &mut Vec<Unbacked>, from: usize, catalogs: &[&Catalog]) {
    let indexed =
        |u: &Unbacked| catalogs.iter().any(|c| u.keys.iter().any(|k| c.has_index_on(EntityKind::Node, &u.label, k)));
    let mut tail = unbacked.split_off(from);
    tail.retain(|u| !indexed(u));
    unbacked.extend(tail);
}

/// A MERGE node with no constraint behind its key.
struct Unbacked {
    span: crate::span::Span,
    label: String,
    keys: Vec<String>,
}

/// `catalogs`: the schema before the statement, and (standalone scripts) what the set's other
/// scripts declare. A node bound before the MERGE is matched, not merged on its key.
fn check_clauses(model: &Model, clauses: &[Clause], catalogs: &[&Catalog], out: &mut Vec<Unbacked>) {
    for c in clauses {
        match c {
            Clause::Merge(m) => {
                let before = model.bound_before(c);
                for node in path_nodes(&m.pattern.path) {
                    if node.variable.as_ref().is_some_and(|v| before.is_some_and(|b| b.contains(&v.value))) {
                        continue;
                    }
                    let Some(ExprKind::Map(map)) = node.properties.as_ref().map(|p| &p.kind) else { continue };
                    let Some(labels) = node.labels.as_ref().map(|l| l.required_names()) else { continue };
                    if labels.is_empty() || map.entries.is_empty() {
                        continue;
                    }
                    let keys: Vec<&str> = map.entries.iter().map(|e| e.key.value.as_str()).collect();
                    if labels.iter().any(|l| {
                        catalogs
                            .iter()
                            .any(|c| c.unique_constraint_covering(EntityKind::Node, &l.value, &keys).is_some())
                    }) {
                        continue;
                    }
                    out.push(Unbacked {
                        span: node.span,
                        label: labels[0].value.clone(),
                        keys: keys.iter().map(|k| k.to_string()).collect(),
                    });
                }
            }
            Clause::Foreach(f) => check_clauses(model, &f.clauses, catalogs, out),
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries() {
                    check_clauses(model, &sq.clauses, catalogs, out);
                }
            }
            _ => {}
        }
    }
}
