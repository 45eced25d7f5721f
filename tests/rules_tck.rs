//! `undefined-variable` against the openCypher TCK (`../shared/tck/tck.jsonl`; `CYMIG_SHARED_DIR`
//! overrides `../shared`): no finding on any query the TCK expects to run, and a finding on
//! (nearly) every query it expects to fail with `UndefinedVariable`. Skipped when absent.

use cymig::check::{self, LintOptions};
use std::path::PathBuf;

fn tck_path() -> PathBuf {
    let shared = std::env::var_os("CYMIG_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    shared.join("tck/tck.jsonl")
}

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
    // The remaining misses are ORDER BY after DISTINCT/aggregation referring to a property of
    // a grouping variable that is not itself projected.
    assert!(expected == 0 || caught * 100 >= expected * 90, "caught {caught} of {expected}");
    println!("undefined-variable: caught {caught} of {expected} TCK UndefinedVariable queries, 0 false positives");
}
