use crate::semantic::expr::{as_property_of_variable, conjuncts};
use super::*;
use crate::ast::{Clause, EntityKind, Expr, ExprKind, IndexKind, Name, NodePattern, SchemaCommand, StatementKind};
use crate::semantic::Model;
use std::collections::HashMap;
use crate::schema::Catalog;
use crate::span::Span;
use crate::visit::{self, Visitor};

pub struct AwaitIndexes;

pub static META: RuleMeta = RuleMeta {
    summary: "Data statements relying on an index created in the same migration without awaiting it",
    docs: r#"## What it does
Flags a statement that looks nodes up by `:Label(prop)` after the same migration created an
index on `:Label(prop)`, with no `CALL db.awaitIndexes()` (or `db.awaitIndex(name)`) between
them. Constraints are not concerned: Neo4j creates them synchronously. Only lookups count —
`MATCH`/`MERGE` patterns and `WHERE n.p = …`, not `CREATE` — and not a lookup whose node is
also matched on a key backed by a uniqueness or key constraint. One finding per looked-up
node and index, however many of the index's properties the lookup uses.

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
    ..identity::await_indexes
};

impl Rule for AwaitIndexes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        // (label, property) -> (index id, index name) of the first index on it; one id per
        // created index and label. A map, as a scan per lookup was quadratic in a file.
        let mut pending: HashMap<(String, String), (usize, String)> = HashMap::new();
        let mut next_id = 0;
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
                            pending.entry((l.value.clone(), p.key.value.clone())).or_insert((next_id, name.clone()));
                        }
                        next_id += 1;
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
                    let catalog = cx.catalog_at(stmt);
                    let model = cx.model(stmt);
                    let mut lookups = Lookups::new(&model);
                    lookups.visit_query(q);
                    for lookup in lookups.nodes() {
                        let mut reported: Vec<usize> = Vec::new();
                        // A key backed by a uniqueness or key constraint (online once created)
                        // already serves the lookup.
                        if lookup.keys.iter().any(|(l, p)| constraint_backs(&catalog, l, p)) {
                            continue;
                        }
                        for (label, prop) in &lookup.keys {
                            let Some((id, name)) = pending.get(&(label.clone(), prop.clone())) else {
                                continue;
                            };
                            if reported.contains(id) {
                                continue;
                            }
                            reported.push(*id);
                            out.report(&META, lookup.span, format!("looks up `:{label}({prop})` while {name}, created earlier in this migration, may still be populating"))
                                .help("add `CALL db.awaitIndexes(300);` after the CREATE INDEX so the lookup uses the index");
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// A uniqueness or key constraint whose first property is `property`: its index is online as
/// soon as the constraint exists.
fn constraint_backs(catalog: &Catalog, label: &str, property: &str) -> bool {
    catalog.unique_constraint_led_by(EntityKind::Node, label, property).is_some()
}

fn awaits(q: &crate::ast::Query) -> bool {
    q.first.clauses.iter().any(|c| {
        matches!(c, Clause::CallProcedure(p) if {
            let n = p.procedure.dotted().to_ascii_lowercase();
            n == "db.awaitindexes" || n == "db.awaitindex"
        })
    })
}

/// One looked-up node: its span and the `(label, property)` pairs it is matched on.
struct Lookup {
    span: Span,
    keys: Vec<(String, String)>,
}

/// `(n:L {p: …})` in MATCH and MERGE patterns and `WHERE n.p = …` after a MATCH: lookups.
/// CREATE patterns write, they look nothing up. A WHERE names a variable; the semantic model
/// says which declaration it refers to, so `n` rebound by a projection or in another scope is
/// not taken for an earlier `(n:L)`.
struct Lookups<'m> {
    model: &'m Model,
    found: Vec<(Span, String, String)>,
    /// Each variable's labels and its first node pattern, by the span that declared it.
    labelled: HashMap<Span, (Span, Vec<String>)>,
    /// The MATCH or MERGE being walked: only the variables it declares are looked up by it;
    /// one bound before it is filtered, not found through an index.
    clause: Option<Span>,
}

impl<'m> Lookups<'m> {
    fn new(model: &'m Model) -> Self {
        Lookups { model, found: Vec::new(), labelled: HashMap::new(), clause: None }
    }

    /// The lookups grouped by node, in source order.
    fn nodes(&self) -> Vec<Lookup> {
        let mut out: Vec<Lookup> = Vec::new();
        let mut index: HashMap<Span, usize> = HashMap::new();
        for (span, label, prop) in &self.found {
            let key = (label.clone(), prop.clone());
            match index.get(span) {
                Some(&i) if !out[i].keys.contains(&key) => out[i].keys.push(key),
                Some(_) => {}
                None => {
                    index.insert(*span, out.len());
                    out.push(Lookup { span: *span, keys: vec![key] });
                }
            }
        }
        out
    }

    /// Whether the clause being walked declares `variable` (unknown: no).
    fn declared_here(&self, variable: &Name) -> bool {
        match (self.model.origin(variable.span), self.clause) {
            (Some(origin), Some(clause)) => clause.start <= origin.start && origin.end <= clause.end,
            _ => false,
        }
    }

    fn add_labels(&mut self, variable: &Name, node: Span, labels: impl IntoIterator<Item = String>) {
        let Some(origin) = self.model.origin(variable.span) else { return };
        let (_, known) = self.labelled.entry(origin).or_insert_with(|| (node, Vec::new()));
        for label in labels {
            if !known.contains(&label) {
                known.push(label);
            }
        }
    }
}

impl<'a> Visitor<'a> for Lookups<'_> {
    fn visit_node(&mut self, n: &'a NodePattern) {
        let labels: Vec<String> =
            n.labels.as_ref().map(|l| l.required_names().iter().map(|x| x.value.clone()).collect()).unwrap_or_default();
        let looked_up = n.variable.as_ref().is_none_or(|v| self.declared_here(v));
        if let (true, Some(ExprKind::Map(m))) = (looked_up, n.properties.as_ref().map(|p| &p.kind)) {
            for l in &labels {
                for e in &m.entries {
                    self.found.push((n.span, l.clone(), e.key.value.clone()));
                }
            }
        }
        if let Some(v) = &n.variable {
            self.add_labels(v, n.span, labels);
        }
        visit::walk_node(self, n)
    }

    fn visit_clause(&mut self, c: &'a Clause) {
        if let Clause::Create(_) = c {
            return;
        }
        let outer = self.clause;
        if matches!(c, Clause::Match(_) | Clause::Merge(_)) {
            self.clause = Some(c.span());
        }
        visit::walk_clause(self, c);
        if let Clause::Match(m) = c {
            if let Some(w) = &m.where_ {
                self.where_lookups(w);
            }
        }
        self.clause = outer;
    }
}

