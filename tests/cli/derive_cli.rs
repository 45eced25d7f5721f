//! `cymig derive-down` and `cymig plan` from the command line: output and exit codes.

use std::path::Path;
use std::process::Command;

fn cymig(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cymig")).args(args).output().expect("cymig runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reversible_migration_prints_its_down_and_exits_0() {
    let (code, stdout, _) = cymig(&["derive-down", "fixtures/derive/V3__rename_property.cypher"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("// Down script of V3__rename_property.cypher"), "{stdout}");
    assert!(stdout.contains("SET a.fullName = a.displayName"), "{stdout}");
}

#[test]
fn an_irreversible_migration_exits_1_and_names_each_statement() {
    let (code, stdout, stderr) = cymig(&["derive-down", "fixtures/derive/V13__irreversible.cypher"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    insta::assert_snapshot!("cli_irreversible", stderr);
}

#[test]
fn write_creates_the_companion_down_file() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["V1__create_schema.cypher", "V2__drop_schema.cypher"] {
        std::fs::copy(Path::new("fixtures/derive").join(f), tmp.path().join(f)).unwrap();
    }
    let up = tmp.path().join("V2__drop_schema.cypher");
    let (code, _, stderr) = cymig(&["derive-down", "--write", up.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(tmp.path().join("U2__drop_schema.cypher")).unwrap();
    assert!(written.contains("CREATE TEXT INDEX person_bio IF NOT EXISTS"), "{written}");
    // A second --write refuses to overwrite it.
    let (code, _, stderr) = cymig(&["derive-down", "--write", up.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn check_reports_what_the_explicit_down_fails_to_undo() {
    // U3 of seed 002 filters on an unbound `c`: Neo4j rejects it, so nothing is renamed back.
    let (code, stdout, _) = cymig(&["derive-down", "--check", "fixtures/seed-002/V3__rename_customer_guid.cypher"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("cli_check_seed_002_v3", stdout);
    // U1 undoes V1.
    let (code, stdout, _) = cymig(&["derive-down", "--check", "fixtures/seed-002/V1__add_project_priority.cypher"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn check_compares_effects_not_text() {
    // fixtures/derive-check: an unscoped delete of what V2 created by key, a restore that reads
    // a property V4 renames for good, a down Neo4j rejects, drops of schema V5 did not create.
    for v in ["V2__admin", "V3__legacy_flag", "V4__archive_flag", "V5__score"] {
        let (code, stdout, _) = cymig(&["derive-down", "--check", &format!("fixtures/derive-check/{v}.cypher")]);
        assert_eq!(code, 1, "{stdout}");
        insta::assert_snapshot!(format!("cli_check_{v}"), stdout);
    }
    // DETACH DELETE of the nodes the up created takes their relationships and labels along.
    let (code, stdout, _) = cymig(&["derive-down", "--check", "fixtures/rules/down-mismatch/V7__wallet.cypher"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("creates-new") && !stdout.contains("incomplete"), "{stdout}");
    // In-file down sections are checked too.
    let (code, stdout, _) = cymig(&["derive-down", "--check", "fixtures/rules/down-mismatch/V5__in_file.cypher"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("order_channel"), "{stdout}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = cymig(&["derive-down", "fixtures/derive/does_not_exist.cypher"]);
    assert_eq!(code, 2);
    let (code, _, _) = cymig(&["derive-down", "fixtures/seed-002/U1__add_project_priority.cypher"]);
    assert_eq!(code, 2);
    let (code, _, _) = cymig(&["derive-down", "--check", "fixtures/derive/V3__rename_property.cypher"]);
    assert_eq!(code, 2, "no explicit down to check");
}

#[test]
fn plan_cli_prints_text_and_json() {
    let (code, stdout, _) = cymig(&["plan", "fixtures/plan/mixed", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let step = &v["migrations"][0]["steps"][0];
    assert_eq!(step["transaction"], "auto-commit");
    assert_eq!(step["statements"][0]["kind"], "schema");
    assert!(step["statements"][0]["line"].is_u64());
    let (code, stdout, _) = cymig(&["plan", "fixtures/plan/mixed", "--to", "1"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("## cymig plan: 1 migration"), "{stdout}");
    let (code, _, _) = cymig(&["plan", "fixtures/plan/mixed", "--from", "x.y"]);
    assert_eq!(code, 2);
}

/// `--check --down FILE` checks a down script of any name (`rollback/V1.cypher`) against the up.
#[test]
fn check_takes_a_down_script_of_any_name() {
    let up = "fixtures/seed-002/V1__add_project_priority.cypher";
    let tmp = tempfile::tempdir().unwrap();
    let down = tmp.path().join("V1.rollback.cypher");
    let down_arg = down.to_str().unwrap();
    // The derived down undoes everything.
    let (code, derived, _) = cymig(&["derive-down", up]);
    assert_eq!(code, 0);
    std::fs::write(&down, derived).unwrap();
    let (code, stdout, stderr) = cymig(&["derive-down", "--check", up, "--down", down_arg]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("V1.rollback.cypher undoes everything"), "{stdout}");
    // One that undoes nothing is reported at the up statement, and one Neo4j rejects at its own.
    std::fs::write(&down, "MATCH (p:Project) RETURN p;\nMATCH (p:Project) REMOVE;\n").unwrap();
    let (code, stdout, _) = cymig(&["derive-down", "--check", up, "--down", down_arg]);
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("cli_check_down_of_any_name", stdout.replace(down_arg, "<down>"));
    // --down needs --check; a missing file or the up itself is a usage error.
    assert_eq!(cymig(&["derive-down", up, "--down", down_arg]).0, 2);
    assert_eq!(cymig(&["derive-down", "--check", up, "--down", "no/such/file.cypher"]).0, 2);
    assert_eq!(cymig(&["derive-down", "--check", up, "--down", up]).0, 2);
}

/// A file of a version with alternatives (preconditions that exclude each other) gets the down
/// `cymig plan` derives for it, against the migrations before its place; no `U` file is written
/// for it, since one would be read as the down of the version's first file.
#[test]
fn an_alternative_file_of_a_version_has_its_down_derived_but_not_written() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    write("V1__base.cypher", "CREATE INDEX shared IF NOT EXISTS FOR (n:S) ON (n.x);\n");
    write(
        "V2__community.cypher",
        "// assume that edition is community\nCREATE INDEX c2 IF NOT EXISTS FOR (n:C) ON (n.x);\n",
    );
    write("V2__enterprise.cypher", "// assume that edition is enterprise\nDROP INDEX shared IF EXISTS;\n");
    let alternative = tmp.path().join("V2__enterprise.cypher");
    let (code, stdout, stderr) = cymig(&["derive-down", alternative.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("// Down script of V2__enterprise.cypher"), "{stdout}");
    assert!(stdout.contains("CREATE INDEX shared IF NOT EXISTS FOR (n:S) ON (n.x)"), "{stdout}");
    assert!(!stdout.contains("c2"), "{stdout}");
    let (code, _, stderr) = cymig(&["derive-down", "--write", alternative.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not write one"), "{stderr}");
    let written: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(written.len(), 3, "{written:?}");
}
