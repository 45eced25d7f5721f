//! `--format rdjson`: reviewdog's Diagnostic Format, with fixes as suggestions.
//! Columns here are UTF-8 byte counts (1-based), as that format defines them.

use super::{byte_column, clamp_span, ordered, shown_path, Base, ReportOptions};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::span::Span;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn rdjson(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics: Vec<Value> = results
        .iter()
        .flat_map(|result| {
            let path = shown_path(&result.source, Base::Repository);
            ordered(result).into_iter().map(move |d| diagnostic(&result.source, &path, d, options))
        })
        .collect();
    let report = json!({
        "source": { "name": "cymig" },
        "diagnostics": diagnostics,
    });
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn diagnostic(source: &SourceFile, path: &str, d: &Diagnostic, options: &ReportOptions) -> Value {
    let mut code = json!({ "value": d.rule });
    if let Some(url) = options.rule_url(d.rule) {
        code["url"] = json!(url);
    }
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let suggestions: Vec<Value> = d
        .fix
        .iter()
        .flat_map(|fix| fix.edits.iter())
        .map(|edit| json!({ "range": range(source, edit.span), "text": edit.replacement }))
        .collect();
    let mut value = json!({
        "message": message,
        "location": { "path": path, "range": range(source, d.span) },
        "severity": severity(d.severity),
        "code": code,
    });
    if !suggestions.is_empty() {
        value["suggestions"] = json!(suggestions);
    }
    value
}

fn range(source: &SourceFile, span: Span) -> Value {
    let span = clamp_span(&source.text, span);
    json!({
        "start": { "line": source.line_col(span.start).line, "column": byte_column(source, span.start) },
        "end": { "line": source.line_col(span.end).line, "column": byte_column(source, span.end) },
    })
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}
