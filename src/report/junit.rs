//! `--format junit`: JUnit XML for CI test-report views. One test suite per file; one failing test
//! case per finding; a file without findings gets one passing test case so it is counted.

use super::{ordered, positions, shown_path, Base, ReportOptions, Totals};
use crate::check::FileResult;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::io::{self, Write};

pub fn junit(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let totals = Totals::of(results);
    let tests: usize = results.iter().map(|r| r.diagnostics.len().max(1)).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="cymig" tests="{tests}" failures="{}" errors="0">"#, totals.findings())?;
    for result in results {
        write_suite(result, out)?;
    }
    writeln!(out, "</testsuites>")
}

fn write_suite(result: &FileResult, out: &mut dyn Write) -> io::Result<()> {
    let shown = shown_path(&result.source, Base::WorkingDir);
    let path = escape(&shown);
    let failures = result.diagnostics.len();
    writeln!(
        out,
        r#"  <testsuite name="{path}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
        failures.max(1)
    )?;
    if failures == 0 {
        writeln!(out, r#"    <testcase name="no findings" classname="{path}"/>"#)?;
    }
    for d in ordered(result) {
        write_case(&result.source, d, &shown, out)?;
    }
    writeln!(out, "  </testsuite>")
}

fn write_case(source: &SourceFile, d: &Diagnostic, shown: &str, out: &mut dyn Write) -> io::Result<()> {
    let (start, _) = positions(source, d.span);
    let location = format!("{shown}:{}:{}", start.line, start.column);
    let path = escape(shown);
    let mut body = format!("{location}: {} [{}] {}", d.severity.as_str(), d.rule, d.message);
    if let Some(help) = &d.help {
        body.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(fix) = &d.fix {
        body.push_str(&format!("\nfix: {}", fix.message));
    }
    writeln!(
        out,
        r#"    <testcase name="{} at line {}, column {}" classname="{path}" file="{path}" line="{}">"#,
        escape(d.rule),
        start.line,
        start.column,
        start.line
    )?;
    writeln!(
        out,
        r#"      <failure message="{}" type="{}">{}</failure>"#,
        escape(&d.message),
        escape(d.rule),
        escape_text(&body)
    )?;
    writeln!(out, "    </testcase>")
}

/// An attribute value: line breaks kept as character references, which attribute normalisation
/// would otherwise turn into spaces.
fn escape(text: &str) -> String {
    super::escape_markup(text, true)
}

/// Element content.
fn escape_text(text: &str) -> String {
    super::escape_markup(text, false)
}
