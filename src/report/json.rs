//! `--format json`: an array of findings with 1-based lines and character columns.

use super::{ordered, positions, shown_path, Base, ReportOptions};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Fix};
use crate::source::SourceFile;
use crate::span::Span;
use serde::Serialize;
use std::io::{self, Write};

/// One finding; the field order is the documented one.
#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    code: &'a str,
    severity: &'a str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    fix: Option<FixJson<'a>>,
}

#[derive(Serialize)]
struct FixJson<'a> {
    message: &'a str,
    /// Safe fixes are the ones `cymig lint --fix` applies.
    safe: bool,
    edits: Vec<EditJson<'a>>,
}

/// Replace `line:column..end_line:end_column` (end exclusive) with `content`.
#[derive(Serialize)]
struct EditJson<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

pub fn json(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<Finding> = results
        .iter()
        .flat_map(|result| {
            let path = shown_path(&result.source, Base::WorkingDir);
            ordered(result).into_iter().map(move |d| finding(&result.source, path.clone(), d))
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &findings)?;
    writeln!(out)
}

fn finding<'a>(source: &SourceFile, file: String, d: &'a Diagnostic) -> Finding<'a> {
    let (line, column, end_line, end_column) = range(source, d.span);
    Finding {
        rule: d.rule,
        code: d.code,
        severity: d.severity.as_str(),
        file,
        line,
        column,
        end_line,
        end_column,
        message: &d.message,
        help: d.help.as_deref(),
        fix: d.fix.as_ref().map(|fix| fix_json(source, fix)),
    }
}

fn fix_json<'a>(source: &SourceFile, fix: &'a Fix) -> FixJson<'a> {
    let edits = fix
        .edits
        .iter()
        .map(|edit| {
            let (line, column, end_line, end_column) = range(source, edit.span);
            EditJson { line, column, end_line, end_column, content: &edit.replacement }
        })
        .collect();
    FixJson { message: &fix.message, safe: fix.is_safe(), edits }
}

fn range(source: &SourceFile, span: Span) -> (usize, usize, usize, usize) {
    let (start, end) = positions(source, span);
    (start.line, start.column, end.line, end.column)
}
