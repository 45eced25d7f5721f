//! Loading migration sets from real directories: naming conventions, pairing, problems,
//! changed files in context, and `cymig.sum` verification outcomes.

use cymig::migration::sum::{self, SumStatus};
use cymig::migration::{load_for_files, load_paths, FileRole, MigrationSet, ProblemKind, Style};
use std::fs;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn set_with(files: &[(&str, &str)]) -> (tempfile::TempDir, MigrationSet) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let set = MigrationSet::load(dir.path()).expect("load");
    (dir, set)
}

fn versions(set: &MigrationSet) -> Vec<&str> {
    set.migrations.iter().map(|m| m.version.raw.as_str()).collect()
}

#[test]
fn versions_are_ordered_numerically_and_companions_attached() {
    let (_dir, set) = set_with(&[
        ("V1_10__ten.cypher", "RETURN 10;"),
        ("V1_9__nine.cypher", "RETURN 9;"),
        ("V2__two.cypher", "RETURN 2;"),
        ("U2__two.cypher", "RETURN -2;"),
        ("V2__two.verify.cypher", "RETURN true;"),
        ("003_three.up.cypher", "RETURN 3;"),
        ("003_three.down.cypher", "RETURN -3;"),
        ("003_three.verify.cypher", "RETURN true;"),
        ("R__views.cypher", "RETURN 0;"),
        ("README.md", "not a migration"),
        ("cymig.toml", ""),
    ]);
    assert_eq!(versions(&set), ["1_9", "1_10", "2", "003"]);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let two = &set.migrations[2];
    assert_eq!(two.description, "two");
    assert_eq!(two.style, Style::Flyway);
    assert_eq!(two.down.as_ref().map(|f| f.relative_path.as_str()), Some("U2__two.cypher"));
    assert_eq!(two.verify.as_ref().map(|f| f.relative_path.as_str()), Some("V2__two.verify.cypher"));
    assert_eq!(two.verify.as_ref().and_then(|f| f.verify_start), Some(0));
    let three = &set.migrations[3];
    assert_eq!(three.style, Style::UpDown);
    assert_eq!(three.down.as_ref().map(|f| f.role), Some(FileRole::Down));
    assert!(three.verify.is_some());
    assert_eq!(set.repeatables.len(), 1);
    assert_eq!(set.repeatables[0].description, "views");
    let order: Vec<&str> = set.summed_files().map(|f| f.relative_path.as_str()).collect();
    assert_eq!(
        order,
        [
            "V1_9__nine.cypher",
            "V1_10__ten.cypher",
            "V2__two.cypher",
            "U2__two.cypher",
            "V2__two.verify.cypher",
            "003_three.up.cypher",
            "003_three.down.cypher",
            "003_three.verify.cypher",
            "R__views.cypher",
        ]
    );
}

#[test]
fn bad_names_duplicates_and_orphans_are_problems_and_still_loaded() {
    let (_dir, set) = set_with(&[
        ("V1__one.cypher", ""),
        ("V1.0__again.cypher", ""),
        ("V1_add_x.cypher", ""),
        ("U7__nothing.cypher", ""),
        ("V9__gone.verify.cypher", ""),
        ("notes.cypher", ""),
    ]);
    // The first file by path keeps the version (`.` sorts before `_`); the other is the duplicate.
    assert_eq!(versions(&set), ["1.0"]);
    let summary: Vec<(String, &str, Option<&str>)> = set
        .problems
        .iter()
        .map(|p| {
            let name = p.path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            (name, p.kind.rule_name(), p.suggested_name.as_deref())
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("U7__nothing.cypher".to_string(), "migration-naming", None),
            ("V1__one.cypher".to_string(), "duplicate-version", None),
            ("V1_add_x.cypher".to_string(), "migration-naming", Some("V1__add_x.cypher")),
            ("V9__gone.verify.cypher".to_string(), "migration-naming", None),
            ("notes.cypher".to_string(), "migration-naming", Some("V<version>__notes.cypher")),
        ]
    );
    assert!(matches!(set.problems[0].kind, ProblemKind::OrphanDown));
    assert!(matches!(&set.problems[1].kind, ProblemKind::DuplicateVersion { version, .. } if version == "1"));
    assert!(set.problems[1].message.contains("V1.0__again.cypher"), "{}", set.problems[1].message);
    assert!(matches!(set.problems[3].kind, ProblemKind::OrphanVerify));
    assert!(set.problems.iter().all(|p| p.help.is_some()));
    // Every file is still there to be linted.
    assert_eq!(set.files().count(), 6);
    assert_eq!(set.unrecognised.len(), 5);
}

