use super::fixes::batching_rewrite;
use crate::semantic::expr::{as_property_of_variable, conjuncts, is_aggregating, is_call_to, is_constant};
use crate::semantic::{clause_writes, path_nodes, written_nodes};
use super::*;
use crate::ast::{
    Clause, EntityKind, Expr, ExprKind, MatchClause, NodePattern, PatternPart, Query, SingleQuery, Statement,
    StatementKind,
};
use crate::schema::Catalog;
use std::collections::HashSet;

pub struct UnbatchedWrite;

pub static META: RuleMeta = RuleMeta {
    summary: "A write over a label-wide or unbounded read in one transaction",
    docs: r#"## What it does
Flags `SET`, `REMOVE`, `DELETE`, `CREATE` and `MERGE` driven by a `MATCH` or `OPTIONAL MATCH`
that is not pinned to a key (a label-wide scan, possibly filtered) when the write is not inside
`CALL { … } IN TRANSACTIONS` or `apoc.periodic.iterate` and not bounded by `LIMIT`.

A `MATCH` counts as pinned when one of its nodes is already bound, is given a constant for a
key property (one with a uniqueness/key constraint, or named like `id`, `uuid`, `…Id`) in its
inline property map (`(p:Project {id: $id})`) or in a `WHERE` equality, or is compared by
`elementId()`/`id()`. An inline `name`, `title` or `version` constant (`{name: 'awareness'}`,
`(m:MigrationLog {version: '3'})`) is also taken as naming one entity. A constant on any other property, inline (`(d:Doc {manual: true})`) or in
`WHERE` (`WHERE p.status = 'archived'`), is a filter: it still reads the whole label. A
`WITH` that bounds the rows (`LIMIT`, or only aggregates such as `WITH count(n) AS cnt`) between
the `MATCH` and the write ends the concern, and so does a `MATCH` pinned to a few nodes: by a
key (`{id: …}`, a uniqueness constraint — composite keys when all their properties are given —,
or a per-row key lookup such as `{id: row.id}` after `UNWIND`), or by a constant that an earlier
statement of the same file created the node with (`CREATE (:Level {level: 'basic'})`, then
`MATCH (l:Level {level: 'basic'})`).

## Why it matters
The whole update runs in one transaction: on a large graph the transaction state exhausts the
heap (`Neo.TransientError.General.MemoryPoolOutOfMemoryError`), and the locks it holds block
every other writer for the duration.

## Example
```cypher
MATCH (p:Project)
WHERE p.priority IS NULL
SET p.priority = 'medium';
```

## Use instead
```cypher
MATCH (p:Project)
WHERE p.priority IS NULL
CALL (p) {
  SET p.priority = 'medium'
} IN TRANSACTIONS OF 1000 ROWS;
```
The fix performs this rewrite (importing-`WITH` form on Neo4j 4.4). It is marked unsafe:
batched writes commit as they go, so a failure leaves the earlier batches applied — make the
statement idempotent (as the filter above does) before applying it.
"#,
    ..identity::unbatched_write
};

impl Rule for UnbatchedWrite {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        let mut seeded = Seeded::default();
        for stmt in &cx.script.statements {
            let StatementKind::Query(q) = &stmt.kind else { continue };
            if q.periodic_commit.is_none() {
                let catalog = cx.catalog_at(stmt);
                let pins = Pins { catalog: &catalog, seeded: &seeded };
                let model = cx.model(stmt);
                for sq in q.single_queries() {
                    check_single_query(cx, &model, q, sq, &pins, out);
                }
            }
            seeded.note(stmt);
        }
    }
}

/// What pins a MATCH to a handful of nodes besides keys: the schema, and the nodes this file
/// created earlier under a constant (`CREATE (:Level {level: 'basic'})` seeds one node, so a
/// later `MATCH (l:Level {level: 'basic'})` finds it, not a whole label).
struct Pins<'a> {
    catalog: &'a Catalog,
    seeded: &'a Seeded,
}

/// `label`, property and constant of every node an earlier CREATE or MERGE of the file wrote.
#[derive(Default)]
struct Seeded(HashSet<(String, String, String)>);

impl Seeded {
    fn note(&mut self, stmt: &Statement) {
        for node in written_nodes(stmt) {
            let Some(ExprKind::Map(map)) = node.properties.as_ref().map(|p| &p.kind) else { continue };
            for label in node.labels.iter().flat_map(|l| l.required_names()) {
                for e in &map.entries {
                    if let Some(v) = literal_key(&e.value) {
                        self.0.insert((label.value.clone(), e.key.value.clone(), v));
                    }
                }
            }
        }
    }

    fn contains(&self, label: &str, property: &str, value: &Expr) -> bool {
        literal_key(value).is_some_and(|v| self.0.contains(&(label.to_string(), property.to_string(), v)))
    }
}

