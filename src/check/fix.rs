//! Applying fixes: the selected fixes are applied together, the file is re-parsed and re-linted,
//! and this repeats until nothing more can be fixed (bounded), so fixes that depend on each
//! other (a legacy index rewritten, then named, then made idempotent) all land.

use super::{FileResult, FixMode, FixedFile, LintOptions};
use crate::ast::Script;
use crate::diagnostic::{apply_edits, Applicability, Diagnostic, Edit, Severity};
use crate::source::SourceFile;
use crate::span::Span;
use std::collections::HashMap;
use std::sync::Arc;

/// At most this many fix-and-relint rounds per file.
pub const MAX_ROUNDS: usize = 10;

pub fn fixable(d: &Diagnostic, mode: FixMode) -> bool {
    match (&d.fix, mode) {
        (Some(f), FixMode::Safe) => f.is_safe(),
        (Some(f), FixMode::Unsafe) => f.applicability != Applicability::DisplayOnly,
        _ => false,
    }
}

/// Applies the fixable diagnostics' edits once; overlapping fixes are left for the next round.
pub fn apply_once(text: &str, diagnostics: &[Diagnostic], mode: FixMode) -> (String, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for d in diagnostics.iter().filter(|d| fixable(d, mode)) {
        let edits = &d.fix.as_ref().expect("fixable").edits;
        let overlaps = edits.iter().any(|e| taken.iter().any(|t| overlap(e, t)));
        if !overlaps {
            taken.extend(edits.iter());
            applied += 1;
        }
    }
    let owned: Vec<Edit> = taken.into_iter().cloned().collect();
    (apply_edits(text, &owned), applied)
}

fn writes_no_markup(d: &Diagnostic) -> bool {
    d.fix
        .as_ref()
        .is_none_or(|f| f.edits.iter().all(|e| !e.replacement.contains(['<', '&']) && !e.replacement.contains("]]>")))
}

fn overlap(a: &Edit, b: &Edit) -> bool {
    // Two insertions at one point conflict too: their order would be arbitrary.
    a.span.start < b.span.end && b.span.start < a.span.end || (a.span.start == b.span.start)
}

pub fn fix_until_stable(
    source: &Arc<SourceFile>,
    first: FileResult,
    options: &LintOptions,
    relint: impl Fn(&Arc<SourceFile>) -> FileResult,
) -> (FileResult, Option<FixedFile>) {
    let mut current = first;
    let mut total = 0;
    let name = source.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let xml = crate::migration::changelog_xml::is_xml_name(&name);
    for _ in 0..MAX_ROUNDS {
        // In an XML changelog an edit must not write markup: `<`, `&` or `]]>` would change
        // the XML around the Cypher.
        let xml_safe: Vec<Diagnostic>;
        let diagnostics = if xml {
            xml_safe = current.diagnostics.iter().filter(|d| writes_no_markup(d)).cloned().collect();
            &xml_safe
        } else {
            &current.diagnostics
        };
        let (text, applied) = apply_once(&current.source.text, diagnostics, options.fix);
        if applied == 0 || text == current.source.text {
            break;
        }
        total += applied;
        let next_source = Arc::new(SourceFile::new(source.path.clone(), text));
        current = relint(&next_source);
    }
    if total == 0 {
        return (current, None);
    }
    let fixed = FixedFile {
        path: source.path.clone(),
        original: source.text.clone(),
        fixed: current.source.text.clone(),
        applied: total,
    };
    (current, Some(fixed))
}

/// Drops every fix whose result does not re-lint clean, keeping the finding and saying in its
/// help that no automatic fix is offered. A fix is tried on the statements its edits touch
/// (the whole file when an edit lies outside every statement), which `relint` parses and lints
/// on their own; the fix goes when that text gains a syntax error, an error-severity finding or
/// an undefined variable that the unfixed text did not have — e.g. a batching rewrite that moves
/// `CREATE (m)` into a subquery while a later `RETURN count(m)` still names `m`.
pub fn keep_clean_fixes(
    text: &str,
    script: &Script,
    diagnostics: &mut [Diagnostic],
    relint: impl Fn(&str) -> Vec<Diagnostic>,
) {
    let mut unfixed: HashMap<Span, Vec<Diagnostic>> = HashMap::new();
    for d in diagnostics.iter_mut() {
        let Some(fix) = &d.fix else { continue };
        let unit = unit_of(text, script, &fix.edits);
        let before = unfixed.entry(unit).or_insert_with(|| relint(unit.text(text)));
        let after = relint(&apply_in(text, unit, &fix.edits));
        if let Some(introduced) = regression(before, &after) {
            let fix = d.fix.take().expect("checked above");
            let why = format!(
                "no automatic fix is offered, because the fix ({}) would introduce \"{introduced}\"",
                fix.message
            );
            d.help = Some(match d.help.take() {
                Some(help) => format!("{help}; {why}"),
                None => why,
            });
        }
    }
}

/// The statements the edits touch, from the first one's start to the last one's end.
pub(crate) fn unit_of(text: &str, script: &Script, edits: &[Edit]) -> Span {
    let whole = Span::new(0, text.len());
    let inside = |e: &Edit| {
        let i = script.last_statement_starting_by(e.span.start)?;
        Some(&script.statements[i]).filter(|s| e.span.end <= s.span.end)
    };
    let mut unit: Option<Span> = None;
    for edit in edits {
        let Some(statement) = inside(edit) else { return whole };
        unit =
            Some(unit.map_or(statement.span, |u| {
                Span::new(u.start.min(statement.span.start), u.end.max(statement.span.end))
            }));
    }
    unit.filter(|u| u.end <= text.len() && text.is_char_boundary(u.start) && text.is_char_boundary(u.end))
        .unwrap_or(whole)
}

/// `unit`'s text with the edits applied (edits are file offsets inside `unit`).
pub(crate) fn apply_in(text: &str, unit: Span, edits: &[Edit]) -> String {
    let shifted: Vec<Edit> = edits
        .iter()
        .map(|e| Edit {
            span: Span::new(e.span.start - unit.start, e.span.end - unit.start),
            replacement: e.replacement.clone(),
        })
        .collect();
    apply_edits(unit.text(text), &shifted)
}

/// The first finding that `after` has more of than `before` and that makes the fix wrong.
fn regression(before: &[Diagnostic], after: &[Diagnostic]) -> Option<String> {
    let breaks =
        |d: &Diagnostic| d.severity == Severity::Error || d.rule == "syntax-error" || d.rule == "undefined-variable";
    let mut counts: HashMap<(&str, &str), isize> = HashMap::new();
    for d in before.iter().filter(|d| breaks(d)) {
        *counts.entry((d.rule, &d.message)).or_default() += 1;
    }
    after.iter().filter(|d| breaks(d)).find_map(|d| {
        let left = counts.entry((d.rule, &d.message)).or_default();
        *left -= 1;
        (*left < 0).then(|| d.message.clone())
    })
}

/// A unified diff of one fixed file, for `--diff`. Password literals are masked on both sides,
/// as in every report: a hunk whose lines hold one no longer applies with `patch` or `git apply`
/// (its lines do not match the file), it never writes the mask into the file.
pub fn unified_diff(f: &FixedFile) -> String {
    let path = crate::report::display_path(&f.path, crate::report::Base::WorkingDir);
    let kind = crate::report::text_kind(&f.path);
    let (original, fixed) =
        (crate::config::mask_cypher_passwords(&f.original, kind), crate::config::mask_cypher_passwords(&f.fixed, kind));
    similar::TextDiff::from_lines(&original, &fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
