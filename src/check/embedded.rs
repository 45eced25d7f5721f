//! What the rules see of Cypher embedded in procedure strings (parsed by `syntax::embedded`):
//! each embedded statement, except that `apoc.periodic.iterate`'s action is seen joined to its
//! driving statement, as the one query APOC runs for each batch (`<driving> WITH <columns>
//! <action>`), so a `DETACH DELETE n` in the action is judged by the `MATCH (n)` that found
//! the rows.

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use std::borrow::Cow;

/// A statement to lint and the string it came from.
pub struct Unit<'a> {
    pub statement: Cow<'a, Statement>,
    pub embedding: &'a EmbeddedCypher,
}

/// The embedded statements under `statement` (strings in strings included), as rules see them.
pub fn units(statement: &Statement) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    for (call, embedding) in crate::visit::embedded_cypher(statement) {
        let driving = || call.embedded.iter().find(|e| e.role == EmbeddedRole::Driving);
        let joined = match (embedding.role, embedding.statements.as_slice()) {
            (EmbeddedRole::PerBatch, [action]) => driving().and_then(|d| match d.statements.as_slice() {
                [driving] => joined(driving, action),
                _ => None,
            }),
            _ => None,
        };
        match joined {
            Some(statement) => out.push(Unit { statement: Cow::Owned(statement), embedding }),
            None => out.extend(embedding.statements.iter().map(|s| Unit { statement: Cow::Borrowed(s), embedding })),
        }
    }
    out
}

/// `<driving clauses> WITH <driving's RETURN items> <action clauses>`; `None` when either is
/// not a plain query ending (for the driving one) in RETURN.
fn joined(driving: &Statement, action: &Statement) -> Option<Statement> {
    let (d, a) = (driving.as_query()?, action.as_query()?);
    if !d.unions.is_empty() || !a.unions.is_empty() || d.periodic_commit.is_some() {
        return None;
    }
    let (Clause::Return(ret), before) = d.first.clauses.split_last()? else { return None };
    let mut clauses = before.to_vec();
    clauses.push(Clause::With(WithClause { span: ret.span, projection: ret.projection.clone(), where_: None }));
    clauses.extend(a.first.clauses.iter().cloned());
    let span = driving.span.cover(action.span);
    let first = SingleQuery { span, clauses };
    let query = Query { span, periodic_commit: a.periodic_commit.clone(), first, unions: Vec::new() };
    Some(Statement { span, prefixes: action.prefixes.clone(), kind: StatementKind::Query(query) })
}

/// Keeps a fix of a finding in a string only when applying it cannot break the string's
/// escaping (every edit lies inside the string's content and writes no quote or backslash) and
/// it is safe: the unsafe rewrites (`CALL { … } IN TRANSACTIONS`) cannot run inside a
/// procedure's transaction.
pub fn keep_exact_fixes(diagnostics: &mut [Diagnostic], embedding: &EmbeddedCypher) {
    let content = crate::span::Span::new(embedding.span.start + 1, embedding.span.end.saturating_sub(1));
    for d in diagnostics {
        let exact = d.fix.as_ref().is_some_and(|fix| {
            fix.is_safe()
                && fix.edits.iter().all(|e| content.contains(e.span) && !e.replacement.contains(['\'', '"', '\\']))
        });
        if !exact {
            d.fix = None;
        }
    }
}