/// A literal as a comparable key (`'basic'` and `"basic"` alike).
fn literal_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(crate::ast::Literal::String(s)) => Some(format!("s:{}", s.value)),
        ExprKind::Literal(l) => Some(format!("{l:?}")),
        _ => None,
    }
}

fn check_single_query(
    cx: &FileContext,
    model: &crate::semantic::Model,
    q: &Query,
    sq: &SingleQuery,
    pins: &Pins,
    out: &mut Findings,
) {
    let clauses = &sq.clauses;
    let Some(w) = first_unbatched_write(clauses) else { return };
    if clauses[..w].iter().any(|c| matches!(c, Clause::LoadCsv(_))) {
        return; // load-csv-unbatched reports it
    }
    let Some(driver) = unbounded_driver(model, clauses, w, pins) else { return };
    let write_kw = clause_keyword(&clauses[w]);
    let d = out.report(
        &META,
        clauses[w].span(),
        format!("`{write_kw}` runs over every row of an unbounded `MATCH` in a single transaction"),
    );
    d.help(format!(
        "the `MATCH` at {} is not pinned to a key; on a large graph one transaction holds every change and lock: batch it with `CALL (…) {{ … }} IN TRANSACTIONS OF {} ROWS`",
        describe_line(cx, driver.span.start),
        cx.settings.batch_size
    ));
    if q.unions.is_empty() {
        let end = write_block_end(clauses, w);
        let scope = cx.settings.target >= Target::V5;
        let bound = model.bound_before(&clauses[w]).map(|b| b.names()).unwrap_or_default();
        if let Some(edits) = batching_rewrite(cx.text(), clauses, w, end, cx.settings.batch_size, scope, &bound) {
            d.fix(Fix::unsafe_(
                format!("run the writes in `CALL {{ … }} IN TRANSACTIONS OF {} ROWS`", cx.settings.batch_size),
                edits,
            ));
        }
    }
}

pub fn describe_line(cx: &FileContext, offset: usize) -> String {
    format!("line {}", cx.source.line_col(offset).line)
}

/// The first top-level clause that writes outside `IN TRANSACTIONS` and APOC batching.
pub fn first_unbatched_write(clauses: &[Clause]) -> Option<usize> {
    clauses.iter().position(|c| match c {
        Clause::CallSubquery(s) => s.in_transactions.is_none() && clause_writes(c),
        Clause::CallProcedure(p) => {
            !crate::semantic::procedures::lookup(&p.procedure.dotted()).commits_on_its_own() && clause_writes(c)
        }
        _ => clause_writes(c),
    })
}

/// Where the batched block ends: before a trailing RETURN or the first later WITH/UNWIND/CALL IN
/// TRANSACTIONS (which cannot move into the subquery without changing the result).
pub fn write_block_end(clauses: &[Clause], from: usize) -> usize {
    clauses[from..]
        .iter()
        .position(|c| {
            matches!(c, Clause::Return(_) | Clause::With(_) | Clause::Unwind(_) | Clause::Finish(_))
                || matches!(c, Clause::CallSubquery(s) if s.in_transactions.is_some())
        })
        .map_or(clauses.len(), |i| from + i)
}

pub fn clause_keyword(c: &Clause) -> &'static str {
    match c {
        Clause::Create(_) => "CREATE",
        Clause::Merge(_) => "MERGE",
        Clause::Set(_) => "SET",
        Clause::Remove(_) => "REMOVE",
        Clause::Delete(d) if d.detach => "DETACH DELETE",
        Clause::Delete(_) => "DELETE",
        Clause::Foreach(_) => "FOREACH",
        Clause::CallSubquery(_) => "CALL { … }",
        Clause::CallProcedure(_) => "CALL",
        _ => "write",
    }
}

/// The first MATCH before `w` that scans without a key, unless a LIMIT bounds the rows first.
fn unbounded_driver<'a>(
    model: &crate::semantic::Model,
    clauses: &'a [Clause],
    w: usize,
    pins: &Pins,
) -> Option<&'a MatchClause> {
    let mut driver = None;
    for c in &clauses[..w] {
        match c {
            Clause::Match(m) if driver.is_none() => {
                let before = model.bound_before(c);
                let bound = |v: &str| before.is_some_and(|b| b.contains(v));
                if !match_is_pinned(m, &bound, pins) {
                    driver = Some(m);
                }
            }
            Clause::With(wc) if driver.is_some() && wc.projection.limit.is_some() => driver = None,
            // `WITH count(n) AS cnt`: aggregating without a grouping key leaves a single row.
            Clause::With(wc)
                if driver.is_some()
                    && !wc.projection.star
                    && !wc.projection.items.is_empty()
                    && wc.projection.items.iter().all(|i| is_aggregating(&i.expr)) =>
            {
                driver = None
            }
            _ => {}
        }
    }
    driver
}

