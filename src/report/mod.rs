//! Reporters: one function per output format, all with the same shape
//! `fn(&[FileResult], &ReportOptions, &mut dyn Write) -> io::Result<()>`.
//!
//! Reporters never decide what is a finding; they only render what the checker (or `cymig parse`)
//! found. Every reporter orders findings the same way — files in the order given, findings by
//! position — so outputs are deterministic and diffable.
//!
//! Positions: lines are 1-based everywhere; columns are 1-based and count characters (Unicode code
//! points), except in `rdjson` whose format defines columns as UTF-8 byte counts. End positions are
//! exclusive (one past the last character), as in SARIF and reviewdog.

mod github;
mod gitlab;
pub mod html;
mod json;
mod junit;
mod markdown;
mod paths;
mod rdjson;
mod redact;
mod sarif;
mod statistics;
mod text;

pub use github::github;
pub use gitlab::gitlab;
pub use html::html;
pub use json::json;
pub use junit::junit;
pub use markdown::{markdown, MARKDOWN_MARKER};
pub use paths::{display_path, Base};
pub use rdjson::rdjson;
pub use redact::{redact_words, text_kind};
pub use sarif::sarif;
pub use statistics::{rule_counts, statistics, statistics_json, RuleCount};
pub use text::{render_diagnostics, summary_line, text};

use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineCol, SourceFile};
use crate::span::Span;
use std::io::{self, Write};

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// Human-readable: source snippets with the span underlined, help, fix previews, a summary.
    #[default]
    Text,
    /// A JSON array of findings with 1-based lines and columns.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request diff).
    Github,
    /// GitLab Code Quality report (JSON).
    Gitlab,
    /// reviewdog Diagnostic Format (rdjson), with suggestions from fixes.
    Rdjson,
    /// JUnit XML: one test suite per file, one failing test case per finding.
    Junit,
    /// Markdown summary for a pull request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    /// One self-contained HTML page (no scripts, nothing fetched), e.g. a CI artifact.
    Html,
}

/// What reporters know about a rule beyond its findings (SARIF's rule metadata, docs links).
/// The rule registry fills these in from its own metadata (`crate::rules`); reporters never build
/// them, so the report layer does not depend on the rule catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Kebab-case name, e.g. `require-if-not-exists`.
    pub name: &'static str,
    /// Short code, e.g. `CM002`.
    pub code: &'static str,
    /// One line: what the rule catches.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// E.g. `performance`; becomes a SARIF tag. Empty when unknown.
    pub category: &'static str,
    /// Longer help (the rule's docs, Markdown); empty when there is none.
    pub docs: &'static str,
}

/// Settings shared by all reporters. `Default` gives plain text, no rule metadata.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions<'a> {
    /// Metadata of the rules that were run, in registry order (SARIF lists them).
    pub rules: &'a [RuleInfo],
    /// ANSI colours in the text format.
    pub color: bool,
    /// Base URL of rule documentation; `<base><rule-name>` links each rule when set.
    pub docs_url: Option<&'a str>,
}

impl ReportOptions<'_> {
    fn rule(&self, name: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.name == name)
    }

    pub(crate) fn rule_url(&self, name: &str) -> Option<String> {
        self.docs_url.map(|base| format!("{base}{name}"))
    }
}

/// Whether the text format should use colours on stdout: only on a terminal, and never when the
/// `NO_COLOR` convention asks for none.
pub fn stdout_wants_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
}

/// Writes `results` in `format`, with the password literals of the files masked wherever their
/// text is shown (see [`redact`]).
pub fn write_report(
    format: Format,
    results: &[FileResult],
    options: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let reporter = match format {
        // `text` masks them itself, as `render_diagnostics` does for the other commands.
        Format::Text => return text(results, options, out),
        Format::Json => json,
        Format::Sarif => sarif,
        Format::Github => github,
        Format::Gitlab => gitlab,
        Format::Rdjson => rdjson,
        Format::Junit => junit,
        Format::Markdown => markdown,
        Format::Html => html,
    };
    reporter(&redact::redacted(results), options, out)
}

/// Counts of findings by severity across all files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    /// Every file that was checked.
    pub files: usize,
}

impl Totals {
    pub fn of(results: &[FileResult]) -> Totals {
        let mut totals = Totals { files: results.len(), ..Totals::default() };
        for result in results {
            if !result.diagnostics.is_empty() {
                totals.files_with_findings += 1;
            }
            for d in &result.diagnostics {
                match d.severity {
                    Severity::Error => totals.errors += 1,
                    Severity::Warning => totals.warnings += 1,
                    Severity::Info => totals.infos += 1,
                }
            }
        }
        totals
    }

    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// `1 error`, `2 errors`.
pub fn plural(count: usize, singular: &str, plural: &str) -> String {
    let shown = thousands(i64::try_from(count).unwrap_or(i64::MAX));
    format!("{shown} {}", if count == 1 { singular } else { plural })
}

/// How a report names `source`'s file (see [`paths`]).
pub(crate) fn shown_path(source: &SourceFile, base: Base) -> String {
    display_path(source.path(), base)
}

/// A file's findings in report order: by position, then rule.
pub(crate) fn ordered(result: &FileResult) -> Vec<&Diagnostic> {
    let mut diagnostics: Vec<&Diagnostic> = result.diagnostics.iter().collect();
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.span.end, a.rule, &a.message).cmp(&(b.span.start, b.span.end, b.rule, &b.message))
    });
    diagnostics
}

/// A span made safe to render: inside the text and on character boundaries (a rule with a bad
/// span must not make a reporter fail or panic).
pub(crate) fn clamp_span(text: &str, span: Span) -> Span {
    let clamp = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = clamp(span.start);
    Span::new(start, clamp(span.end).max(start))
}

/// Start and exclusive end of a span as 1-based line / character column.
pub(crate) fn positions(source: &SourceFile, span: Span) -> (LineCol, LineCol) {
    source.span_line_cols(clamp_span(&source.text, span))
}

/// 1-based column counted in UTF-8 bytes (reviewdog's definition).
pub(crate) fn byte_column(source: &SourceFile, offset: usize) -> usize {
    let offset = clamp_span(&source.text, Span::at(offset)).start;
    let line_start = source.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    offset - line_start + 1
}

/// XML- (and HTML-) escapes text. Characters XML 1.0 cannot carry at all
/// (most C0 controls) become U+FFFD rather than producing a file parsers reject.
pub(crate) fn escape_markup(text: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\r' | '\t' if in_attribute => out.push_str(&format!("&#{};", c as u32)),
            '\n' | '\r' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