#[test]
fn invalid_utf8_is_a_problem_with_the_byte_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("V1__bad.cypher"), b"RETURN 1;\n// caf\xe9\n").expect("write");
    let set = MigrationSet::load(dir.path()).expect("load");
    assert_eq!(set.problems.len(), 1);
    let problem = &set.problems[0];
    assert_eq!(problem.kind, ProblemKind::InvalidUtf8 { offset: 16 });
    assert!(problem.message.contains("byte offset 16 (line 2, column 7)"), "{}", problem.message);
    let file = &set.migrations[0].up;
    assert_eq!(file.invalid_utf8_at, Some(16));
    assert!(file.script.statements.is_empty());
}

#[test]
fn nested_directories_belong_to_the_set_and_hidden_ones_are_skipped() {
    let (_dir, set) = set_with(&[("V1__a.cypher", ""), ("2024/V2__b.cypher", ""), (".git/V3__c.cypher", "")]);
    let paths: Vec<&str> = set.files().map(|f| f.relative_path.as_str()).collect();
    assert_eq!(paths, ["V1__a.cypher", "2024/V2__b.cypher"]);
}

#[test]
fn a_directory_of_sets_is_split_into_sets() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "seed-a/V1__a.cypher", "");
    write(dir.path(), "seed-b/V1__b.cypher", "");
    write(dir.path(), "seed-b/sub/V2__c.cypher", "");
    let sets = load_paths(&[dir.path().to_path_buf()], None).expect("load");
    assert_eq!(sets.len(), 2);
    assert!(sets.iter().all(|s| s.problems.is_empty() && s.focus.is_none()));
    assert_eq!(sets[1].migrations.len(), 2);
}

#[test]
fn changed_files_load_their_whole_set_but_report_only_themselves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrations = dir.path().join("db");
    write(&migrations, "V1__a.cypher", "");
    write(&migrations, "V2__b.cypher", "");
    write(&migrations, "nested/V3__c.cypher", "");
    write(dir.path(), "other/V1__x.cypher", "");
    write(dir.path(), "README.md", "");
    let changed: Vec<PathBuf> = vec![
        migrations.join("nested/V3__c.cypher"),
        migrations.join("V2__b.cypher"),
        dir.path().join("other/V1__x.cypher"),
        dir.path().join("README.md"),
    ];
    let sets = load_for_files(&changed, Some(&migrations)).expect("load");
    assert_eq!(sets.len(), 2);
    let db = &sets[0];
    assert_eq!(db.root, migrations);
    assert_eq!(db.migrations.len(), 3, "the whole set is loaded");
    let reported: Vec<&str> = db.reported_files().map(|f| f.relative_path.as_str()).collect();
    assert_eq!(reported, ["V2__b.cypher", "nested/V3__c.cypher"]);
    let other = &sets[1];
    assert_eq!(other.root, dir.path().join("other"));
    assert_eq!(other.reported_files().count(), 1);

    // A directory given as well: everything in it is reported.
    let sets = load_paths(&[migrations.join("V1__a.cypher"), migrations.clone()], Some(&migrations)).expect("load");
    assert_eq!(sets.len(), 1);
    assert!(sets[0].focus.is_none());
}

