//! Fixes several rules offer: moving writes into `CALL (…) { … } IN TRANSACTIONS`.

use super::text::{line_indent, quote_name};
use crate::ast::Clause;
use crate::diagnostic::Edit;
use crate::semantic::clause_references;
use crate::span::tight;

/// The rewrite that moves `clauses[from..to]` of a single query into
/// `CALL (vars) { … } IN TRANSACTIONS OF n ROWS` (or the importing-WITH form before Neo4j 5.23).
/// `bound`: the variables bound before `clauses[from]`, which the subquery imports when it uses
/// them. Returns `None` when the rewrite would not be valid Cypher (e.g. nothing to batch).
pub fn batching_rewrite(
    text: &str,
    clauses: &[Clause],
    from: usize,
    to: usize,
    batch_size: u64,
    scope_clause: bool,
    bound: &[&str],
) -> Option<Vec<Edit>> {
    if from >= to || to > clauses.len() {
        return None;
    }
    let used = clause_references(&clauses[from..to]);
    let imports: Vec<&str> = bound.iter().copied().filter(|v| used.iter().any(|u| u == v)).collect();
    let body_span = tight(text, clauses[from].span().cover(clauses[to - 1].span()));
    let body = body_span.text(text);
    let indent = line_indent(text, body_span.start).to_string();
    let inner_indent = format!("{indent}  ");
    let reindented = body
        .lines()
        .enumerate()
        .map(|(i, line)| if i == 0 { format!("{inner_indent}{line}") } else { format!("  {line}") })
        .collect::<Vec<_>>()
        .join("\n");
    let imports_list = imports.iter().map(|v| quote_name(v)).collect::<Vec<_>>().join(", ");
    let head = if scope_clause {
        format!("CALL ({imports_list}) {{\n")
    } else if imports.is_empty() {
        "CALL {\n".to_string()
    } else {
        format!("CALL {{\n{inner_indent}WITH {imports_list}\n")
    };
    let replacement = format!("{head}{reindented}\n{indent}}} IN TRANSACTIONS OF {batch_size} ROWS");
    Some(vec![Edit::replace(body_span, replacement)])
}
