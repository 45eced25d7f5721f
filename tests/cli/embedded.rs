//! Cypher inside APOC procedure strings (`apoc.periodic.iterate('MATCH …', 'DELETE …', {})`) is
//! parsed and linted where it stands: findings point at the line and column inside the string,
//! escaped quotes and multi-line strings included, and fixes inside strings keep the escaping.

use cymig::check::{self, fix, FixMode, LintOptions};
use cymig::source::SourceFile;
use std::fmt::Write;
use std::path::Path;

const FIXTURE: &str = "fixtures/embedded/V1__apoc_strings.cypher";

fn fixture() -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    SourceFile::new(FIXTURE, std::fs::read_to_string(path).expect("fixture"))
}

/// Each finding as `line:column-line:column severity rule: message` and the text it covers.
fn render(result: &check::FileResult) -> String {
    let mut out = String::new();
    for d in &result.diagnostics {
        let (start, end) = result.source.span_line_cols(d.span);
        let _ = writeln!(
            out,
            "{}:{}-{}:{} {} {}: {}\n  | {}",
            start.line,
            start.column,
            end.line,
            end.column,
            d.severity.as_str(),
            d.rule,
            d.message,
            d.span.text(&result.source.text).lines().next().unwrap_or("")
        );
        if let Some(f) = &d.fix {
            let _ = writeln!(out, "  = fix: {}", f.message);
        }
    }
    out
}

#[test]
fn findings_point_inside_the_strings() {
    let source = fixture();
    let result = check::lint_source(FIXTURE, &source.text, &LintOptions::default());
    insta::assert_snapshot!(render(&result));
}

#[test]
fn fixes_inside_strings_keep_the_escaping() {
    let source = fixture();
    let options = LintOptions { fix: FixMode::Safe, ..LintOptions::default() };
    let first = check::lint_source(FIXTURE, &source.text, &options);
    let (result, _) = fix::fix_until_stable(&first.source.clone(), first, &options, |s| {
        check::lint_source(FIXTURE, &s.text, &options)
    });
    let fixed = &result.source.text;
    assert!(fixed.contains(r"{name: \'O\\\'Reilly\'}) WHERE c.vat IS NOT NULL SET"), "{fixed}");
    assert!(fixed.contains("  WHERE p.legacyId IS NOT NULL\n  RETURN p\","), "{fixed}");
    assert!(!result.diagnostics.iter().any(|d| d.rule == "exists-function"), "{}", render(&result));
    let infos = |r: &check::FileResult| r.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
    assert_eq!(infos(&result), 1, "the fixes broke no string:\n{}", render(&result));
}

#[test]
fn a_whole_graph_delete_in_an_iterate_string_fails_the_lint() {
    let text = "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {batchSize: 1000});\n";
    let result = check::lint_source("V1__wipe.cypher", text, &LintOptions::default());
    let delete = result.diagnostics.iter().find(|d| d.rule == "destructive-delete").expect("reported");
    assert_eq!(delete.span.text(text), "DETACH DELETE n");
    assert_eq!(delete.severity.as_str(), "error");
    assert!(!result.diagnostics.iter().any(|d| d.rule == "unbatched-write"), "the procedure batches it");
}

#[test]
fn a_suppression_before_the_call_covers_its_strings() {
    let text = "// cymig:ignore destructive-delete, label-less-scan -- test data reset\n\
                CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {batchSize: 1000});\n";
    let result = check::lint_source("V1__wipe.cypher", text, &LintOptions::default());
    assert_eq!(render(&result), "");
}
