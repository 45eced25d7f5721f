//! `--format text`: codespan-reporting snippets, help, fix previews and a summary line.

use super::{clamp_span, ordered, plural, shown_path, Base, ReportOptions, Totals};
use crate::check::FileResult;
use crate::diagnostic::{apply_edits, Diagnostic, Edit, Fix, Severity};
use crate::source::SourceFile;
use crate::span::Span;
use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label, Severity as SnippetSeverity};
use codespan_reporting::files::{Files, Location};
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};
use std::io::{self, Write};

/// Longest fix preview shown, in lines of the original text; longer ones are cut with a note.
const MAX_PREVIEW_LINES: usize = 12;

/// Longest source line a snippet shows, in characters; a longer one (minified or generated
/// Cypher) is cut around the finding, with `…` where text was left out.
const MAX_LINE_CHARS: usize = 200;

/// Characters kept before the finding on a line that is cut.
const CONTEXT_CHARS: usize = 40;

pub fn text(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    render_diagnostics(results, options, out)?;
    writeln!(out, "{}", summary_line(&Totals::of(results)))
}

/// Every finding as a snippet, without the summary (for commands with their own summary).
///
/// Snippets cost as much as the checks on a large set (700 kB of text for 200 files), and each
/// file's snippets depend on that file alone: files are rendered in parallel, each into its own
/// buffer, and written in order, so the output is byte for byte what one thread would write.
/// Password literals are masked (see [`super::redact`]).
pub fn render_diagnostics(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let results = super::redact::redacted(results);
    for rendered in crate::check::parallel::map(&results, |result| render_file(result, options)) {
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
    let name = shown_path(&result.source, Base::WorkingDir);
    for diagnostic in ordered(result) {
        let span = clamp_span(&result.source.text, diagnostic.span);
        let excerpt = Excerpt::of(&result.source, span, &name);
        let snippet = snippet(&result.source, diagnostic, excerpt.span.clone(), options);
        term::emit(&mut *writer, &config, &excerpt, &snippet).map_err(into_io)?;
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

fn snippet(source: &SourceFile, d: &Diagnostic, span: std::ops::Range<usize>, options: &ReportOptions) -> Snippet<()> {
    let mut notes = Vec::new();
    if let Some(help) = &d.help {
        notes.push(format!("help: {}", printable(help)));
    }
    if let Some(fix) = &d.fix {
        notes.push(fix_preview(source, fix));
    }
    if let Some(url) = options.rule_url(d.rule) {
        notes.push(format!("docs: {url}"));
    }
    let snippet = Snippet::new(snippet_severity(d.severity))
        .with_message(printable(&d.message))
        .with_labels(vec![Label::primary((), span).with_message(d.rule)])
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
    let kind = if fix.is_safe() { "fix" } else { "fix (unsafe, not applied by --fix)" };
    let mut preview = format!("{kind}: {}", printable(&fix.message));
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
    // A long line is shown from a little before the first edit, so the change is in view.
    let skip = before[..start - region.start].chars().count().saturating_sub(CONTEXT_CHARS);
    append_lines(&mut preview, '-', before, skip);
    append_lines(&mut preview, '+', &after, skip);
    preview
}

fn append_lines(preview: &mut String, marker: char, text: &str, skip: usize) {
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(MAX_PREVIEW_LINES) {
        let line = line.trim_end_matches('\r');
        let chars = line.chars().count();
        if chars <= MAX_LINE_CHARS {
            preview.push_str(&format!("\n{marker} {}", printable(line)));
            continue;
        }
        let from = skip.min(chars - MAX_LINE_CHARS);
        let shown: String = line.chars().skip(from).take(MAX_LINE_CHARS).collect();
        let (open, close) = (if from > 0 { "…" } else { "" }, if from + MAX_LINE_CHARS < chars { "…" } else { "" });
        preview.push_str(&format!("\n{marker} {open}{}{close}", printable(&shown)));
    }
    if lines.len() > MAX_PREVIEW_LINES {
        preview.push_str(&format!("\n{marker} … ({} more lines)", lines.len() - MAX_PREVIEW_LINES));
    }
}

/// What a terminal may be sent of a file's text: control characters (ESC, BEL, NUL, C1 codes)
/// shown as their Unicode symbols, bidirectional overrides as `�`, so a file cannot move the
/// cursor, recolour the terminal or reorder what a reviewer reads. Tabs and line breaks stay.
fn visible(c: char) -> char {
    match c {
        '\t' | '\n' => c,
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

fn printable(text: &str) -> String {
    text.chars().map(visible).collect()
}

/// What one snippet shows of its file: the lines its span covers, made [`visible`], each cut
/// to [`MAX_LINE_CHARS`] around the span. The header still gives the position in the file.
struct Excerpt {
    name: String,
    text: String,
    /// Where each shown line starts in `text`.
    line_starts: Vec<usize>,
    /// The file's 1-based number of the first shown line.
    first_line: usize,
    /// The span, in `text`.
    span: std::ops::Range<usize>,
    /// The span's start in the file.
    start: crate::source::LineCol,
}

impl Excerpt {
    fn of(source: &SourceFile, span: Span, name: &str) -> Excerpt {
        let (start, end) = source.span_line_cols(span);
        let mut excerpt = Excerpt {
            name: name.to_string(),
            text: String::new(),
            line_starts: Vec::new(),
            first_line: start.line,
            span: 0..0,
            start,
        };
        for line in start.line..=end.line {
            if line > start.line {
                excerpt.text.push('\n');
            }
            excerpt.line_starts.push(excerpt.text.len());
            let range = source.line_span(line);
            let anchor = if line == start.line { span.start } else { span.end.min(range.end) };
            let mapped = excerpt.push_line(&source.text, range, anchor, [span.start, span.end]);
            if line == start.line {
                excerpt.span.start = mapped[0];
            }
            if line == end.line {
                excerpt.span.end = mapped[1].max(excerpt.span.start);
            }
        }
        excerpt
    }

    /// Appends the line `range` of `text`, cut around `anchor` when too long; returns where
    /// `offsets` (clamped to the kept part) land in the excerpt.
    fn push_line(&mut self, text: &str, range: Span, anchor: usize, offsets: [usize; 2]) -> [usize; 2] {
        let line = &text[range.start..range.end];
        let boundaries: Vec<usize> = line.char_indices().map(|(i, _)| range.start + i).chain([range.end]).collect();
        let chars = boundaries.len() - 1;
        let (from, to) = if chars <= MAX_LINE_CHARS {
            (0, chars)
        } else {
            let at = boundaries.partition_point(|&b| b < anchor);
            let from = at.saturating_sub(CONTEXT_CHARS).min(chars - MAX_LINE_CHARS);
            (from, from + MAX_LINE_CHARS)
        };
        if from > 0 {
            self.text.push('…');
        }
        let mut mapped = [self.text.len(); 2];
        for (k, &b) in boundaries[from..=to].iter().enumerate() {
            for (slot, &offset) in mapped.iter_mut().zip(&offsets) {
                if offset >= b || k == 0 {
                    *slot = self.text.len();
                }
            }
            if let Some(c) = text[b..].chars().next().filter(|_| from + k < to) {
                self.text.push(visible(c));
            }
        }
        if to < chars {
            self.text.push('…');
        }
        mapped
    }
}

impl<'a> Files<'a> for Excerpt {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line_starts.partition_point(|&s| s <= byte_index).saturating_sub(1))
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.first_line + line_index)
    }

    fn line_range(
        &'a self,
        (): (),
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let start = *self.line_starts.get(line_index).unwrap_or(&self.text.len());
        let end = self.line_starts.get(line_index + 1).copied().unwrap_or(self.text.len());
        Ok(start..end)
    }

    fn location(&'a self, (): (), byte_index: usize) -> Result<Location, codespan_reporting::files::Error> {
        if byte_index == self.span.start {
            return Ok(Location { line_number: self.start.line, column_number: self.start.column });
        }
        let line_index = self.line_index((), byte_index)?;
        let range = self.line_range((), line_index)?;
        let column = self.text.get(range.start..byte_index).map_or(0, |t| t.chars().count());
        Ok(Location { line_number: self.first_line + line_index, column_number: column + 1 })
    }
}

fn into_io(error: codespan_reporting::files::Error) -> io::Error {
    match error {
        codespan_reporting::files::Error::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}
