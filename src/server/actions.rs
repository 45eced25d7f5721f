//! Code actions on findings: each fix the rule offers (unsafe ones marked), suppressing the
//! finding with a `cymig:ignore` directive, and acknowledging an irreversible statement.

use super::convert::{self, LineIndex};
use super::documents::Document;
use crate::diagnostic::{Diagnostic, Edit};
use crate::span::Span;
use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// Rules a directive cannot sensibly silence: a syntax error is no claim to waive, and a
/// directive about directives would only hide a stale one.
const NOT_SUPPRESSIBLE: [&str; 2] = ["syntax-error", "unused-suppression"];

pub fn code_actions(p: &CodeActionParams, doc: &Document) -> Vec<CodeActionOrCommand> {
    let index = LineIndex::new(&doc.text);
    let wanted = index.span(p.range);
    let findings = doc.findings.as_deref().unwrap_or_default();
    let parsed = crate::check::set::ParsedFile::parse(doc.path.clone(), doc.text.clone());
    let name = doc.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let directives_allowed = !crate::migration::changelog_xml::is_xml_name(&name);
    let mut actions = Vec::new();
    for d in findings.iter().filter(|d| touches(d.span, wanted)) {
        let edit = |edits: &[Edit], title: String, preferred: bool| action(p, &index, d, edits, title, preferred);
        if let Some(fix) = &d.fix {
            let title =
                if fix.is_safe() { format!("Fix: {}", fix.message) } else { format!("Fix (unsafe): {}", fix.message) };
            actions.push(edit(&fix.edits, title, fix.is_safe()));
        }
        if !directives_allowed || NOT_SUPPRESSIBLE.contains(&d.rule) {
            continue;
        }
        if d.rule == "irreversible" {
            let insert = directive_before(&doc.text, &parsed.script, d.span, "irreversible", "");
            let title = "Acknowledge with `// cymig:irreversible -- <reason>`".to_string();
            actions.push(edit(&[insert], title, false));
        }
        let insert = directive_before(&doc.text, &parsed.script, d.span, "ignore", d.rule);
        let title = format!("Suppress `{}` with `// cymig:ignore {} -- <reason>`", d.rule, d.rule);
        actions.push(edit(&[insert], title, false));
    }
    actions
}

/// Whether a finding is at the requested range (a cursor touches the finding it stands in).
fn touches(finding: Span, wanted: Span) -> bool {
    finding.start <= wanted.end && wanted.start <= finding.end
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose cached parse clippy counts as interior
// mutability; the key is never mutated.
#[allow(clippy::mutable_key_type)]
fn action(
    p: &CodeActionParams,
    index: &LineIndex,
    d: &Diagnostic,
    edits: &[Edit],
    title: String,
    preferred: bool,
) -> CodeActionOrCommand {
    let text_edits = edits.iter().map(|e| TextEdit { range: index.range(e.span), new_text: e.replacement.clone() });
    let changes = HashMap::from([(p.text_document.uri.clone(), text_edits.collect())]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![convert::diagnostic(index, d)]),
        edit: Some(WorkspaceEdit { changes: Some(changes), ..Default::default() }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

/// `// cymig:<directive> <rules> -- ` on a line of its own before the statement holding the
/// finding (a directive applies to the statement after it), indented like it; a finding in no
/// statement is suppressed for the whole file. The reason is left for the user to write: a
/// directive without one is itself reported until they do.
fn directive_before(text: &str, script: &crate::ast::Script, at: Span, directive: &str, rules: &str) -> Edit {
    let statements = script.statements.iter().map(|s| s.span).chain(script.errors.iter().map(|e| e.statement_span));
    let holding = statements.filter(|s| s.start <= at.start && at.start <= s.end).min_by_key(|s| s.end - s.start);
    let comment = |directive: &str| {
        let rules = if rules.is_empty() { String::new() } else { format!(" {rules}") };
        format!("// cymig:{directive}{rules} -- ")
    };
    let Some(statement) = holding.filter(|s| text.is_char_boundary(s.start)) else {
        let directive = if directive == "ignore" { "ignore-file" } else { directive };
        return Edit::insert(0, format!("{}\n", comment(directive)));
    };
    let line_start = text[..statement.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &text[line_start..statement.start];
    if indent.trim().is_empty() {
        Edit::insert(line_start, format!("{indent}{}\n", comment(directive)))
    } else {
        Edit::insert(statement.start, format!("\n{}\n", comment(directive)))
    }
}
