//! Conformance against the openCypher TCK queries (`../shared/tck/tck.jsonl`, beside the clone):
//! every `main` query the TCK expects to succeed must parse, and the grammar-level error queries
//! (tag `@skipGrammarCheck`, integer and float overflow) must be rejected. Exceptions live in
//! tests/tck_exceptions.txt, one id per line with the reason.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::support::tck_path;

fn exceptions() -> HashSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tck_exceptions.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

struct Case {
    id: String,
    query: String,
    expect: String,
    tags: Vec<String>,
}

fn main_cases() -> Option<Vec<Case>> {
    let text = std::fs::read_to_string(tck_path()).ok()?;
    let mut cases = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("tck.jsonl line is JSON");
        if v["role"] != "main" {
            continue;
        }
        let tags = v["tags"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(String::from)).collect());
        cases.push(Case {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            query: v["query"].as_str().unwrap_or_default().to_string(),
            expect: v["expect"].as_str().unwrap_or_default().to_string(),
            tags: tags.unwrap_or_default(),
        });
    }
    Some(cases)
}

fn is_grammar_error(case: &Case) -> bool {
    case.tags.iter().any(|t| t == "@skipGrammarCheck")
        || case.expect.ends_with(":IntegerOverflow")
        || case.expect.ends_with(":FloatingPointOverflow")
}

#[test]
fn tck_queries() {
    let Some(cases) = main_cases() else {
        println!("skipped: ../shared/tck not present ({})", tck_path().display());
        return;
    };
    let exceptions = exceptions();
    let mut failures = Vec::new();
    let (mut ok_total, mut ok_parsed, mut err_total, mut err_rejected, mut excepted) = (0, 0, 0, 0, 0);
    for case in &cases {
        let script = cymig::syntax::parse(&case.query);
        if case.expect == "ok" {
            ok_total += 1;
            if script.errors.is_empty() && !script.statements.is_empty() {
                ok_parsed += 1;
            } else if exceptions.contains(&case.id) {
                excepted += 1;
            } else {
                let msg = script.errors.first().map(|e| format!("{} at {}", e.message, e.span.start));
                failures.push(format!(
                    "{} should parse: {:?}\n    {}",
                    case.id,
                    msg,
                    case.query.replace('\n', "\n    ")
                ));
            }
        } else if is_grammar_error(case) {
            err_total += 1;
            if !script.errors.is_empty() {
                err_rejected += 1;
            } else if exceptions.contains(&case.id) {
                excepted += 1;
            } else {
                failures.push(format!("{} should be rejected ({}):\n    {}", case.id, case.expect, case.query));
            }
        }
    }
    println!("TCK: {ok_parsed}/{ok_total} `ok` main queries parse; {err_rejected}/{err_total} grammar-level error queries rejected; {excepted} exceptions");
    if !failures.is_empty() {
        for f in failures.iter().take(300) {
            println!("{f}");
        }
        panic!("{} TCK conformance failures", failures.len());
    }
}
