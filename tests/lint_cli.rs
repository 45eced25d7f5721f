//! `cymig lint` and `cymig rule` end to end: exit codes, fixes, diffs, selection, context.

use std::path::{Path, PathBuf};
#[path = "support/cli.rs"]
mod cli;
use cli::cymig;
use std::process::{Command, Output};

/// Until the real parser is merged, `syntax::parse` is a stub that parses nothing: skip.
fn parser_missing() -> bool {
    let missing = cymig::syntax::parse("RETURN 1").statements.is_empty();
    if missing {
        println!("the parser is not merged yet (syntax::parse is a stub); skipping");
    }
    missing
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn rule_list_and_docs() {
    if parser_missing() {
        return;
    }
    let o = cymig(&["rule", "--list"], &root());
    assert_eq!(o.status.code(), Some(0));
    let list = stdout(&o);
    for r in cymig::rules::registry::all() {
        assert!(list.contains(r.meta().name) && list.contains(r.meta().code), "{} missing from --list", r.meta().name);
    }
    let o = cymig(&["rule", "unbatched-write"], &root());
    assert_eq!(o.status.code(), Some(0));
    let docs = stdout(&o);
    for section in ["What it does", "Why it matters", "Example", "Use instead", "CM005"] {
        assert!(docs.contains(section), "{section} missing:\n{docs}");
    }
    assert_eq!(cymig(&["rule", "CM018"], &root()).status.code(), Some(0));
    assert_eq!(cymig(&["rule", "no-such-rule"], &root()).status.code(), Some(2));
}

#[test]
fn exit_codes() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.cypher", "MATCH (n:Person {id: $id}) RETURN n;\n");
    let warn = write(dir.path(), "warn.cypher", "CREATE INDEX person_name FOR (p:Person) ON (p.name);\n");
    let err = write(dir.path(), "err.cypher", "MATCH (p:Person) WHERE exists(p.name) RETURN p;\n");
    let s = |p: &PathBuf| p.to_string_lossy().into_owned();
    assert_eq!(cymig(&["lint", &s(&clean)], &root()).status.code(), Some(0));
    assert_eq!(cymig(&["lint", &s(&warn)], &root()).status.code(), Some(0), "warnings alone exit 0");
    assert_eq!(cymig(&["lint", "--strict", &s(&warn)], &root()).status.code(), Some(1));
    assert_eq!(cymig(&["lint", &s(&err)], &root()).status.code(), Some(1));
    assert_eq!(cymig(&["lint", &s(&err), &s(&clean)], &root()).status.code(), Some(1));
    assert_eq!(cymig(&["lint", "--ignore", "exists-function", &s(&err)], &root()).status.code(), Some(0));
    assert_eq!(
        cymig(&["lint", "--target", "4.4", &s(&err)], &root()).status.code(),
        Some(0),
        "deprecated on 4.4: a warning"
    );
    assert_eq!(cymig(&["lint", "--select", "no-such-rule", &s(&clean)], &root()).status.code(), Some(2));
    assert_eq!(cymig(&["lint", "--target", "3.5", &s(&clean)], &root()).status.code(), Some(2));
    assert_eq!(cymig(&["lint", &s(&dir.path().join("missing.cypher"))], &root()).status.code(), Some(2));
}

#[test]
fn json_output_has_one_based_positions() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "x.cypher", "MATCH (p:Project)\nWHERE c.x = 1\nRETURN p;\n");
    let o = cymig(&["lint", "--format", "json", &f.to_string_lossy()], &root());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let first = &v.as_array().unwrap()[0];
    assert_eq!(first["rule"], "undefined-variable");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 7);
}

#[test]
fn fix_writes_and_diff_does_not() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = "CREATE INDEX ON :Person(name);\nMATCH (p:Person) WHERE NOT exists(p.name) RETURN p;\n";
    let f = write(dir.path(), "x.cypher", text);
    let path = f.to_string_lossy().into_owned();

    let o = cymig(&["lint", "--diff", &path], &root());
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(diff.contains("-CREATE INDEX ON :Person(name);"), "{diff}");
    assert!(diff.contains("+CREATE INDEX person_name_index IF NOT EXISTS FOR (n:Person) ON (n.name);"), "{diff}");
    assert!(diff.contains("+MATCH (p:Person) WHERE p.name IS NULL RETURN p;"), "{diff}");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), text, "--diff must not write");

    let o = cymig(&["lint", "--fix", &path], &root());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let fixed = std::fs::read_to_string(&f).unwrap();
    assert_eq!(
        fixed,
        "CREATE INDEX person_name_index IF NOT EXISTS FOR (n:Person) ON (n.name);\nMATCH (p:Person) WHERE p.name IS NULL RETURN p;\n"
    );
    // The fixed file lints clean and a second --fix changes nothing.
    assert_eq!(cymig(&["lint", "--strict", &path], &root()).status.code(), Some(0));
    assert_eq!(cymig(&["lint", "--diff", &path], &root()).status.code(), Some(0));
}

#[test]
fn unsafe_fixes_only_on_request() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = "MATCH (p:Project)\nWHERE p.flag IS NULL\nSET p.flag = true;\n";
    let f = write(dir.path(), "x.cypher", text);
    let path = f.to_string_lossy().into_owned();
    cymig(&["lint", "--fix", &path], &root());
    assert_eq!(std::fs::read_to_string(&f).unwrap(), text);
    cymig(&["lint", "--fix", "--unsafe-fixes", &path], &root());
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "MATCH (p:Project)\nWHERE p.flag IS NULL\nCALL (p) {\n  SET p.flag = true\n} IN TRANSACTIONS OF 10000 ROWS;\n"
    );
}

