use crate::semantic::{clause_writes, path_nodes, path_relationships};
use super::*;
use crate::ast::{Clause, MatchClause, NodePattern, RelationshipPattern, StatementKind};

pub struct LabelLessScan;

pub static META: RuleMeta = RuleMeta {
    summary: "`MATCH (n)` without a label feeding a write",
    docs: r#"## What it does
Flags a `MATCH` pattern with no label on any node, no relationship type and no already-bound
variable, when the query writes.

## Why it matters
Without a label Neo4j scans every node in the database (`AllNodesScan`) and no index can be
used; a write over that set touches — and locks — far more than intended, and usually
indicates a forgotten label.

## Example
```cypher
MATCH (n) WHERE n.legacyId IS NOT NULL
REMOVE n.legacyId;
```

## Use instead
```cypher
MATCH (n:Customer) WHERE n.legacyId IS NOT NULL
REMOVE n.legacyId;
```

## Left alone
A bare `MATCH (n)` (no property, no predicate) in a script run by hand — a `.cypher` file with
no migration beside it: wiping the graph or tagging every node for an import means every node.
"#,
    ..identity::label_less_scan
};

impl Rule for LabelLessScan {
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
        let StatementKind::Query(q) = &stmt.kind else { return };
        let model = cx.model(stmt);
        for sq in q.single_queries() {
            let clauses = &sq.clauses;
            for (i, c) in clauses.iter().enumerate() {
                let Clause::Match(m) = c else { continue };
                if !clauses[i + 1..].iter().any(clause_writes) {
                    continue;
                }
                let before = model.bound_before(c);
                let bound = |v: &str| before.is_some_and(|b| b.contains(v));
                for part in &m.pattern.parts {
                    let nodes = path_nodes(&part.path);
                    let rels = path_relationships(&part.path);
                    let anchored = nodes
                        .iter()
                        .any(|n| n.labels.is_some() || n.variable.as_ref().is_some_and(|v| bound(&v.value)))
                        || rels.iter().any(|r| {
                            r.types.is_some() || r.variable.as_ref().is_some_and(|v| bound(&v.value))
                        });
                    if anchored {
                        continue;
                    }
                    let Some(first) = nodes.first() else { continue };
                    if cx.role == FileRole::Script && every_node_on_purpose(m, &nodes, &rels) {
                        continue;
                    }
                    out.report(&META, first.span, "this MATCH scans every node in the database (no label) and feeds a write")
                        .help("add the label of the nodes you mean, e.g. `(n:Customer)`, so the scan is limited and indexes can be used");
                }
            }
        }
    }
}

/// A bare `MATCH (n)` — no property, no predicate — in a script run by hand means every node:
/// wipe the graph, tag every node for an import. No label was forgotten, and none would keep the
/// meaning. In a migration it is still reported: there the whole-graph write is rarely meant.
fn every_node_on_purpose(m: &MatchClause, nodes: &[&NodePattern], rels: &[&RelationshipPattern]) -> bool {
    m.where_.is_none() && rels.is_empty() && matches!(nodes, [n] if n.properties.is_none() && n.where_.is_none())
}
