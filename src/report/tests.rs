//! Every format rendered from one fixed set of synthetic findings: several files, every severity,
//! a fix, Unicode text and paths, a span across lines, characters each format must escape.

use super::*;
use crate::diagnostic::{Applicability, Edit, Fix};
use std::sync::Arc;

const SCHEMA_FILE: &str = "\
// the schema first
CREATE INDEX person_name FOR (n:Person) ON (n.name);
CREATE CONSTRAINT ON (p:Person) ASSERT p.id IS UNIQUE;
";

const DATA_FILE: &str = "\
MATCH (p:Personne {nom: 'Zoë'})
SET p.âge = 42,
    p.ville = 'Köln'
RETURN p;
";

const RULES: &[RuleInfo] = &[
    RuleInfo {
        name: "require-if-not-exists",
        code: "CM002",
        summary: "CREATE INDEX/CONSTRAINT without IF NOT EXISTS",
        default_severity: Severity::Error,
        category: "robustness",
        docs: "A re-run after a partial failure fails with *already exists*. Use `IF NOT EXISTS`.",
    },
    RuleInfo {
        name: "unbatched-write",
        code: "CM005",
        summary: "A label-wide write outside CALL { … } IN TRANSACTIONS",
        default_severity: Severity::Warning,
        category: "performance",
        docs: "",
    },
    RuleInfo {
        name: "legacy-constraint-syntax",
        code: "CM010",
        summary: "Neo4j 4 `ON … ASSERT` constraint syntax",
        default_severity: Severity::Error,
        category: "",
        docs: "",
    },
];

fn offset_of(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the fixture"))
}

fn span_of(text: &str, needle: &str) -> Span {
    let start = offset_of(text, needle);
    Span::new(start, start + needle.len())
}

pub(crate) fn sample_results() -> Vec<FileResult> {
    let schema = Arc::new(SourceFile::new("migrations/V1__schema.cypher", SCHEMA_FILE));
    let data = Arc::new(SourceFile::new("migrations/V2__données, «ville».cypher", DATA_FILE));
    let clean = Arc::new(SourceFile::new("migrations/V3__clean.cypher", "RETURN 1;\n"));
    let name_end = span_of(SCHEMA_FILE, "person_name").end;
    let schema_findings = vec![
        // Deliberately out of order: reporters sort by position.
        Diagnostic {
            rule: "legacy-constraint-syntax",
            code: "CM010",
            severity: Severity::Error,
            span: span_of(SCHEMA_FILE, "ON (p:Person) ASSERT p.id IS UNIQUE"),
            message: "`ON … ASSERT` was removed in Neo4j 5".into(),
            help: Some("use `FOR (p:Person) REQUIRE p.id IS UNIQUE`".into()),
            fix: Some(Fix {
                message: "rewrite as `FOR … REQUIRE`".into(),
                edits: vec![
                    Edit::replace(span_of(SCHEMA_FILE, "ON (p"), "FOR (p"),
                    Edit::replace(span_of(SCHEMA_FILE, "ASSERT"), "REQUIRE"),
                ],
                applicability: Applicability::Unsafe,
            }),
        },
        Diagnostic {
            rule: "require-if-not-exists",
            code: "CM002",
            severity: Severity::Error,
            span: span_of(SCHEMA_FILE, "CREATE INDEX person_name"),
            message: "`CREATE INDEX` without `IF NOT EXISTS`".into(),
            help: Some("a re-run after a partial failure fails with \"already exists\"".into()),
            fix: Some(Fix {
                message: "insert `IF NOT EXISTS`".into(),
                edits: vec![Edit::insert(name_end, " IF NOT EXISTS")],
                applicability: Applicability::Safe,
            }),
        },
    ];
    let set_start = offset_of(DATA_FILE, "SET p.âge");
    let set_end = offset_of(DATA_FILE, "'Köln'") + "'Köln'".len();
    let data_findings = vec![
        Diagnostic {
            rule: "unbatched-write",
            code: "CM005",
            severity: Severity::Warning,
            span: Span::new(set_start, set_end),
            message: "SET on every `:Personne` in one transaction — 100% of nodes, a, b: c\nsecond line".into(),
            help: Some("wrap the write in `CALL (p) { … } IN TRANSACTIONS OF 1000 ROWS`".into()),
            fix: None,
        },
        Diagnostic {
            rule: "id-function",
            code: "",
            severity: Severity::Info,
            span: span_of(DATA_FILE, "'Zoë'"),
            message: "a note with <markup> & a | pipe about 'Zoë'".into(),
            help: None,
            fix: None,
        },
    ];
    vec![
        FileResult { source: schema, diagnostics: schema_findings },
        FileResult { source: data, diagnostics: data_findings },
        FileResult { source: clean, diagnostics: vec![] },
    ]
}

