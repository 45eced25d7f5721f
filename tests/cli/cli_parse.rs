//! `cymig parse` end to end: the built binary on real files, output and exit code snapshotted.

use std::path::Path;
use std::process::Command;

/// Runs `cymig <args>` in `dir` and returns "exit: N\n--- stdout\n…\n--- stderr\n…".
fn cymig(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the cymig binary runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(path, bytes).expect("write file");
}

#[test]
fn seed_fixtures_as_json_lines() {
    insta::assert_snapshot!(cymig(repo(), &["parse", "--format", "json", "fixtures/seed-002", "fixtures/seed-004"]));
}

#[test]
fn seed_fixtures_as_text() {
    insta::assert_snapshot!(cymig(repo(), &["parse", "fixtures/seed-001", "fixtures/seed-002", "fixtures/seed-004"]));
}

#[test]
fn syntax_errors_are_rendered_with_snippets_and_every_bad_statement_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "V1__broken.cypher",
        b"CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name);\n\
          MATCH (n:Person {name: 'Ann'}\n\
          SET n.active = true;\n\
          RETURN 'still parsed; despite the ; in this string';\n\
          MATCH (n) RETURN n ORDER n.name;\n",
    );
    insta::assert_snapshot!("broken_text", cymig(dir.path(), &["parse", "V1__broken.cypher"]));
    insta::assert_snapshot!("broken_json", cymig(dir.path(), &["parse", "--format", "json", "V1__broken.cypher"]));
}

#[test]
fn invalid_utf8_is_a_finding_naming_the_first_bad_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "V1__latin1.cypher", b"// caf\xe9\nRETURN 1;\n");
    write(dir.path(), "V2__fine.cypher", b"RETURN 2;\n");
    insta::assert_snapshot!("latin1_text", cymig(dir.path(), &["parse", "."]));
    insta::assert_snapshot!("latin1_json", cymig(dir.path(), &["parse", "--format", "json", "."]));
}

#[test]
fn empty_and_comment_only_files_parse_to_zero_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "V1__empty.cypher", b"");
    write(dir.path(), "V2__comments.cypher", b"// nothing yet\n/* really */\n");
    insta::assert_snapshot!(cymig(
        dir.path(),
        &["parse", "--format", "json", "V1__empty.cypher", "V2__comments.cypher"]
    ));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "V1__a.cypher", b"RETURN 1;\n");
    let output = cymig(dir.path(), &["parse", "V1__a.cypher", "does-not-exist"]);
    assert!(output.starts_with("exit: 2\n"), "{output}");
    assert!(output.contains("does-not-exist"), "{output}");
}

#[test]
fn no_paths_is_a_usage_error() {
    let output = cymig(repo(), &["parse"]);
    assert!(output.starts_with("exit: 2\n"), "{output}");
}

#[test]
fn a_directory_without_cypher_files_warns_and_succeeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "notes.txt", b"not a migration");
    insta::assert_snapshot!(cymig(dir.path(), &["parse", "."]));
}

/// Files are parsed in parallel, but printed in the order given (directories sorted by name).
#[test]
fn output_follows_input_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..40 {
        write(dir.path(), &format!("m/V{i}__step.cypher"), format!("RETURN {i};\n").as_bytes());
    }
    write(dir.path(), "last.cypher", b"RETURN 'last';\n");
    let output = cymig(dir.path(), &["parse", "--format", "json", "last.cypher", "m"]);
    let files: Vec<String> = output
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON line")["file"].as_str().unwrap_or("").to_string()
        })
        .collect();
    let mut expected = vec!["last.cypher".to_string()];
    let mut names: Vec<String> = (0..40).map(|i| format!("V{i}__step.cypher")).collect();
    names.sort();
    expected.extend(names.into_iter().map(|n| format!("m/{n}")));
    assert_eq!(files, expected);
}

#[test]
fn ast_dump_is_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "V1__a.cypher",
        b"// cymig:ignore unbatched-write -- small table\nMATCH (n:Tag) SET n.seen = true;\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["parse", "--format", "json", "--ast", "V1__a.cypher"])
        .current_dir(dir.path())
        .output()
        .expect("the cymig binary runs");
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(line["file"], "V1__a.cypher");
    // The AST's shape belongs to the grammar (snapshotted there); here: the dump is complete.
    assert_eq!(line["statements"], 1);
    assert_eq!(line["ast"]["statements"].as_array().map(Vec::len), Some(1));
    assert_eq!(line["ast"]["comments"][0]["text"], " cymig:ignore unbatched-write -- small table");
    assert!(line["ast"]["statements"][0]["kind"]["Query"].is_object(), "{line}");
}

#[cfg(unix)]
#[test]
fn plan_into_a_closed_pipe_is_not_an_error() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=400 {
        let body = format!("CREATE INDEX i{i} IF NOT EXISTS FOR (n:L{i}) ON (n.p);\n");
        write(dir.path(), &format!("V{i}__idx.cypher"), body.as_bytes());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .arg("plan")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader is dropped here, as `cymig plan | head -1` does.
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(first.starts_with("## cymig plan"), "{first}");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Every command that prints a report writes it through the broken-pipe-safe writer: with its
/// standard output already closed (`cymig rule --list | true`), none panics and none fails.
#[cfg(unix)]
#[test]
fn reports_into_a_pipe_closed_before_they_write_are_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__a.cypher", b"CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.p);\n");
    let root = dir.path().to_str().unwrap();
    let up = format!("{root}/V1__a.cypher");
    let commands: [&[&str]; 6] = [
        &["rule", "--list"],
        &["rule", "unbatched-write"],
        &["config", "--show", root],
        &["hash", root],
        &["hash", "--check", root],
        &["derive-down", &up],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_cymig"))
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cymig {args:?}: {:?}: {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "cymig {args:?}: {stderr}");
    }
}
