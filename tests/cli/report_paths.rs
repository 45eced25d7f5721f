//! Paths in reports: the real binary run from different working directories, with the file given
//! as `./x`, as an absolute path, and from inside the configured migrations directory. Every
//! format names the file the same way whichever way it was given: relative to the working
//! directory, or to the repository root for the CI formats.

use crate::support::cli;
use cli::cymig;
use std::path::{Path, PathBuf};

const FORMATS: [&str; 8] = ["text", "json", "sarif", "github", "gitlab", "rdjson", "junit", "markdown"];
const CI_FORMATS: [&str; 4] = ["sarif", "github", "gitlab", "rdjson"];
const MIGRATION: &str = "db/migrations/V1__person_index.cypher";

/// A repository (`.git` marks its root) whose `cymig.toml` names `db/migrations`.
fn repository(parent: &Path, with_git: bool) -> PathBuf {
    let root = parent.join("checkout");
    std::fs::create_dir_all(root.join("db/migrations")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    if with_git {
        std::fs::create_dir_all(root.join(".git")).unwrap();
    }
    std::fs::write(root.join("cymig.toml"), "migrations = \"db/migrations\"\n").unwrap();
    std::fs::write(root.join(MIGRATION), "CREATE INDEX FOR (p:Person) ON (p.name);\n").unwrap();
    root
}

fn lint(format: &str, path: &str, cwd: &Path) -> String {
    let output = cymig(&["lint", "--format", format, path], cwd);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The ways one file is named from the repository root: all must print the same.
fn spellings(root: &Path) -> Vec<String> {
    vec![".".into(), format!("./{MIGRATION}"), root.join(MIGRATION).to_string_lossy().into_owned(), MIGRATION.into()]
}

#[test]
fn every_format_names_the_file_the_same_way_however_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let root = repository(dir.path(), true);
    let sub = root.join("sub");
    let migrations = root.join("db/migrations");
    for format in FORMATS {
        let at_root: Vec<String> = spellings(&root).iter().map(|p| lint(format, p, &root)).collect();
        for (spelling, output) in spellings(&root).iter().zip(&at_root) {
            assert_eq!(output, &at_root[0], "{format}: `{spelling}` printed differently from `.`");
        }
        let from_sub = lint(format, &format!("../{MIGRATION}"), &sub);
        assert_eq!(from_sub, lint(format, &root.join(MIGRATION).to_string_lossy(), &sub), "{format} from sub/");
        let from_migrations = lint(format, "V1__person_index.cypher", &migrations);
        let shown = at_root[0].replace(&*dir.path().to_string_lossy(), "[TMP]");
        assert!(!shown.contains("[TMP]"), "{format} printed an absolute path:\n{shown}");
        if CI_FORMATS.contains(&format) {
            assert_eq!(from_sub, at_root[0], "{format}: relative to the repository, not the working directory");
            assert_eq!(from_migrations, at_root[0], "{format} from db/migrations/");
            insta::assert_snapshot!(format!("paths_{format}"), without_rule_catalogue(format, &shown));
        } else {
            let report =
                format!("# from the root\n{shown}\n# from sub/\n{from_sub}\n# from db/migrations/\n{from_migrations}");
            insta::assert_snapshot!(format!("paths_{format}"), report);
        }
    }
}

/// SARIF's results only: its rule descriptors change with every rule, and carry no path.
fn without_rule_catalogue(format: &str, output: &str) -> String {
    if format != "sarif" {
        return output.to_string();
    }
    let sarif: serde_json::Value = serde_json::from_str(output).unwrap();
    serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap()
}

#[test]
fn gitlab_fingerprints_do_not_depend_on_where_the_checkout_lives() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let a = repository(first.path(), true);
    let b = repository(&second.path().join("elsewhere/deeper"), true);
    let from_root = lint("gitlab", ".", &a);
    let from_sub = lint("gitlab", &b.join(MIGRATION).to_string_lossy(), &b.join("sub"));
    assert!(from_root.contains("\"fingerprint\""), "{from_root}");
    assert_eq!(from_root, from_sub);
}

#[test]
fn without_a_repository_the_ci_formats_fall_back_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = repository(dir.path(), false);
    let from_sub = lint("github", &format!("../{MIGRATION}"), &root.join("sub"));
    assert!(from_sub.contains(&format!("file=../{MIGRATION},")), "{from_sub}");
}

#[test]
fn diff_headers_are_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = repository(dir.path(), true);
    let output = cymig(&["lint", "--diff", &root.join(MIGRATION).to_string_lossy()], &root);
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(diff.starts_with(&format!("--- a/{MIGRATION}\n+++ b/{MIGRATION}\n")), "{diff}");
}
