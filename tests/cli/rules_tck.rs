//! `undefined-variable` against the openCypher TCK (`../shared/tck/tck.jsonl`; `CYMIG_SHARED_DIR`
//! overrides `../shared`): no finding on any query the TCK expects to run, and a finding on
//! (nearly) every query it expects to fail with `UndefinedVariable`. Skipped when absent.

use cymig::check::{self, LintOptions};

use crate::support::tck_path;

#[test]
fn undefined_variable_agrees_with_the_tck() {
    let Ok(text) = std::fs::read_to_string(tck_path()) else {
        println!("skipped: ../shared/tck not present ({})", tck_path().display());
        return;
    };
    if cymig::syntax::parse("RETURN 1").statements.is_empty() {
        println!("skipped: parser not merged");
        return;
    }
    let options = LintOptions { select: vec!["undefined-variable".into()], ..Default::default() };
    let (mut expected, mut caught, mut false_positives) = (0, 0, Vec::new());
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let (Some(query), Some(expect)) = (v["query"].as_str(), v["expect"].as_str()) else { continue };
        let found = check::lint_source("tck.cypher", query, &options)
            .diagnostics
            .iter()
            .any(|d| d.rule == "undefined-variable");
        if expect == "SyntaxError:UndefinedVariable" {
            expected += 1;
            caught += usize::from(found);
        } else if expect == "ok" && found {
            false_positives.push(query.to_string());
        }
    }
    assert!(
        false_positives.is_empty(),
        "undefined-variable on valid TCK queries:\n{}",
        false_positives.join("\n---\n")
    );
    // The two misses sort on an aggregate that is not projected (`ORDER BY sum(sum)`), which
    // `semantic-error` reports with Neo4j's own message.
    assert!(expected == 0 || caught * 100 >= expected * 90, "caught {caught} of {expected}");
    println!("undefined-variable: caught {caught} of {expected} TCK UndefinedVariable queries, 0 false positives");
}

/// Grammar-level rejections: the parser's business, not semantic analysis.
const GRAMMAR_LEVEL: &[&str] = &[
    "UnexpectedSyntax",
    "InvalidNumberLiteral",
    "InvalidRelationshipPattern",
    "InvalidUnicodeLiteral",
    "InvalidUnicodeCharacter",
    "IntegerOverflow",
    "FloatingPointOverflow",
];

/// `semantic-error` never fires on a query the TCK runs (setup and control queries included),
/// and it and `undefined-variable` (which owns the UndefinedVariable scenarios) catch a share of
/// the compile-time semantic errors the TCK expects, printed per kind.
#[test]
fn semantic_error_never_fires_on_a_valid_tck_query() {
    let Ok(text) = std::fs::read_to_string(tck_path()) else {
        println!("skipped: ../shared/tck not present ({})", tck_path().display());
        return;
    };
    let mut false_positives = Vec::new();
    let mut per_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let (Some(query), Some(expect)) = (v["query"].as_str(), v["expect"].as_str()) else { continue };
        let options = with_procedures(&v["procedures"]);
        let diagnostics = check::lint_source("tck.cypher", query, &options).diagnostics;
        let found: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        if expect == "ok" {
            if !found.is_empty() {
                false_positives.push(format!("{query}\n  => {}", found.join(" | ")));
            }
            continue;
        }
        let compile_time = v["phase"].as_str() == Some("compile time");
        let Some(kind) = expect.strip_prefix("SyntaxError:") else { continue };
        if v["role"] != "main" || !compile_time || GRAMMAR_LEVEL.contains(&kind) {
            continue;
        }
        let entry = per_kind.entry(kind.to_string()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(!found.is_empty());
    }
    assert!(
        false_positives.is_empty(),
        "semantic-error or undefined-variable on {} valid TCK queries:\n{}",
        false_positives.len(),
        false_positives.join("\n---\n")
    );
    let (expected, caught) = per_kind.values().fold((0, 0), |(e, c), (pe, pc)| (e + pe, c + pc));
    for (kind, (e, c)) in &per_kind {
        println!("  {kind:32} {c:4} / {e}");
    }
    println!(
        "semantic-error and undefined-variable: {caught} of {expected} compile-time semantic TCK errors reported, 0 on valid queries"
    );
    assert!(caught >= 541, "caught only {caught} of {expected}");
}

/// `semantic-error` and `undefined-variable`, with the scenario's own procedures declared as `[lint] procedures`
/// would declare them.
fn with_procedures(procedures: &serde_json::Value) -> LintOptions {
    let signatures = procedures.as_array().into_iter().flatten().filter_map(|p| p.as_str());
    let procedures = signatures
        .map(|p| cymig::semantic::ProcedureSignature::parse(p).expect("the TCK's signatures parse"))
        .collect();
    let settings = cymig::rules::Settings { procedures, ..Default::default() };
    let select = vec!["semantic-error".into(), "undefined-variable".into()];
    LintOptions { settings, select, ..Default::default() }
}