#[test]
fn a_missing_path_is_an_io_error() {
    let err = load_paths(&[PathBuf::from("/definitely/not/here")], None).unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// cymig.sum
// ---------------------------------------------------------------------------------------------

const BASE: &[(&str, &str)] = &[
    ("V1__constraints.cypher", "CREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.id IS UNIQUE;\n"),
    ("V2__data.cypher", "MATCH (n:A) SET n.x = 1;\n"),
    ("U2__data.cypher", "MATCH (n:A) REMOVE n.x;\n"),
    ("R__views.cypher", "RETURN 1;\n"),
];

fn hashed_set() -> tempfile::TempDir {
    let (dir, set) = set_with(BASE);
    sum::write(&set).expect("write sum");
    dir
}

fn statuses(dir: &Path) -> Vec<(String, SumStatus)> {
    let set = MigrationSet::load(dir).expect("load");
    let check = sum::verify(&set).expect("verify").expect("a sum exists");
    check.entries.iter().map(|e| (e.relative_path.clone(), e.status)).collect()
}

fn all_ok_but(dir: &Path, changed: &[(&str, SumStatus)]) {
    let mut expected: Vec<(String, SumStatus)> = Vec::new();
    for (name, _) in BASE {
        let status = changed.iter().find(|(n, _)| n == name).map_or(SumStatus::Ok, |(_, s)| *s);
        expected.push((name.to_string(), status));
    }
    let mut got = statuses(dir);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn the_sum_file_lists_files_in_version_order_with_a_header() {
    let dir = hashed_set();
    let text = fs::read_to_string(dir.path().join("cymig.sum")).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("h1:") && lines[0].len() == 47, "{}", lines[0]);
    let names: Vec<&str> = lines[1..].iter().map(|l| l.split(' ').next().unwrap_or("")).collect();
    assert_eq!(names, ["V1__constraints.cypher", "V2__data.cypher", "U2__data.cypher", "R__views.cypher"]);
    assert!(lines[1..].iter().all(|l| l.contains(" h1:")));
    assert!(statuses(dir.path()).iter().all(|(_, s)| *s == SumStatus::Ok));
    // Writing twice gives the same bytes.
    let set = MigrationSet::load(dir.path()).expect("load");
    assert_eq!(sum::render(&set), text);
}

#[test]
fn an_edited_migration_is_attributed_to_that_file_only() {
    let dir = hashed_set();
    write(dir.path(), "V2__data.cypher", "MATCH (n:A) SET n.x = 2;\n");
    all_ok_but(dir.path(), &[("V2__data.cypher", SumStatus::Edited)]);
}

#[test]
fn crlf_line_endings_are_not_an_edit() {
    let dir = hashed_set();
    write(dir.path(), "V2__data.cypher", "MATCH (n:A) SET n.x = 1;\r\n");
    all_ok_but(dir.path(), &[]);
}

#[test]
fn a_new_migration_is_missing_from_the_sum() {
    let dir = hashed_set();
    write(dir.path(), "V3__more.cypher", "RETURN 3;\n");
    let got = statuses(dir.path());
    assert_eq!(got.last(), Some(&("V3__more.cypher".to_string(), SumStatus::NotInSum)));
    assert_eq!(got.iter().filter(|(_, s)| *s != SumStatus::Ok).count(), 1);
}

#[test]
fn a_deleted_migration_is_reported_as_removed() {
    let dir = hashed_set();
    fs::remove_file(dir.path().join("U2__data.cypher")).expect("rm");
    let got = statuses(dir.path());
    assert!(got.contains(&("U2__data.cypher".to_string(), SumStatus::Removed)), "{got:?}");
    assert_eq!(got.iter().filter(|(_, s)| *s != SumStatus::Ok).count(), 1, "{got:?}");
}

#[test]
fn a_hand_edited_sum_is_tampered() {
    let dir = hashed_set();
    let path = dir.path().join("cymig.sum");
    let text = fs::read_to_string(&path).expect("read");
    let edited = text.replacen("R__views.cypher", "R__views2.cypher", 1);
    fs::write(&path, edited).expect("write");
    let set = MigrationSet::load(dir.path()).expect("load");
    let check = sum::verify(&set).expect("verify").expect("sum");
    let tampered = check.tampered.as_ref().expect("tampered");
    assert!(tampered.message.contains("edited by hand"), "{}", tampered.message);
    assert!(!check.is_clean());
}

#[test]
fn a_malformed_line_is_tampering() {
    let dir = hashed_set();
    let path = dir.path().join("cymig.sum");
    let mut text = fs::read_to_string(&path).expect("read");
    text.push_str("<<<<<<< HEAD\n");
    fs::write(&path, text).expect("write");
    let set = MigrationSet::load(dir.path()).expect("load");
    let check = sum::verify(&set).expect("verify").expect("sum");
    let tampered = check.tampered.expect("tampered");
    assert!(tampered.message.contains("malformed line"), "{}", tampered.message);
    assert_eq!(tampered.span.text(&check.source.text), "<<<<<<< HEAD");
}

#[test]
fn two_branches_adding_a_migration_each_collide_and_a_bad_merge_is_rechained() {
    let base = hashed_set();
    let base_sum = fs::read_to_string(base.path().join("cymig.sum")).expect("read");
    let branch = |name: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        for (n, t) in BASE {
            write(dir.path(), n, t);
        }
        write(dir.path(), name, "RETURN 3;\n");
        let set = MigrationSet::load(dir.path()).expect("load");
        (dir, sum::render(&set))
    };
    let (_a, sum_a) = branch("V3__from_a.cypher");
    let (_b, sum_b) = branch("V4__from_b.cypher");
    // Both branches changed the header line: git cannot merge them without a conflict.
    assert_ne!(sum_a.lines().next(), base_sum.lines().next());
    assert_ne!(sum_a.lines().next(), sum_b.lines().next());

    // Someone resolves the conflict by keeping both lines (and a's header).
    let merged_dir = tempfile::tempdir().expect("tempdir");
    for (n, t) in BASE {
        write(merged_dir.path(), n, t);
    }
    write(merged_dir.path(), "V3__from_a.cypher", "RETURN 3;\n");
    write(merged_dir.path(), "V4__from_b.cypher", "RETURN 3;\n");
    let b_line = sum_b.lines().find(|l| l.starts_with("V4__")).expect("line").to_string();
    let mut merged: Vec<String> = sum_a.lines().map(String::from).collect();
    let r_line = merged.iter().position(|l| l.starts_with("R__")).expect("R line");
    merged.insert(r_line, b_line);
    fs::write(merged_dir.path().join("cymig.sum"), merged.join("\n") + "\n").expect("write");
    let set = MigrationSet::load(merged_dir.path()).expect("load");
    let check = sum::verify(&set).expect("verify").expect("sum");
    assert!(check.tampered.is_some(), "the header no longer matches");
    let v4 = check.entries.iter().find(|e| e.relative_path == "V4__from_b.cypher").expect("V4");
    assert_eq!(v4.status, SumStatus::Rechained);
    let r = check.entries.iter().find(|e| e.relative_path == "R__views.cypher").expect("R");
    assert_eq!(r.status, SumStatus::Rechained);
}

