//! `--format markdown`: a summary for a pull request comment or `$GITHUB_STEP_SUMMARY`.
//!
//! It starts with [`MARKDOWN_MARKER`], a hidden HTML comment a CI job searches for to update its one
//! comment instead of adding a new one on every push.

use super::{ordered, plural, positions, rule_counts, shown_path, Base, ReportOptions, Totals};
use crate::check::FileResult;
use crate::diagnostic::Severity;
use std::io::{self, Write};

/// The hidden marker that identifies cymig's pull request comment.
pub const MARKDOWN_MARKER: &str = "<!-- cymig-report -->";

/// GitHub rejects comments over 65,536 characters; past this many rows the table is cut.
const MAX_ROWS: usize = 200;

pub fn markdown(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let totals = Totals::of(results);
    writeln!(out, "{MARKDOWN_MARKER}")?;
    if totals.findings() == 0 {
        writeln!(out, "### cymig: ✅ all checks passed")?;
        writeln!(out)?;
        writeln!(out, "{} checked, no findings.", plural(totals.files, "migration file", "migration files"))?;
        return Ok(());
    }
    let icon = if totals.errors > 0 { "❌" } else { "⚠️" };
    writeln!(out, "### cymig: {icon} {}", headline(&totals))?;
    writeln!(out)?;
    write_table(results, options, out)?;
    write_rule_counts(results, out)
}

fn headline(totals: &Totals) -> String {
    let mut counts = vec![plural(totals.errors, "error", "errors"), plural(totals.warnings, "warning", "warnings")];
    if totals.infos > 0 {
        counts.push(plural(totals.infos, "info", "infos"));
    }
    format!(
        "{} in {} ({} checked)",
        counts.join(", "),
        plural(totals.files_with_findings, "file", "files"),
        plural(totals.files, "file", "files")
    )
}

fn write_table(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| Severity | Location | Rule | Message |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    let mut rows = 0;
    let total = Totals::of(results).findings();
    for result in results {
        let path = shown_path(&result.source, Base::WorkingDir);
        for d in ordered(result) {
            if rows == MAX_ROWS {
                writeln!(out)?;
                writeln!(out, "… and {} more (run `cymig lint` locally to see all).", total - MAX_ROWS)?;
                return writeln!(out);
            }
            rows += 1;
            let (start, _) = positions(&result.source, d.span);
            let location = format!("{path}:{}:{}", start.line, start.column);
            let rule = match options.rule_url(d.rule) {
                Some(url) => format!("[{}]({url})", code_span(d.rule)),
                None => code_span(d.rule),
            };
            let mut message = cell(&d.message);
            if let Some(help) = &d.help {
                message.push_str(&format!("<br>*help:* {}", cell(help)));
            }
            if d.fix.is_some() {
                message.push_str(" *(fix available)*");
            }
            writeln!(out, "| {} | {} | {rule} | {message} |", severity(d.severity), code_span(&location))?;
        }
    }
    writeln!(out)
}

fn write_rule_counts(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<details><summary>Findings by rule</summary>")?;
    writeln!(out)?;
    writeln!(out, "| Rule | Code | Count |")?;
    writeln!(out, "| --- | --- | ---: |")?;
    for count in rule_counts(results) {
        writeln!(out, "| {} | {} | {} |", code_span(count.rule), cell(count.code), count.count)?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

/// Table-cell text: no raw HTML, no column breaks, no line breaks. Inside a code span
/// (`` `a <> b` ``) CommonMark shows `<`, `>` and `&` as written, so they are escaped only
/// outside one; `|` ends a table cell in both.
fn cell(text: &str) -> String {
    let backticks = text.matches('`').count();
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // An opening backtick without a closing one is literal text.
        let in_code = i % 2 == 1 && i < backticks;
        let escaped = if in_code {
            part.replace('|', "\\|")
        } else {
            part.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|")
        };
        out.push_str(&escaped);
    }
    out.replace("\r\n", "<br>").replace('\n', "<br>")
}

/// Inline code that survives backticks and pipes in the text.
fn code_span(text: &str) -> String {
    let text = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let fence = if text.contains('`') { "`` " } else { "`" };
    let close = if text.contains('`') { " ``" } else { "`" };
    format!("{fence}{text}{close}")
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn code_spans_keep_angle_brackets_and_text_escapes_them() {
        assert_eq!(cell("use `a <> b` for <x> & y"), "use `a <> b` for &lt;x&gt; &amp; y");
        assert_eq!(cell("`a | b` or c|d"), "`a \\| b` or c\\|d");
        assert_eq!(cell("a lone ` then <b>"), "a lone ` then &lt;b&gt;");
        assert_eq!(cell("two\nlines"), "two<br>lines");
    }
}
