//! The migration conventions cymig recognises without being told, one fixture directory each
//! under `fixtures/layouts/`: how the directory is read (migrations, downs, repeatables, other
//! files and what they are) and what `cymig lint` reports on it, as one snapshot per layout.

use cymig::check::{self, LintOptions};
use cymig::config::Config;
use cymig::migration::{load_paths, load_paths_with, MigrationSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn layout_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/layouts").join(name)
}

fn describe_set(set: &MigrationSet) -> String {
    let mut out = String::new();
    for m in &set.migrations {
        let _ = write!(out, "migration {} ({:?}): {}", m.version.raw, m.style, m.up.relative_path);
        if let Some(down) = &m.down {
            let _ = write!(out, ", down {}", down.relative_path);
        }
        if m.up.down_start.is_some() {
            let _ = write!(out, ", in-file down of {} statement(s)", m.up.in_file_down_statements().len());
        }
        if let Some(catalog) = &m.up.catalog {
            let _ = write!(out, ", catalog XML standing for: {}", catalog.text.trim_end().replace('\n', " "));
        }
        let _ = writeln!(out, ", {} up statement(s)", m.up.migration_statements().len());
    }
    for r in &set.repeatables {
        let _ = writeln!(out, "repeatable {}: {}", r.description, r.file.relative_path);
    }
    for u in &set.unrecognised {
        let _ = writeln!(out, "other ({:?}): {}, {} statement(s)", u.role, u.relative_path, u.script.statements.len());
    }
    for p in &set.problems {
        let name = p.path.file_name().unwrap_or_default().to_string_lossy();
        let _ = writeln!(out, "problem {name}: {}", p.message);
    }
    out
}

fn findings(dir: &Path) -> String {
    findings_with(dir, &LintOptions::default())
}

fn findings_with(dir: &Path, options: &LintOptions) -> String {
    let outcome = check::lint(&[dir.to_path_buf()], options).expect("lint");
    let mut out = String::new();
    for (_, layout) in &outcome.layouts {
        let _ = writeln!(out, "layout: {layout}");
    }
    for f in &outcome.files {
        let name = f.source.path.strip_prefix(dir).unwrap_or(&f.source.path).to_string_lossy().replace('\\', "/");
        for d in &f.diagnostics {
            let at = f.source.line_col(d.span.start);
            let _ = writeln!(out, "{name}:{}:{} {:?} {}: {}", at.line, at.column, d.severity, d.rule, d.message);
        }
    }
    out
}

fn snapshot(layout: &str) -> String {
    let dir = layout_dir(layout);
    let sets = load_paths(std::slice::from_ref(&dir), None).expect("load");
    let mut out = String::new();
    for set in &sets {
        out.push_str(&describe_set(set));
    }
    out.push_str("-- findings\n");
    out.push_str(&findings(&dir));
    out
}

macro_rules! layout_test {
    ($name:ident, $dir:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(concat!("layout_", $dir), snapshot($dir));
        }
    };
}

layout_test!(cypher_shell_commands_are_framing, "cypher-shell");
layout_test!(neo4j_shell_commands_are_framing, "neo4j-shell");
layout_test!(liquibase_formatted_cypher_changesets_are_statements, "liquibase-formatted");
layout_test!(tool_markers_split_an_in_file_down_section, "tool-markers");
layout_test!(neo4j_migrations_callbacks_preconditions_and_alternatives, "neo4j-migrations");
layout_test!(neo4j_migrations_placeholders_are_neutral_tokens, "placeholders");
layout_test!(use_statements_switch_the_database_and_its_catalog, "use-database");
layout_test!(neo4j_migrations_catalog_xml_feeds_the_schema_model, "catalog-xml");
layout_test!(rollback_twins_are_downs, "rollback-twins");
layout_test!(whole_timestamps_are_versions, "timestamps");
layout_test!(numbered_sets_share_one_schema_and_report_duplicates, "numbered");
layout_test!(directories_without_migrations_are_scripts, "scripts");
layout_test!(carriage_return_line_endings_keep_line_numbers, "cr-only");

