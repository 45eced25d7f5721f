use crate::semantic::{part_variables, path_nodes, path_relationships, written_nodes};
use super::*;
use crate::ast::{Clause, EmbeddedCypher, ExprKind, MatchClause, StatementKind};
use std::collections::HashMap;

pub struct DestructiveDelete;

pub static META: RuleMeta = RuleMeta {
    summary: "Deleting a whole label, relationship type or the whole graph",
    docs: r#"## What it does
Flags `DELETE` / `DETACH DELETE` of a variable matched with no filter at all: every node
(`MATCH (n)`, an error), every node of a label (`MATCH (n:Label)`), or every relationship of a
type. A `WHERE`, an inline property map or a `LIMIT` counts as a bound.

## Why it matters
In a migration this is almost always a mistake (a forgotten `WHERE`, a test-reset script that
slipped into the migration set) and it cannot be undone without restoring a backup.

## Example
```cypher
MATCH (n) DETACH DELETE n;
MATCH (s:Session) DETACH DELETE s;
```

## Use instead
```cypher
MATCH (s:Session) WHERE s.expiresAt < datetime() - duration('P30D')
CALL (s) { DETACH DELETE s } IN TRANSACTIONS OF 1000 ROWS;
```
If deleting everything is really intended, suppress the finding with a reason. A script outside
any migration directory whose name says it resets (`reset.cypher`, `teardown.cypher`,
`cleanup_data.cypher`, `wipe.cypher`, …) deletes on purpose and is left alone; in other such
scripts deleting every node is a warning, not an error, and a delete of every `:Movie` (or every
node) that a later statement of the same script loads again (`CREATE`/`MERGE` of `:Movie`, or of
any node) is an import rebuilding its data, not a loss, and is left alone.
"#,
    ..identity::destructive_delete
};

impl Rule for DestructiveDelete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        // The file hook reads the whole script (what it loads again); the statement hook is
        // only there so that Cypher in procedure strings is checked too.
        Hooks { file: true, statement: true, clause: false, expr: false }
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_embedded(&self, cx: &FileContext, stmt: &Statement, _: &EmbeddedCypher, out: &mut Findings) {
        let StatementKind::Query(q) = &stmt.kind else { return };
        if is_reset_script(cx) {
            return;
        }
        let site = Site { cx, reloads: None, at: stmt.span.start };
        for sq in q.single_queries() {
            check_clauses(&site, &sq.clauses, out);
        }
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        if is_reset_script(cx) {
            return;
        }
        let reloads = (cx.role == FileRole::Script).then(|| Reloads::of(cx));
        for stmt in &cx.script.statements {
            let StatementKind::Query(q) = &stmt.kind else { continue };
            let site = Site { cx, reloads: reloads.as_ref(), at: stmt.span.start };
            for sq in q.single_queries() {
                check_clauses(&site, &sq.clauses, out);
            }
        }
    }
}

/// Where a delete stands: its file, and what the rest of a hand-run script loads again.
struct Site<'a> {
    cx: &'a FileContext<'a>,
    reloads: Option<&'a Reloads>,
    at: usize,
}

/// In a hand-run script, the labels that a later statement creates again (`CREATE`/`MERGE`): a
/// script that deletes every `:Movie` and then loads the movies is rebuilding them, which is
/// what import, lesson and demo scripts do. For each label, the start of the last statement
/// that creates it; `None` stands for any node.
#[derive(Default)]
struct Reloads(HashMap<Option<String>, usize>);

impl Reloads {
    fn of(cx: &FileContext) -> Reloads {
        let mut reloads = Reloads::default();
        for stmt in &cx.script.statements {
            for node in written_nodes(stmt) {
                reloads.0.insert(None, stmt.span.start);
                for label in node.labels.iter().flat_map(|l| l.required_names()) {
                    reloads.0.insert(Some(label.value.clone()), stmt.span.start);
                }
            }
        }
        reloads
    }

    /// Whether a statement after `at` creates nodes of every label in `labels` (any node when
    /// `labels` is empty: the whole graph was deleted).
    fn reloaded_after(&self, at: usize, labels: Option<&[String]>) -> bool {
        let Some(labels) = labels else { return false };
        let after = |key: Option<String>| self.0.get(&key).is_some_and(|&last| last > at);
        if labels.is_empty() {
            after(None)
        } else {
            labels.iter().all(|l| after(Some(l.clone())))
        }
    }
}

