//! `--format github`: GitHub Actions workflow commands, which annotate the pull request diff.
//!
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=<rule>::<message>`; warnings become
//! `::warning`, infos `::notice`. Values are escaped as the Actions runner expects: `%`, `\r`, `\n`
//! everywhere, and also `:` and `,` inside properties.

use super::{ordered, positions, shown_path, Base, ReportOptions};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use std::io::{self, Write};

pub fn github(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        let path = shown_path(&result.source, Base::Repository);
        for d in ordered(result) {
            writeln!(out, "{}", command(&result.source, &path, d))?;
        }
    }
    Ok(())
}

fn command(source: &SourceFile, path: &str, d: &Diagnostic) -> String {
    let (start, end) = positions(source, d.span);
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut message = if d.code.is_empty() { d.message.clone() } else { format!("{} [{}]", d.message, d.code) };
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(fix) = &d.fix {
        message.push_str(&format!("\nfix: {}", fix.message));
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(path),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(d.rule),
        escape_data(&message)
    )
}

fn escape_data(value: &str) -> String {
    value.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}