#[test]
fn a_rollback_twin_is_never_an_up_migration() {
    let sets = load_paths(&[layout_dir("rollback-twins")], None).expect("load");
    let migration = &sets[0].migrations[0];
    assert_eq!(migration.up.relative_path, "V12__add_status.cypher");
    assert_eq!(migration.down.as_ref().map(|d| d.relative_path.as_str()), Some("V12_R__add_status.cypher"));
    assert!(sets[0].problems.is_empty(), "{:?}", sets[0].problems);
}

#[test]
fn a_finding_after_carriage_returns_is_on_its_line() {
    let text = findings(&layout_dir("cr-only"));
    assert!(text.contains("V1__cr_only.cypher:4:17 Error exists-function"), "{text}");
}

#[test]
fn a_symlink_checked_out_as_text_is_read_through() {
    let sets = load_paths(&[layout_dir("symlink-as-text")], None).expect("load");
    let link = sets.iter().flat_map(|s| s.files()).find(|f| f.relative_path.ends_with("docs/V1__add_status.cypher"));
    let link = link.expect("the link is part of the set");
    assert_eq!(link.script.statements.len(), 1, "{:?}", link.script.errors);
    assert!(link.script.errors.is_empty());
}

#[test]
fn lint_verbose_says_which_layout_it_detected() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["lint", "-v", "fixtures/layouts/timestamps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cymig");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "cymig: fixtures/layouts/timestamps: detected layout golang-migrate (golang-migrate .up/.down): 2 .up/.down migrations, 1 down script"
        ),
        "{stderr}"
    );
}

/// A layout set in the fixture's own `cymig.toml` (`[migrations] layout` or patterns): the
/// files are read by it, not by detection.
fn configured_snapshot(layout: &str) -> String {
    let dir = layout_dir(layout);
    let config = Config::from_file(&dir.join("cymig.toml")).expect("config");
    let sets = load_paths_with(std::slice::from_ref(&dir), Some(&config.migrations), &config.layout).expect("load");
    let mut out = String::new();
    for set in &sets {
        out.push_str(&describe_set(set));
    }
    out.push_str("-- findings\n");
    out.push_str(&findings_with(&dir, &LintOptions::from(&config)));
    out
}

macro_rules! configured_layout_test {
    ($name:ident, $dir:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(concat!("layout_", $dir), configured_snapshot($dir));
        }
    };
}

configured_layout_test!(a_configured_numbered_layout_makes_flyway_names_misnamed, "configured-numbered");
configured_layout_test!(custom_patterns_capture_versions_and_descriptions, "configured-custom");
configured_layout_test!(a_configured_liquibase_layout_names_no_file, "configured-liquibase");

#[test]
fn the_configured_layout_applies_only_to_the_migrations_directory() {
    let config = Config::from_file(&layout_dir("configured-numbered").join("cymig.toml")).expect("config");
    let elsewhere = layout_dir("neo4j-migrations");
    let sets =
        load_paths_with(std::slice::from_ref(&elsewhere), Some(&config.migrations), &config.layout).expect("load");
    assert!(!sets[0].convention.is_configured());
    assert!(sets[0].problems.iter().all(|p| !p.message.contains("configured layout")));
}

fn cymig(args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cymig");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn lint_verbose_and_plan_say_which_layout_they_were_told() {
    let expected = "cymig: fixtures/layouts/configured-numbered: configured layout numbered (numbered files): \
                    2 numbered migrations, 1 down script, 2 misnamed files\n";
    let (code, stderr) = cymig(&["lint", "-v", "fixtures/layouts/configured-numbered"]);
    assert_eq!((code, stderr.as_str()), (0, expected));
    let (code, stderr) = cymig(&["plan", "fixtures/layouts/configured-numbered"]);
    assert_eq!((code, stderr.as_str()), (0, expected));
    let (code, stderr) = cymig(&["plan", "fixtures/layouts/neo4j-migrations"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with(
            "cymig: fixtures/layouts/neo4j-migrations: detected layout neo4j-migrations (Flyway naming with callbacks): "
        ),
        "{stderr}"
    );
}
layout_test!(same_version_fixtures_in_a_test_directory_are_not_duplicates, "test-collections");
