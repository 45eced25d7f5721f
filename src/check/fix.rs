//! Applying fixes: the selected fixes are applied together, the file is re-parsed and re-linted,
//! and this repeats until nothing more can be fixed (bounded), so fixes that depend on each
//! other (a legacy index rewritten, then named, then made idempotent) all land.

use super::{FileResult, FixMode, FixedFile, LintOptions};
use crate::diagnostic::{apply_edits, Diagnostic, Edit};
use crate::source::SourceFile;
use std::sync::Arc;

/// At most this many fix-and-relint rounds per file.
pub const MAX_ROUNDS: usize = 10;

pub fn fixable(d: &Diagnostic, mode: FixMode) -> bool {
    match (&d.fix, mode) {
        (Some(f), FixMode::Safe) => f.safe,
        (Some(_), FixMode::Unsafe) => true,
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

/// A unified diff of one fixed file, for `--diff`.
pub fn unified_diff(f: &FixedFile) -> String {
    let path = crate::report::display_path(&f.path, crate::report::Base::WorkingDir);
    similar::TextDiff::from_lines(&f.original, &f.fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
