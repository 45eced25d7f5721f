//! `--format gitlab`: GitLab Code Quality report (a JSON array of issues), shown in merge requests.

use super::{clamp_span, ordered, positions, shown_path, Base, ReportOptions};
use crate::check::FileResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Write};

pub fn gitlab(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut issues = Vec::new();
    for result in results {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let path = shown_path(&result.source, Base::Repository);
        for d in ordered(result) {
            issues.push(issue(&result.source, &path, d, &mut seen));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

fn issue(source: &SourceFile, path: &str, d: &Diagnostic, seen: &mut HashMap<String, usize>) -> Value {
    let (start, end) = positions(source, d.span);
    let description = match &d.help {
        Some(help) => format!("{} ({})", d.message, help),
        None => d.message.clone(),
    };
    json!({
        "type": "issue",
        "description": description,
        "check_name": d.rule,
        "fingerprint": fingerprint(source, path, d, seen),
        "severity": severity(d.severity),
        "categories": ["Bug Risk"],
        "location": {
            "path": path,
            "lines": { "begin": start.line, "end": end.line },
        },
    })
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Stable across unrelated edits: built from the file (its path in the repository, so two
/// checkouts of one commit agree), the rule, the flagged text (whitespace
/// collapsed) and which occurrence of that same text it is — not from line numbers, so adding a
/// migration above does not make GitLab report every finding as new.
fn fingerprint(source: &SourceFile, path: &str, d: &Diagnostic, seen: &mut HashMap<String, usize>) -> String {
    let flagged = clamp_span(&source.text, d.span).text(&source.text).split_whitespace().collect::<Vec<_>>().join(" ");
    let key = format!("{}\0{}\0{}\0{}", path, d.rule, d.message, flagged);
    let occurrence = seen.entry(key.clone()).or_insert(0);
    *occurrence += 1;
    let digest = Sha256::digest(format!("{key}\0{occurrence}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
