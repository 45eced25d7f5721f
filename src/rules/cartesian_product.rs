use crate::semantic::expr::referenced_variables;
use crate::semantic::{part_variables, path_nodes};
use super::*;
use crate::ast::{Clause, Expr, ExprKind, NodePattern, PatternPart, StatementKind};
use crate::semantic;

pub struct CartesianProduct;

pub static META: RuleMeta = RuleMeta {
    summary: "Disconnected patterns in one MATCH",
    docs: r#"## What it does
Flags a `MATCH` whose comma-separated patterns share no variable (with each other or with
variables bound earlier), so every row of one is combined with every row of the other.

A pattern pinned to (at most) one node is left alone: one with a node matched on a property
equal to a literal, a parameter or a variable bound before the `MATCH` — inline
(`(u:User {id: $id})`, `{id: row.id}`) or in the `WHERE` (`p.productID = row.productID`).
Combining such a pattern with another one multiplies nothing; only two or more unpinned
components (rows coming from earlier clauses count as one) are reported. Inside a CALL
subquery only what it imports is bound: `CALL (a) { … }`, or a plain `CALL { WITH a … }`; a
plain `CALL { MATCH (a), (b) … }` matches a new `a`, as Neo4j does.

## Why it matters
`MATCH (c:Control), (r:Risk)` produces |Control| × |Risk| rows before any `WHERE` runs. On a
real graph that is millions of rows in one transaction — the migration runs for hours or runs
out of memory. Neo4j itself warns "This query builds a cartesian product".

## Example
```cypher
MATCH (c:Control), (r:Risk)
WHERE c.risk_id = r.id
CREATE (c)-[:MITIGATES]->(r);
```

## Use instead
```cypher
MATCH (c:Control)
MATCH (r:Risk {id: c.risk_id})   // index-backed lookup per control
CREATE (c)-[:MITIGATES]->(r);
```
(with an index or uniqueness constraint on `:Risk(id)`).
"#,
    ..identity::cartesian_product
};

impl Rule for CartesianProduct {
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
            check_clauses(&model, &sq.clauses, out);
        }
    }
}

fn check_clauses(model: &semantic::Model, clauses: &[Clause], out: &mut Findings) {
    for c in clauses {
        match c {
            Clause::Match(m) if m.pattern.parts.len() > 1 => {
                let before = model.bound_before(c);
                let bound = |v: &str| before.is_some_and(|b| b.contains(v));
                for part in disconnected_parts(&m.pattern.parts, &bound, m.where_.as_ref()) {
                    out.report(&META, part.span, "this pattern is not connected to the rest of the MATCH: a cartesian product")
                        .help("every row of one pattern is combined with every row of the other; connect them with a relationship, or MATCH the second one per row with an indexed property");
                }
            }
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries() {
                    check_clauses(model, &sq.clauses, out);
                }
            }
            _ => {}
        }
    }
}

/// The parts after the first connected group, when the parts form several groups. A part that
/// touches an already-bound variable joins the group of bound variables.
/// No part is reported when at most one component is unpinned (see [`pinned_part`]); the rows
/// bound earlier count as an unpinned component when a part joins them.
fn disconnected_parts<'a>(
    parts: &'a [PatternPart],
    bound: &dyn Fn(&str) -> bool,
    where_: Option<&Expr>,
) -> Vec<&'a PatternPart> {
    let vars: Vec<Vec<String>> =
        parts.iter().map(|p| part_variables(p).iter().map(|n| n.value.clone()).collect()).collect();
    // Union-find over parts; index `parts.len()` stands for "already bound".
    let n = parts.len();
    let mut parent: Vec<usize> = (0..=n).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while parent[r] != r {
            r = parent[r];
        }
        parent[x] = r;
        r
    }
    for i in 0..n {
        if vars[i].iter().any(|v| bound(v)) {
            let (a, b) = (find(&mut parent, i), find(&mut parent, n));
            parent[a] = b;
        }
        for j in i + 1..n {
            if vars[i].iter().any(|v| vars[j].contains(v)) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    // Variables of this MATCH: a pin must not refer to them (that is a join, not a pin).
    let own: Vec<String> = vars.iter().flatten().filter(|v| !bound(v)).cloned().collect();
    let mut roots: Vec<(usize, bool)> = Vec::new(); // (group root, pinned)
    let bound_root = find(&mut parent, n);
    for (i, part) in parts.iter().enumerate() {
        let root = find(&mut parent, i);
        let pinned = root != bound_root && pinned_part(part, &own, where_);
        match roots.iter_mut().find(|(r, _)| *r == root) {
            Some(entry) => entry.1 |= pinned,
            None => roots.push((root, pinned)),
        }
    }
    if roots.iter().filter(|(_, pinned)| !pinned).count() <= 1 {
        return Vec::new();
    }
    let mut seen_groups = Vec::new();
    let mut out = Vec::new();
    // The bound group (if any part joined it) counts as the first group.
    if (0..n).any(|i| find(&mut parent, i) == bound_root) {
        seen_groups.push(bound_root);
    }
    for (i, part) in parts.iter().enumerate() {
        let root = find(&mut parent, i);
        if !seen_groups.contains(&root) {
            if !seen_groups.is_empty() {
                out.push(part);
            }
            seen_groups.push(root);
        }
    }
    out
}

/// Whether a part has a node pinned to at most one entity: matched on a property equal to a
/// value that does not depend on this MATCH's own variables (literal, parameter, outer variable).
fn pinned_part(part: &PatternPart, own: &[String], where_: Option<&Expr>) -> bool {
    let independent = |e: &Expr| {
        let mut refs = Vec::new();
        referenced_variables(e, &mut refs);
        !refs.iter().any(|r| own.contains(r)) && !contains_pattern(e)
    };
    let where_pins: Vec<&str> = where_
        .map(|w| semantic::expr::key_pins(w, &independent))
        .unwrap_or_default()
        .into_iter()
        .map(|(v, _)| v.value.as_str())
        .collect();
    path_nodes(&part.path).into_iter().any(|node: &NodePattern| {
        let inline = matches!(node.properties.as_ref().map(|p| &p.kind),
            Some(ExprKind::Map(m)) if m.entries.iter().any(|e| independent(&e.value)));
        inline || node.variable.as_ref().is_some_and(|v| where_pins.contains(&v.value.as_str()))
    })
}

fn contains_pattern(e: &Expr) -> bool {
    let mut found = false;
    crate::visit::for_each_expr(e, &mut |x| found |= matches!(x.kind, ExprKind::Pattern(_)));
    found
}