#[test]
fn no_sum_file_means_nothing_to_verify() {
    let (_dir, set) = set_with(BASE);
    assert!(sum::verify(&set).expect("verify").is_none());
}

#[test]
fn the_bundled_migrations_follow_the_conventions_and_match_their_sum() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let set = MigrationSet::load(&dir).expect("load");
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert!(set.unrecognised.is_empty());
    assert_eq!(set.migrations.len(), 9);
    assert!(set.migrations[1..].iter().all(|m| m.down.is_some()), "every data migration has a U script");
    let check = sum::verify(&set).expect("verify").expect("migrations/cymig.sum exists");
    let problems: Vec<_> = check.problems().collect();
    assert!(check.is_clean(), "run `cargo run -- hash migrations`: {:?} {problems:?}", check.tampered);
}

#[test]
fn per_file_lookups_for_the_checker() {
    let dir = hashed_set();
    write(dir.path(), "V2__data.cypher", "MATCH (n:A) SET n.x = 3;\n");
    write(dir.path(), "V2_oops.cypher", "");
    let set = MigrationSet::load(dir.path()).expect("load");
    let down = dir.path().join("U2__data.cypher");
    assert_eq!(set.migration_of(&down).map(|m| m.version.raw.as_str()), Some("2"));
    let oops = dir.path().join("V2_oops.cypher");
    assert_eq!(set.problems_for(&oops).count(), 1);
    assert!(set.migration_of(&oops).is_none());
    let check = sum::verify(&set).expect("verify").expect("sum");
    let entry = check.entry("V2__data.cypher").expect("entry");
    assert_eq!(entry.status, SumStatus::Edited);
    assert_eq!(
        entry.message(),
        "`V2__data.cypher` was edited after cymig.sum was written (its content no longer matches)"
    );
    assert!(entry.status.help().contains("cymig hash"));
    assert_eq!(check.entry("U2__data.cypher").map(|e| e.status), Some(SumStatus::Ok));
}

