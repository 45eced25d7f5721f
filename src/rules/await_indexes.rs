use super::util::*;
use super::*;
use crate::ast::{Clause, Expr, ExprKind, IndexKind, NodePattern, SchemaCommand, StatementKind};
use crate::visit::{self, Visitor};

pub struct AwaitIndexes;

pub static META: RuleMeta = RuleMeta {
    name: "await-indexes",
    code: "CM026",
    severity: Severity::Warning,
    category: Category::Performance,
    summary: "Data statements relying on an index created in the same migration without awaiting it",
    docs: r#"## What it does
Flags a statement that looks nodes up by `:Label(prop)` after the same migration created an
index on `:Label(prop)`, with no `CALL db.awaitIndexes()` (or `db.awaitIndex(name)`) between
them. Constraints are not concerned: Neo4j creates them synchronously.

## Why it matters
`CREATE INDEX` returns at once and the index populates in the background. Until it is online the
planner cannot use it, so the data statement that was meant to be an index seek is a label scan
— in a migration, typically one per row of an import. cymig's own plan waits for new indexes
between steps, but the file is not safe to run with anything else (cypher-shell, other
runners).

## Example
```cypher
CREATE INDEX person_email_index IF NOT EXISTS FOR (p:Person) ON (p.email);
LOAD CSV WITH HEADERS FROM 'file:///emails.csv' AS row
MATCH (p:Person {email: row.email}) SET p.verified = true;
```

## Use instead
```cypher
CREATE INDEX person_email_index IF NOT EXISTS FOR (p:Person) ON (p.email);
CALL db.awaitIndexes(300);
LOAD CSV WITH HEADERS FROM 'file:///emails.csv' AS row
MATCH (p:Person {email: row.email}) SET p.verified = true;
```
"#,
    fixable: false,
};

impl Rule for AwaitIndexes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        let mut pending: Vec<(String, String, String)> = Vec::new(); // (label, property, index name)
        for stmt in &cx.script.statements {
            match &stmt.kind {
                StatementKind::Schema(SchemaCommand::CreateIndex(c))
                    if matches!(
                        c.kind,
                        IndexKind::Default | IndexKind::Range | IndexKind::Text | IndexKind::Point | IndexKind::Btree
                    ) =>
                {
                    let name =
                        c.name.as_ref().map_or_else(|| "the new index".to_string(), |n| format!("`{}`", n.value));
                    for l in &c.entity.labels {
                        for p in &c.properties {
                            pending.push((l.value.clone(), p.key.value.clone(), name.clone()));
                        }
                    }
                }
                StatementKind::Query(q) => {
                    if awaits(q) {
                        pending.clear();
                        continue;
                    }
                    if pending.is_empty() {
                        continue;
                    }
                    let mut lookups = Lookups::default();
                    lookups.visit_query(q);
                    for (node, label, prop) in lookups.found {
                        if let Some((_, _, name)) = pending.iter().find(|(l, p, _)| *l == label && *p == prop) {
                            out.report(&META, node, format!("looks up `:{label}({prop})` while {name}, created earlier in this migration, may still be populating"))
                                .help("add `CALL db.awaitIndexes(300);` after the CREATE INDEX so the lookup uses the index");
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn awaits(q: &crate::ast::Query) -> bool {
    q.first.clauses.iter().any(|c| {
        matches!(c, Clause::CallProcedure(p) if {
            let n = p.procedure.dotted().to_ascii_lowercase();
            n == "db.awaitindexes" || n == "db.awaitindex"
        })
    })
}

/// `(n:L {p: …})` and `WHERE n.p = …` lookups, as (node span, label, property).
#[derive(Default)]
struct Lookups {
    found: Vec<(crate::span::Span, String, String)>,
    labelled: Vec<(String, String, crate::span::Span)>, // (variable, label, node span)
}

impl<'a> Visitor<'a> for Lookups {
    fn visit_node(&mut self, n: &'a NodePattern) {
        let labels: Vec<String> =
            n.labels.as_ref().map(|l| l.required_names().iter().map(|x| x.value.clone()).collect()).unwrap_or_default();
        if let Some(ExprKind::Map(m)) = n.properties.as_ref().map(|p| &p.kind) {
            for l in &labels {
                for e in &m.entries {
                    self.found.push((n.span, l.clone(), e.key.value.clone()));
                }
            }
        }
        if let Some(v) = &n.variable {
            for l in &labels {
                self.labelled.push((v.value.clone(), l.clone(), n.span));
            }
        }
        visit::walk_node(self, n)
    }

    fn visit_clause(&mut self, c: &'a Clause) {
        visit::walk_clause(self, c);
        if let Clause::Match(m) = c {
            if let Some(w) = &m.where_ {
                self.where_lookups(w);
            }
        }
    }
}

impl Lookups {
    fn where_lookups(&mut self, w: &Expr) {
        for c in conjuncts(w) {
            let ExprKind::Binary { op: crate::ast::BinaryOp::Eq, lhs, rhs } = &c.kind else { continue };
            for side in [lhs, rhs] {
                if let Some((v, key)) = as_property_of_variable(side) {
                    let matches: Vec<_> = self.labelled.iter().filter(|(var, _, _)| *var == v.value).cloned().collect();
                    for (_, label, span) in matches {
                        self.found.push((span, label, key.value.clone()));
                    }
                }
            }
        }
    }
}
