//! `--format text`: codespan-reporting snippets, help, fix previews and a summary line.

use super::{clamp_span, ordered, plural, shown_path, Base, ReportOptions, Totals};
use crate::check::FileResult;
use crate::diagnostic::{apply_edits, Diagnostic, Edit, Fix, Severity};
use crate::source::SourceFile;
use crate::span::Span;
use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label, Severity as SnippetSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};
use std::io::{self, Write};

/// Longest fix preview shown, in lines of the original text; longer ones are cut with a note.
const MAX_PREVIEW_LINES: usize = 12;

pub fn text(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    render_diagnostics(results, options, out)?;
    writeln!(out, "{}", summary_line(&Totals::of(results)))
}

/// Every finding as a snippet, without the summary (for commands with their own summary).
///
/// Snippets cost as much as the checks on a large set (700 kB of text for 200 files), and each
/// file's snippets depend on that file alone: files are rendered in parallel, each into its own
/// buffer, and written in order, so the output is byte for byte what one thread would write.
pub fn render_diagnostics(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    for rendered in crate::check::parallel::map(results, |result| render_file(result, options)) {
        out.write_all(&rendered?)?;
    }
    Ok(())
}

fn render_file(result: &FileResult, options: &ReportOptions) -> io::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    if result.diagnostics.is_empty() {
        return Ok(buffer);
    }
    let config = Config::default();
    let mut writer: Box<dyn WriteColor + '_> =
        if options.color { Box::new(Ansi::new(&mut buffer)) } else { Box::new(NoColor::new(&mut buffer)) };
    let file = SimpleFile::new(shown_path(&result.source, Base::WorkingDir), result.source.text.as_str());
    for diagnostic in ordered(result) {
        let snippet = snippet(&result.source, diagnostic, options);
        term::emit(&mut *writer, &config, &file, &snippet).map_err(into_io)?;
    }
    drop(writer);
    Ok(buffer)
}

/// `3 errors, 1 warning in 2 files (5 files checked)` or `All checks passed (5 files checked)`.
pub fn summary_line(totals: &Totals) -> String {
    let checked = plural(totals.files, "file", "files");
    if totals.findings() == 0 {
        return format!("All checks passed ({checked} checked)");
    }
    let mut counts = vec![plural(totals.errors, "error", "errors"), plural(totals.warnings, "warning", "warnings")];
    if totals.infos > 0 {
        counts.push(plural(totals.infos, "info", "infos"));
    }
    format!("{} in {} ({checked} checked)", counts.join(", "), plural(totals.files_with_findings, "file", "files"))
}

fn snippet(source: &SourceFile, d: &Diagnostic, options: &ReportOptions) -> Snippet<()> {
    let span = clamp_span(&source.text, d.span);
    let mut notes = Vec::new();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    if let Some(fix) = &d.fix {
        notes.push(fix_preview(source, fix));
    }
    if let Some(url) = options.rule_url(d.rule) {
        notes.push(format!("docs: {url}"));
    }
    let snippet = Snippet::new(snippet_severity(d.severity))
        .with_message(&d.message)
        .with_labels(vec![Label::primary((), span.start..span.end).with_message(d.rule)])
        .with_notes(notes);
    if d.code.is_empty() {
        snippet
    } else {
        snippet.with_code(d.code)
    }
}

fn snippet_severity(severity: Severity) -> SnippetSeverity {
    match severity {
        Severity::Error => SnippetSeverity::Error,
        Severity::Warning => SnippetSeverity::Warning,
        Severity::Info => SnippetSeverity::Note,
    }
}

/// The lines a fix touches, before (`-`) and after (`+`).
fn fix_preview(source: &SourceFile, fix: &Fix) -> String {
    let kind = if fix.safe { "fix" } else { "fix (unsafe, not applied by --fix)" };
    let mut preview = format!("{kind}: {}", fix.message);
    let edits: Vec<Edit> = fix
        .edits
        .iter()
        .map(|e| Edit { span: clamp_span(&source.text, e.span), replacement: e.replacement.clone() })
        .collect();
    let (Some(start), Some(end)) = (edits.iter().map(|e| e.span.start).min(), edits.iter().map(|e| e.span.end).max())
    else {
        return preview;
    };
    let region = Span::new(
        source.line_span(source.line_col(start).line).start,
        source.line_span(source.line_col(end).line).end.max(end),
    );
    let before = region.text(&source.text);
    let local: Vec<Edit> = edits
        .iter()
        .map(|e| Edit { span: Span::new(e.span.start - region.start, e.span.end - region.start), ..e.clone() })
        .collect();
    let after = apply_edits(before, &local);
    append_lines(&mut preview, '-', before);
    append_lines(&mut preview, '+', &after);
    preview
}

fn append_lines(preview: &mut String, marker: char, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(MAX_PREVIEW_LINES) {
        preview.push_str(&format!("\n{marker} {}", line.trim_end_matches('\r')));
    }
    if lines.len() > MAX_PREVIEW_LINES {
        preview.push_str(&format!("\n{marker} … ({} more lines)", lines.len() - MAX_PREVIEW_LINES));
    }
}

fn into_io(error: codespan_reporting::files::Error) -> io::Error {
    match error {
        codespan_reporting::files::Error::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}