#[test]
fn the_fixture_directory_splits_into_one_set_per_seed() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let sets = load_paths(std::slice::from_ref(&fixtures), None).expect("load");
    let roots: Vec<String> = sets
        .iter()
        .map(|s| s.root.strip_prefix(&fixtures).unwrap_or(&s.root).to_string_lossy().replace('\\', "/"))
        .collect();
    assert!(roots.iter().any(|r| r == "seed-002"), "{roots:?}");
    let seed2 = sets.iter().find(|s| s.root.ends_with("seed-002")).expect("seed-002");
    assert!(seed2.problems.is_empty(), "{:?}", seed2.problems);
    assert_eq!(seed2.migrations.len(), 8);
    assert!(seed2.migrations.iter().all(|m| m.down.is_some()));
}

/// The XML changelog fixtures: Liquigraph `<query>` and Liquibase `<neo4j:cypher>` / `<sql>`
/// elements are the set's statements, parsed where they stand in the XML.
#[test]
fn xml_changelogs_are_linted_files_and_other_xml_is_ignored() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/layouts");
    let paths = [root.join("liquibase-xml"), root.join("liquigraph-xml")];
    let sets = load_paths(&paths, None).expect("load");
    let roots: Vec<String> = sets.iter().map(|s| s.root.strip_prefix(&root).unwrap().display().to_string()).collect();
    assert_eq!(roots, ["liquibase-xml", "liquigraph-xml"]);
    for set in &sets {
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        assert!(set.migrations.is_empty() && set.repeatables.is_empty());
        // Not versioned migrations: never in cymig.sum.
        assert_eq!(set.summed_files().count(), 0);
        assert_eq!(set.unrecognised.len(), 1, "pom.xml is not a changelog");
        assert_eq!(set.unrecognised[0].role, FileRole::Changelog);
    }
    let statements = |set: &MigrationSet| -> Vec<String> {
        let file = &set.unrecognised[0];
        file.script.statements.iter().map(|s| s.span.text(&file.source.text).to_string()).collect()
    };
    // Rollbacks, preconditions and <comment> are not up statements; entities stay as written
    // in the XML text spans point into.
    assert_eq!(
        statements(&sets[0]),
        [
            "CREATE (:Movie {title: 'My Life', genre: 'Comedy'})",
            "MATCH (m:Movie) WHERE m.year < 1950 SET m:Old",
            "MATCH (m:Movie) WHERE m.year &gt;= 2000 RETURN id(m)",
            "MATCH (m:Movie {title: 'My Life'}) SET m.genre = 'Drama'",
            "MATCH (m:Movie {title: 'My Life'}) SET m.genre = 'Drama', m.rating = 5",
        ]
    );
    assert_eq!(
        statements(&sets[1]),
        [
            "CREATE CONSTRAINT person_name IF NOT EXISTS FOR (p:Person) REQUIRE p.name IS UNIQUE",
            "MATCH (p:Person) WHERE p.age &lt; 3 SET p:Young",
            "CREATE INDEX ON :Person(age)",
        ]
    );
    assert!(sets.iter().all(|s| s.unrecognised[0].script.errors.is_empty()));
}

#[test]
fn xml_changelog_rollbacks_are_kept_apart() {
    let text = fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/layouts/liquibase-xml/changeLog.xml"),
    )
    .expect("read");
    let masked = cymig::migration::changelog_xml::mask(&text).expect("a changelog");
    assert_eq!(masked.up.len(), text.len());
    assert_eq!(masked.up_blocks, 5);
    let with_rollback: Vec<bool> = masked.change_sets.iter().map(|c| c.has_rollback).collect();
    assert_eq!(with_rollback, [true, true, true, false]);
    let rollback = cymig::syntax::parse(&masked.rollback);
    let texts: Vec<&str> = rollback.statements.iter().map(|s| s.span.text(&text)).collect();
    assert_eq!(
        texts,
        [
            "MATCH (m:Movie) DETACH DELETE m",
            "MATCH (m:Old) REMOVE m:Old",
            "MATCH (m:Movie {title: 'My Life'}) SET m.genre = 'Comedy'"
        ]
    );
}