/// A hand-run script (not in a migration directory) named for resetting: its deletes are the
/// point of it.
fn is_reset_script(cx: &FileContext) -> bool {
    const RESET_WORDS: [&str; 7] = ["reset", "teardown", "cleanup", "clean_up", "clear", "wipe", "purge"];
    let stem = cx.source.path.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    cx.role == FileRole::Script && RESET_WORDS.iter().any(|w| stem.contains(w))
}

/// A whole-graph delete is an error in a migration, where it is almost never meant; in a script
/// run by hand (no migration beside it) wiping the graph is common, so it stays a warning, and a
/// script that loads again what it deletes is not reported at all.
fn report_delete(site: &Site, span: crate::span::Span, target: Target, out: &mut Findings) {
    if site.reloads.is_some_and(|r| r.reloaded_after(site.at, target.labels.as_deref())) {
        return;
    }
    let whole_graph = target.what == "every node in the graph" && site.cx.role != FileRole::Script;
    let diag = out.report(&META, span, format!("deletes {}", target.what));
    if whole_graph {
        diag.severity(Severity::Error);
    }
    diag.help("add a WHERE that bounds what is deleted; if deleting everything is intended, say so in a `cymig:ignore destructive-delete -- <reason>`");
}

/// What an unbounded delete covers, and the node labels it is confined to (empty: every node;
/// `None` for relationships, which a later load is not taken to rebuild).
struct Target {
    what: String,
    labels: Option<Vec<String>>,
}

fn check_clauses(site: &Site, clauses: &[Clause], out: &mut Findings) {
    for (i, c) in clauses.iter().enumerate() {
        match c {
            Clause::Delete(d) => {
                for e in &d.exprs {
                    let ExprKind::Variable(v) = &e.kind else { continue };
                    if let Some(target) = unbounded_target(&clauses[..i], &v.value) {
                        report_delete(site, d.span, target, out);
                    }
                }
            }
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries() {
                    check_clauses(site, &sq.clauses, out);
                    check_outer(site, &clauses[..i], &sq.clauses, out);
                }
            }
            _ => {}
        }
    }
}

/// DELETE inside a subquery of variables an outer unbounded MATCH bound.
fn check_outer(site: &Site, outer: &[Clause], inner: &[Clause], out: &mut Findings) {
    for c in inner {
        let Clause::Delete(d) = c else { continue };
        for e in &d.exprs {
            let ExprKind::Variable(v) = &e.kind else { continue };
            if let Some(target) = unbounded_target(outer, &v.value) {
                report_delete(site, d.span, target, out);
            }
        }
    }
}

/// Describes what `var` covers when the MATCH that binds it has no bound at all.
fn unbounded_target(before: &[Clause], var: &str) -> Option<Target> {
    let limited = before.iter().any(|c| matches!(c, Clause::With(w) if w.projection.limit.is_some()));
    if limited {
        return None;
    }
    let m: &MatchClause = before.iter().rev().find_map(|c| match c {
        Clause::Match(m)
            if m.pattern.parts.iter().any(|p| part_variables(p).iter().any(|n| n.value == var)) =>
        {
            Some(m)
        }
        _ => None,
    })?;
    if m.where_.is_some() || m.pattern.parts.len() != 1 {
        return None;
    }
    let part = &m.pattern.parts[0];
    let nodes = path_nodes(&part.path);
    let rels = path_relationships(&part.path);
    if nodes.iter().any(|n| n.properties.is_some() || n.where_.is_some())
        || rels.iter().any(|r| r.properties.is_some() || r.where_.is_some())
    {
        return None;
    }
    if let Some(n) = nodes.iter().find(|n| n.variable.as_ref().is_some_and(|v| v.value == var)) {
        if nodes.len() != 1 {
            return None; // constrained by its relationships
        }
        return Some(match n.labels.as_ref().map(|l| l.required_names()) {
            None => Target { what: "every node in the graph".to_string(), labels: Some(Vec::new()) },
            Some(names) if names.is_empty() => return None,
            Some(names) => Target {
                what: format!("every `:{}` node", names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(":")),
                labels: Some(names.iter().map(|n| n.value.clone()).collect()),
            },
        });
    }
    if let Some(r) = rels.iter().find(|r| r.variable.as_ref().is_some_and(|v| v.value == var)) {
        if rels.len() != 1 || nodes.iter().any(|n| n.labels.is_some()) {
            return None;
        }
        let what = match &r.types {
            None => "every relationship in the graph".to_string(),
            Some(t) => format!(
                "every `:{}` relationship",
                t.required_names().iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join("|")
            ),
        };
        return Some(Target { what, labels: None });
    }
    None
}
