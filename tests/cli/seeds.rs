//! The seeds (real teams' runbooks, as migration files in fixtures/): what the checker must find.

use cymig::check::{self, LintOptions};
use std::path::{Path, PathBuf};

/// Until the real parser is merged, `syntax::parse` is a stub that parses nothing: skip.
fn parser_missing() -> bool {
    let missing = cymig::syntax::parse("RETURN 1").statements.is_empty();
    if missing {
        println!("the parser is not merged yet (syntax::parse is a stub); skipping");
    }
    missing
}

fn lint(dir: &str) -> check::LintOutcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    check::lint(&[path], &LintOptions::default()).expect("lint")
}

fn findings(outcome: &check::LintOutcome) -> Vec<(String, usize, &'static str, String, String)> {
    let mut v = Vec::new();
    for f in &outcome.files {
        let name = f.source.path.file_name().unwrap().to_string_lossy().into_owned();
        for d in &f.diagnostics {
            let line = f.source.line_col(d.span.start).line;
            v.push((name.clone(), line, d.rule, d.message.clone(), d.help.clone().unwrap_or_default()));
        }
    }
    v
}

fn render(outcome: &check::LintOutcome) -> String {
    findings(outcome)
        .into_iter()
        .map(|(file, line, rule, message, _)| format!("{file}:{line} {rule}: {message}\n"))
        .collect()
}

#[test]
fn seed_002_unbound_variable_in_pattern_2_down_script() {
    if parser_missing() {
        return;
    }
    let outcome = lint("fixtures/seed-002");
    let all = findings(&outcome);
    let unbound: Vec<_> = all.iter().filter(|f| f.2 == "undefined-variable").collect();
    assert_eq!(unbound.len(), 1, "{unbound:#?}");
    let (file, line, _, message, help) = unbound[0];
    assert_eq!(file, "U3__rename_customer_guid.cypher");
    assert_eq!(*line, 3);
    assert!(message.contains("`c`"), "{message}");
    assert!(help.contains("`p`"), "{help}");
}

#[test]
fn seed_002_exists_calls_and_unbatched_updates() {
    if parser_missing() {
        return;
    }
    let outcome = lint("fixtures/seed-002");
    let all = findings(&outcome);
    let exists_files: Vec<&str> = all.iter().filter(|f| f.2 == "exists-function").map(|f| f.0.as_str()).collect();
    for v in ["V1__", "V2__", "V3__", "V4__", "V5__", "V7__", "V8__"] {
        assert!(exists_files.iter().any(|f| f.starts_with(v)), "no exists-function in {v}: {exists_files:?}");
    }
    // V2 has a pattern exists() besides the property one: valid in Neo4j 5, so not reported.
    assert_eq!(exists_files.iter().filter(|f| f.starts_with("V2__")).count(), 1);
    let unbatched: Vec<&str> = all.iter().filter(|f| f.2 == "unbatched-write").map(|f| f.0.as_str()).collect();
    for v in ["V1__", "V2__", "V3__", "V4__", "V5__", "V6__", "V8__"] {
        assert!(unbatched.iter().any(|f| f.starts_with(v)), "no unbatched-write in {v}: {unbatched:?}");
    }
    // Pattern 6 batches by hand with `WITH p LIMIT $batch_size`.
    assert!(!unbatched.iter().any(|f| f.starts_with("V7__")));
    insta::assert_snapshot!("seed_002", render(&outcome));
}

#[test]
fn seed_001_removed_procedures_with_replacements() {
    if parser_missing() {
        return;
    }
    let outcome = lint("fixtures/seed-001");
    let all = findings(&outcome);
    let removed: Vec<_> = all.iter().filter(|f| f.2 == "removed-procedure").collect();
    let has = |proc_: &str, replacement: &str| removed.iter().any(|f| f.3.contains(proc_) && f.3.contains(replacement));
    assert!(has("db.constraints()", "SHOW CONSTRAINTS"), "{removed:#?}");
    assert!(has("dbms.listQueries()", "SHOW TRANSACTIONS"), "{removed:#?}");
    assert!(has("dbms.listTransactions()", "SHOW TRANSACTIONS"), "{removed:#?}");
    assert!(has("dbms.killQuery()", "TERMINATE TRANSACTIONS"), "{removed:#?}");
    assert!(has("db.indexes()", "SHOW INDEXES"), "{removed:#?}");
    insta::assert_snapshot!("seed_001", render(&outcome));
}

#[test]
fn seed_004() {
    if parser_missing() {
        return;
    }
    insta::assert_snapshot!("seed_004", render(&lint("fixtures/seed-004")));
}

/// Our own example migrations lint clean at error severity (warnings are allowed only when
/// suppressed with a reason, so: no findings at all).
#[test]
fn our_migrations_lint_clean() {
    if parser_missing() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let has_migrations = std::fs::read_dir(&dir)
        .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "cypher")))
        .unwrap_or(false);
    if !has_migrations {
        println!("migrations/ has no migrations yet; skipping");
        return;
    }
    let outcome = check::lint(&[PathBuf::from(&dir)], &LintOptions::default()).expect("lint");
    let all = findings(&outcome);
    assert!(all.is_empty(), "migrations/ is not clean:\n{}", render(&outcome));
}