impl Lookups<'_> {
    /// `n:L` conjuncts first, as they label `n` for the whole WHERE, then `n.p = …` lookups.
    fn where_lookups(&mut self, w: &Expr) {
        let conjuncts = conjuncts(w);
        for c in &conjuncts {
            let ExprKind::LabelCheck { subject, labels } = &c.kind else { continue };
            let ExprKind::Variable(v) = &subject.kind else { continue };
            let Some(origin) = self.model.origin(v.span) else { continue };
            let Some(&(node, _)) = self.labelled.get(&origin) else { continue };
            let names = labels.required_names().into_iter().map(|l| l.value.clone()).collect::<Vec<_>>();
            self.add_labels(v, node, names);
        }
        for c in &conjuncts {
            let ExprKind::Binary { op: crate::ast::BinaryOp::Eq, lhs, rhs } = &c.kind else { continue };
            for side in [lhs, rhs] {
                let Some((v, key)) = as_property_of_variable(side) else { continue };
                if !self.declared_here(v) {
                    continue;
                }
                let Some(origin) = self.model.origin(v.span) else { continue };
                let Some((node, labels)) = self.labelled.get(&origin) else { continue };
                for label in labels {
                    self.found.push((*node, label.clone(), key.value.clone()));
                }
            }
        }
    }
}