/// Pre-commit passes only changed files: the whole set is loaded (V1's constraint backs V2's
/// MERGE) but only V2 is reported.
#[test]
fn changed_files_are_linted_in_the_context_of_their_set() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "V1__constraint.cypher",
        "CREATE CONSTRAINT tag_name IF NOT EXISTS FOR (t:Tag) REQUIRE t.name IS UNIQUE;\nMATCH (n) DETACH DELETE n;\n",
    );
    let v2 = write(dir.path(), "V2__tags.cypher", "MERGE (t:Tag {name: $name});\n");
    let o = cymig(&["lint", "--format", "json", "--strict", &v2.to_string_lossy()], &root());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v.as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(o.status.code(), Some(0));
    // The whole directory: V1's findings appear.
    let o = cymig(&["lint", "--format", "json", &dir.path().to_string_lossy()], &root());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.cypher"), [0xff, 0xfe, b'M']).unwrap();
    write(dir.path(), "good.cypher", "MATCH (p:Project) WHERE exists(p.x) RETURN p;\n");
    let o = cymig(&["lint", "--format", "json", &dir.path().to_string_lossy()], &root());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"syntax-error"), "{rules:?}");
    assert!(rules.contains(&"exists-function"), "{rules:?}");
}

/// `cymig lint … | head`: the reader closing the pipe early is not an error; the exit code still
/// says there were findings.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=60 {
        write(
            dir.path(),
            &format!("V{i}__t.cypher"),
            "CREATE INDEX FOR (n:A) ON (n.b);\nMATCH (n) WHERE exists(n.x) RETURN n;\n",
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["lint", "."])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cymig");
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

/// Findings in XML changelogs point at the line and column inside the XML file; rollback and
/// precondition Cypher is not linted as up statements; a pom beside them is ignored.
#[test]
fn xml_changelog_findings_point_into_the_xml() {
    if parser_missing() {
        return;
    }
    let o = cymig(
        &["lint", "--format", "json", "fixtures/layouts/liquigraph-xml", "fixtures/layouts/liquibase-xml"],
        &root(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!("{}:{}:{} {}", f["file"].as_str().unwrap(), f["line"], f["column"], f["rule"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        found,
        [
            "fixtures/layouts/liquibase-xml/changeLog.xml:15:68 unbatched-write",
            "fixtures/layouts/liquibase-xml/changeLog.xml:16:61 id-function",
            // Line 22 overwrites too, but its change set has a <rollback>.
            "fixtures/layouts/liquibase-xml/changeLog.xml:26:62 irreversible",
            "fixtures/layouts/liquibase-xml/changeLog.xml:26:81 irreversible",
            // The constraint and the data change are in separate change sets: no
            // mixed-schema-and-data.
            // After `&lt; 3 `: the entity is decoded, the offsets are those of the XML.
            "fixtures/layouts/liquigraph-xml/changelog.xml:14:52 unbatched-write",
            "fixtures/layouts/liquigraph-xml/changelog.xml:17:25 legacy-index-syntax",
        ]
    );
    // The rollback `DETACH DELETE` and the label-less precondition scans are not up statements.
    assert!(!stdout(&o).contains("destructive-delete") && !stdout(&o).contains("pom.xml"));
}

/// The changelogs of a set are applied to the schema model in file-name order.
#[test]
fn xml_changelogs_see_the_schema_of_earlier_ones() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let changelog = |query: &str| {
        format!("<changelog>\n  <changeset id=\"x\" author=\"y\">\n    <query>{query}</query>\n  </changeset>\n</changelog>\n")
    };
    write(
        dir.path(),
        "1-schema.xml",
        &changelog("CREATE CONSTRAINT a_id IF NOT EXISTS FOR (a:A) REQUIRE a.id IS UNIQUE"),
    );
    write(dir.path(), "2-data.xml", &changelog("MERGE (a:A {id: 1})"));
    write(dir.path(), "3-other.xml", &changelog("MERGE (b:B {id: 1})"));
    let o = cymig(&["lint", "--format", "json", &dir.path().to_string_lossy()], &root());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let merges: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "merge-without-constraint")
        .map(|f| format!("{}:{}:{}", f["file"].as_str().unwrap().rsplit('/').next().unwrap(), f["line"], f["column"]))
        .collect();
    assert_eq!(merges, ["3-other.xml:3:18"], "{}", stdout(&o));
}

/// `--fix` rewrites Cypher inside an XML changelog and leaves the XML around it alone.
#[test]
fn fix_rewrites_cypher_inside_xml() {
    if parser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join("fixtures/layouts/liquigraph-xml/changelog.xml")).unwrap();
    let f = write(dir.path(), "changelog.xml", &original);
    cymig(&["lint", "--fix", &f.to_string_lossy()], &root());
    let fixed = std::fs::read_to_string(&f).unwrap();
    let modern = "<query><![CDATA[CREATE INDEX person_age_index IF NOT EXISTS FOR (n:Person) ON (n.age)]]></query>";
    assert_eq!(fixed, original.replace("<query><![CDATA[CREATE INDEX ON :Person(age)]]></query>", modern));
    let o = cymig(&["lint", "--format", "json", &f.to_string_lossy()], &root());
    assert!(!stdout(&o).contains("legacy-index-syntax"), "{}", stdout(&o));
}
