//! Fixes that are safe on real repositories, with the real binary: a migration recorded in
//! `cymig.sum` is never rewritten (the user is told why, and what a new migration would hold),
//! `--fix` never reports a clean pass that the next run contradicts, and a fix that would not
//! re-lint clean is not offered at all.

use crate::support::cli;
use cli::cymig;
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const RECORDED: &str = "CREATE INDEX FOR (p:Person) ON (p.name);\n\
                        CREATE BTREE INDEX person_email FOR (p:Person) ON (p.email);\n\
                        MATCH (p:Person) WHERE exists(p.name) RETURN count(p);\n";
const NEW: &str = "CREATE INDEX FOR (c:City) ON (c.name);\n";

/// `m/V1` recorded in `m/cymig.sum`, `m/V2` added after it.
fn recorded_set(dir: &Path) {
    std::fs::create_dir_all(dir.join("m")).unwrap();
    std::fs::write(dir.join("m/V1__person.cypher"), RECORDED).unwrap();
    assert_eq!(cymig(&["hash", "m"], dir).status.code(), Some(0));
    std::fs::write(dir.join("m/V2__city.cypher"), NEW).unwrap();
}

#[test]
fn fix_leaves_recorded_migrations_alone_and_says_what_to_do_instead() {
    let dir = tempfile::tempdir().unwrap();
    recorded_set(dir.path());
    let fixing = cymig(&["lint", "--fix", "--target", "4.4", "m"], dir.path());
    assert_eq!(std::fs::read_to_string(dir.path().join("m/V1__person.cypher")).unwrap(), RECORDED);
    let fixed = std::fs::read_to_string(dir.path().join("m/V2__city.cypher")).unwrap();
    assert_eq!(fixed, "CREATE INDEX city_name_index IF NOT EXISTS FOR (c:City) ON (c.name);\n");
    insta::assert_snapshot!("recorded_migration_note", text(&fixing.stderr));

    // The pass after the fixes is the one the next run makes: V2 is still not in cymig.sum.
    let next = cymig(&["lint", "--target", "4.4", "m"], dir.path());
    assert_eq!(text(&fixing.stdout), text(&next.stdout));
    assert_eq!(fixing.status.code(), Some(1));
    assert_eq!(next.status.code(), Some(1));
    assert!(text(&next.stdout).contains("`V2__city.cypher` is not in cymig.sum"), "{}", text(&next.stdout));
}

#[test]
fn diff_shows_no_edit_of_a_recorded_migration() {
    let dir = tempfile::tempdir().unwrap();
    recorded_set(dir.path());
    let diff = cymig(&["lint", "--diff", "m"], dir.path());
    let shown = text(&diff.stdout);
    assert!(shown.contains("+++ b/m/V2__city.cypher"), "{shown}");
    assert!(!shown.contains("V1__person"), "{shown}");
    assert!(text(&diff.stderr).contains("note: m/V1__person.cypher is recorded in m/cymig.sum"));
}

#[test]
fn a_batching_rewrite_that_would_not_re_lint_clean_is_not_offered() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "MATCH (n:Person)\nCREATE (m:Copy {name: n.name})\nRETURN count(m);\n";
    let clean = "MATCH (n:Person)\nSET n.flag = true\nRETURN count(n);\n";
    std::fs::write(dir.path().join("broken.cypher"), broken).unwrap();
    std::fs::write(dir.path().join("clean.cypher"), clean).unwrap();

    let json = cymig(&["lint", "--format", "json", "broken.cypher"], dir.path());
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let batching = findings.as_array().unwrap().iter().find(|f| f["rule"] == "unbatched-write").expect("reported");
    assert!(batching["fix"].is_null(), "{batching:#}");
    let help = batching["help"].as_str().unwrap();
    assert!(help.contains("no automatic fix is offered") && help.contains("variable `m` is not defined"), "{help}");

    let diff = cymig(&["lint", "--diff", "--unsafe-fixes", "broken.cypher", "clean.cypher"], dir.path());
    insta::assert_snapshot!("batching_diff", text(&diff.stdout));
    let fix = cymig(&["lint", "--fix", "--unsafe-fixes", "broken.cypher", "clean.cypher"], dir.path());
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.cypher")).unwrap(), broken);
    assert!(!text(&fix.stdout).contains("undefined-variable"), "{}", text(&fix.stdout));
}
