use crate::semantic::expr::{conjuncts, referenced_variables};
use crate::semantic::path_nodes;
use super::*;
use crate::ast::{Clause, Expr, ExprKind, StatementKind};

pub struct MergeNullKey;

pub static META: RuleMeta = RuleMeta {
    summary: "MERGE keyed on an input field that may be null",
    docs: r#"## What it does
Flags `MERGE (n:L {key: row.field})` where `row` comes from `LOAD CSV` or `UNWIND` and nothing
before the MERGE filters out rows where that field is null (`WHERE row.field IS NOT NULL`) or
defaults it (`coalesce(row.field, …)`).

## Why it matters
`MERGE` cannot match or create on a null property and fails the whole statement with
"Cannot merge the following node because of null property value for 'key'" — on row 3 million
of an import, rolling all of it back (or, inside `IN TRANSACTIONS`, leaving it half done).

## Example
```cypher
LOAD CSV WITH HEADERS FROM 'file:///customers.csv' AS row
MERGE (c:Customer {id: row.id});
```

## Use instead
```cypher
LOAD CSV WITH HEADERS FROM 'file:///customers.csv' AS row
WITH row WHERE row.id IS NOT NULL
MERGE (c:Customer {id: row.id});
```
"#,
    ..identity::merge_null_key
};

impl Rule for MergeNullKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_statement(&self, _cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        for sq in q.single_queries() {
            check_clauses(&sq.clauses, &[], &[], out);
        }
    }
}

fn check_clauses(clauses: &[Clause], outer_rows: &[String], outer_guards: &[String], out: &mut Findings) {
    let mut rows: Vec<String> = outer_rows.to_vec();
    let mut guarded: Vec<String> = outer_guards.to_vec();
    for c in clauses {
        match c {
            Clause::LoadCsv(l) => rows.push(l.variable.value.clone()),
            Clause::Unwind(u) => rows.push(u.variable.value.clone()),
            Clause::Match(m) => collect_guards(m.where_.as_ref(), &mut guarded),
            Clause::With(w) => collect_guards(w.where_.as_ref(), &mut guarded),
            Clause::Merge(m) => {
                for node in path_nodes(&m.pattern.path) {
                    let Some(ExprKind::Map(map)) = node.properties.as_ref().map(|p| &p.kind) else { continue };
                    for entry in &map.entries {
                        if let Some(field) = row_field(&entry.value, &rows) {
                            if !guarded.contains(&field) {
                                out.report(&META, entry.value.span, format!("MERGE key `{}` comes from `{field}`, which may be null", entry.key.value))
                                    .help(format!("MERGE fails the statement on a null key: filter first with `WITH … WHERE {field} IS NOT NULL`, or default it with `coalesce({field}, …)`"));
                            }
                        }
                    }
                }
            }
            Clause::Foreach(f) => check_clauses(&f.clauses, &rows, &guarded, out),
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries() {
                    check_clauses(&sq.clauses, &rows, &guarded, out);
                }
            }
            _ => {}
        }
    }
}

/// `row.field` / `row['field']` over a row variable: the text `row.field`.
fn row_field(e: &Expr, rows: &[String]) -> Option<String> {
    match &e.kind {
        ExprKind::Property { subject, key } => match &subject.kind {
            ExprKind::Variable(v) if rows.contains(&v.value) => Some(format!("{}.{}", v.value, key.value)),
            _ => None,
        },
        ExprKind::Index { subject, index } => match (&subject.kind, &index.kind) {
            (ExprKind::Variable(v), ExprKind::Literal(crate::ast::Literal::String(s))) if rows.contains(&v.value) => {
                Some(format!("{}.{}", v.value, s.value))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Fields known to be non-null after a WHERE: `x.f IS NOT NULL`, `x.f = …`, `x.f <> ''`.
fn collect_guards(where_: Option<&Expr>, guarded: &mut Vec<String>) {
    let Some(w) = where_ else { return };
    for c in conjuncts(w) {
        let target = match &c.kind {
            ExprKind::IsNull { operand, negated: true } => Some(operand.as_ref()),
            ExprKind::Binary { lhs, .. } => Some(lhs.as_ref()),
            _ => None,
        };
        if let Some(t) = target {
            if let Some(f) = row_field(t, &all_vars(t)) {
                guarded.push(f);
            }
        }
    }
}

fn all_vars(e: &Expr) -> Vec<String> {
    let mut v = Vec::new();
    referenced_variables(e, &mut v);
    v
}
