//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it (`upload-sarif`).
//!
//! Rule metadata comes from [`ReportOptions::rules`]; a rule that reported findings but has no
//! metadata still gets a `rules[]` entry so every `ruleIndex` is valid. Columns are Unicode code
//! points (`columnKind: unicodeCodePoints`), 1-based, end exclusive.

use super::{ordered, positions, shown_path, Base, ReportOptions};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::source::SourceFile;
use crate::span::Span;
use serde_json::{json, Value};
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn sarif(results: &[FileResult], options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let rule_ids = rule_ids(results, options);
    let sarif_results: Vec<Value> = results
        .iter()
        .flat_map(|result| {
            let rule_ids = &rule_ids;
            ordered(result).into_iter().map(move |d| sarif_result(&result.source, d, rule_ids))
        })
        .collect();
    let rules: Vec<Value> = rule_ids.iter().map(|name| rule_descriptor(name, options)).collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cymig",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Rules with metadata in registry order, then rules that reported without metadata, by name.
fn rule_ids<'a>(results: &'a [FileResult], options: &'a ReportOptions) -> Vec<&'a str> {
    let mut ids: Vec<&str> = options.rules.iter().map(|r| r.name).collect();
    let mut extra: Vec<&str> = results
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.rule))
        .filter(|rule| options.rule(rule).is_none())
        .collect();
    extra.sort_unstable();
    extra.dedup();
    ids.extend(extra);
    ids
}

fn rule_descriptor(name: &str, options: &ReportOptions) -> Value {
    let Some(meta) = options.rule(name) else {
        return json!({ "id": name, "name": pascal_case(name) });
    };
    let mut rule = json!({
        "id": meta.name,
        "name": pascal_case(meta.name),
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.summary },
        "defaultConfiguration": { "level": level(meta.default_severity) },
        "properties": { "code": meta.code, "tags": tags(meta.category) },
    });
    if !meta.docs.is_empty() {
        rule["help"] = json!({ "text": meta.docs, "markdown": meta.docs });
    }
    if let Some(url) = options.rule_url(meta.name) {
        rule["helpUri"] = json!(url);
    }
    rule
}

fn tags(category: &str) -> Vec<&str> {
    let mut tags = vec!["cypher", "neo4j"];
    if !category.is_empty() {
        tags.push(category);
    }
    tags
}

fn sarif_result(source: &SourceFile, d: &Diagnostic, rule_ids: &[&str]) -> Value {
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let mut result = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(source) },
                "region": region(source, d.span),
            }
        }],
    });
    if let Some(index) = rule_ids.iter().position(|id| *id == d.rule) {
        result["ruleIndex"] = json!(index);
    }
    if let Some(fix) = &d.fix {
        result["fixes"] = json!([sarif_fix(source, fix)]);
    }
    result
}

fn sarif_fix(source: &SourceFile, fix: &Fix) -> Value {
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|edit| json!({ "deletedRegion": region(source, edit.span), "insertedContent": { "text": edit.replacement } }))
        .collect();
    json!({
        "description": { "text": fix.message },
        "artifactChanges": [{ "artifactLocation": { "uri": uri(source) }, "replacements": replacements }],
    })
}

fn region(source: &SourceFile, span: Span) -> Value {
    let (start, end) = positions(source, span);
    json!({ "startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The path as a URI reference: relative paths stay relative (code scanning resolves them against
/// the checkout), absolute ones become `file://` URIs; reserved characters are percent-encoded.
fn uri(source: &SourceFile) -> String {
    let path = shown_path(source, Base::Repository);
    let encoded = percent_encode(&path);
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}