fn render(format: Format, results: &[FileResult]) -> String {
    let options = ReportOptions { rules: RULES, color: false, docs_url: Some("https://cymig.dev/rules/") };
    let mut out = Vec::new();
    write_report(format, results, &options, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("reporters write UTF-8")
}

#[test]
fn text_format() {
    insta::assert_snapshot!(render(Format::Text, &sample_results()));
}

#[test]
fn json_format() {
    let output = render(Format::Json, &sample_results());
    let parsed: serde_json::Value = serde_json::from_str(&output).expect("valid JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(4));
    insta::assert_snapshot!(output);
}

#[test]
fn sarif_format() {
    let output = render(Format::Sarif, &sample_results());
    let log: serde_json::Value = serde_json::from_str(&output).expect("valid JSON");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("every result has a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().is_some());
    }
    insta::assert_snapshot!(output);
}

#[test]
fn github_format() {
    insta::assert_snapshot!(render(Format::Github, &sample_results()));
}

#[test]
fn gitlab_format() {
    let output = render(Format::Gitlab, &sample_results());
    let issues: Vec<serde_json::Value> = serde_json::from_str(&output).expect("valid JSON");
    let mut fingerprints: Vec<&str> = issues.iter().filter_map(|i| i["fingerprint"].as_str()).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    insta::assert_snapshot!(output);
}

#[test]
fn gitlab_fingerprints_survive_lines_added_above() {
    let fingerprints = |results: &[FileResult]| {
        let issues: Vec<serde_json::Value> =
            serde_json::from_str(&render(Format::Gitlab, results)).expect("valid JSON");
        issues.iter().map(|i| i["fingerprint"].clone()).collect::<Vec<_>>()
    };
    let before = sample_results();
    let shifted: Vec<FileResult> = before
        .iter()
        .map(|r| {
            let text = format!("// a new comment\n{}", r.source.text);
            FileResult {
                source: Arc::new(SourceFile::new(r.source.path.clone(), text)),
                diagnostics: r
                    .diagnostics
                    .iter()
                    .map(|d| Diagnostic { span: d.span.shifted("// a new comment\n".len()), ..d.clone() })
                    .collect(),
            }
        })
        .collect();
    assert_eq!(fingerprints(&before), fingerprints(&shifted));
}

#[test]
fn rdjson_format() {
    let output = render(Format::Rdjson, &sample_results());
    serde_json::from_str::<serde_json::Value>(&output).expect("valid JSON");
    insta::assert_snapshot!(output);
}

#[test]
fn junit_format() {
    insta::assert_snapshot!(render(Format::Junit, &sample_results()));
}

#[test]
fn markdown_format() {
    let output = render(Format::Markdown, &sample_results());
    assert!(output.starts_with(MARKDOWN_MARKER));
    insta::assert_snapshot!(output);
}

#[test]
fn statistics_text_and_json() {
    let results = sample_results();
    let options = ReportOptions::default();
    let mut text = Vec::new();
    statistics(&results, &options, &mut text).expect("writing to memory");
    let mut json = Vec::new();
    statistics_json(&results, &options, &mut json).expect("writing to memory");
    insta::assert_snapshot!(format!("{}\n{}", String::from_utf8_lossy(&text), String::from_utf8_lossy(&json)));
}

#[test]
fn clean_run_in_every_format() {
    let clean =
        vec![FileResult { source: Arc::new(SourceFile::new("V1__a.cypher", "RETURN 1;\n")), diagnostics: vec![] }];
    let all: Vec<String> = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
        Format::Rdjson,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ]
    .into_iter()
    .map(|format| format!("== {format:?}\n{}", render(format, &clean)))
    .collect();
    insta::assert_snapshot!(all.join("\n"));
}

/// A rule that produces a span past the end or inside a character must not make any reporter
/// fail or panic.
#[test]
fn bad_spans_are_clamped_in_every_format() {
    let source = Arc::new(SourceFile::new("x.cypher", "RETURN 'é';"));
    let broken = |span: Span| Diagnostic {
        rule: "some-rule",
        code: "X1",
        severity: Severity::Error,
        span,
        message: "m".into(),
        help: None,
        fix: Some(Fix {
            message: "f".into(),
            edits: vec![Edit::replace(span, "y")],
            applicability: Applicability::Safe,
        }),
    };
    let results = vec![FileResult {
        source,
        diagnostics: vec![broken(Span::new(9, 10)), broken(Span::new(50, 60)), broken(Span::new(8, 3))],
    }];
    for format in [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
        Format::Rdjson,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ] {
        assert!(!render(format, &results).is_empty(), "{format:?}");
    }
}

#[test]
fn summary_line_counts_and_pluralises() {
    let totals = Totals { errors: 1, warnings: 2, infos: 0, files_with_findings: 1, files: 3 };
    assert_eq!(summary_line(&totals), "1 error, 2 warnings in 1 file (3 files checked)");
    assert_eq!(summary_line(&Totals { files: 1, ..Totals::default() }), "All checks passed (1 file checked)");
}