/// Whether every pattern part of the MATCH is anchored to a bound variable or a key.
fn match_is_pinned(m: &MatchClause, bound: &dyn Fn(&str) -> bool, pins: &Pins) -> bool {
    m.pattern.parts.iter().all(|p| part_is_pinned(p, m, bound, pins))
}

fn part_is_pinned(part: &PatternPart, m: &MatchClause, bound: &dyn Fn(&str) -> bool, pins: &Pins) -> bool {
    path_nodes(&part.path).iter().any(|n| node_is_pinned(n, m, bound, pins))
}

fn node_is_pinned(n: &NodePattern, m: &MatchClause, bound: &dyn Fn(&str) -> bool, pins: &Pins) -> bool {
    let catalog = pins.catalog;
    let labels: Vec<&str> = n
        .labels
        .as_ref()
        .map(|l| l.required_names().into_iter().map(|x| x.value.as_str()).collect())
        .unwrap_or_default();
    let is_key = |prop: &str| is_key_like(prop) || labels.iter().any(|l| catalog.is_unique_property(l, prop));
    if let Some(v) = &n.variable {
        if bound(&v.value) {
            return true;
        }
    }
    if let Some(ExprKind::Map(map)) = n.properties.as_ref().map(|p| &p.kind) {
        // A constant on a key names specific entities: `{id: $id}`; a constant on any other
        // property (`{manual: true}`) is a filter that can match any number of nodes.
        // A constant `name`/`title`/`version` is taken as naming one entity: `{version: '3'}`.
        if map.entries.iter().any(|e| {
            is_constant(&e.value)
                && (is_key(&e.key.value)
                    || (["name", "title", "version"].contains(&e.key.value.as_str())
                        && matches!(&e.value.kind, ExprKind::Literal(_) | ExprKind::Parameter(_)))
                    || labels.iter().any(|l| pins.seeded.contains(l, &e.key.value, &e.value)))
        }) {
            return true;
        }
        // A per-row lookup (`{id: row.id}` after UNWIND) finds one node per row: how many rows
        // there are is the business of whatever produced them, not of this MATCH. Composite
        // keys count when every property of a key constraint is given.
        let per_row: Vec<&str> =
            map.entries.iter().filter(|e| is_row_value(&e.value, bound)).map(|e| e.key.value.as_str()).collect();
        if per_row.iter().any(|p| is_key(p))
            || labels.iter().any(|l| catalog.unique_constraint_covering(EntityKind::Node, l, &per_row).is_some())
        {
            return true;
        }
    }
    let Some(var) = &n.variable else { return false };
    let preds = m.where_.iter().chain(n.where_.iter()).flat_map(conjuncts);
    for p in preds {
        let ExprKind::Binary { op, lhs, rhs } = &p.kind else { continue };
        if !matches!(op, crate::ast::BinaryOp::Eq | crate::ast::BinaryOp::In) {
            continue;
        }
        for (a, b) in [(lhs, rhs), (rhs, lhs)] {
            if !is_constant(b) {
                continue;
            }
            if let Some((v, key)) = as_property_of_variable(a) {
                if v.value == var.value && is_key(&key.value) {
                    return true;
                }
            }
            if (is_call_to(a, "elementId") || is_call_to(a, "id"))
                && matches!(&a.kind, ExprKind::FunctionCall { args, .. } if matches!(args.first().map(|x| &x.kind), Some(ExprKind::Variable(v)) if v.value == var.value))
            {
                return true;
            }
        }
    }
    false
}

/// Property names that are keys by convention: `id`, `uuid`, `guid`, `key`, `…Id`, `…_id`.
pub fn is_key_like(prop: &str) -> bool {
    let lower = prop.to_ascii_lowercase();
    ["id", "uuid", "guid", "key", "code", "slug"].contains(&lower.as_str())
        || ["id", "uuid", "guid", "key"]
            .iter()
            .any(|s| lower.ends_with(&format!("_{s}")) || (prop.len() > s.len() && prop.ends_with(&capitalize(s))))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

/// A value computed from the row only: constants and variables already bound, no aggregation.
fn is_row_value(e: &Expr, bound: &dyn Fn(&str) -> bool) -> bool {
    !is_aggregating(e)
        && !crate::visit::any_expr(e, &mut |x| match &x.kind {
            ExprKind::Variable(v) => !bound(&v.value),
            ExprKind::Pattern(_) | ExprKind::Exists(_) | ExprKind::Count(_) | ExprKind::Collect(_) => true,
            _ => false,
        })
}
