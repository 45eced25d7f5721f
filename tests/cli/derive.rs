//! Derived down scripts: a snapshot per migration of the seeds (patterns 1-8 of seed 002, the
//! Neo4j migration of seed 004) and of fixtures/derive (one migration per inverse kind). Every
//! derived script re-parses with zero errors and lints clean as the set's down script.

use cymig::derive::{derive_migration, DerivedDown, Outcome};
use cymig::migration::MigrationSet;
use cymig::schema::SchemaModel;
use std::path::Path;

/// What `cymig derive-down` would show: the script, or every irreversible statement and why.
fn report(d: &DerivedDown) -> String {
    match d.render() {
        Some(script) => script,
        None => {
            let mut out = String::from("IRREVERSIBLE\n");
            for step in d.irreversible() {
                if let Outcome::Irreversible(why) = &step.outcome {
                    out.push_str(&format!("line {}: {}\n  {why}\n", step.line, step.summary));
                }
            }
            out
        }
    }
}

fn derive_set(dir: &str) -> Vec<(String, DerivedDown)> {
    let set = MigrationSet::load(Path::new(dir)).expect("fixture set loads");
    assert!(!set.migrations.is_empty(), "{dir} has migrations");
    let model = SchemaModel::from_migrations(&set.migrations);
    set.migrations
        .iter()
        .map(|m| {
            assert!(m.up.script.errors.is_empty(), "{} parses: {:?}", m.up.path().display(), m.up.script.errors);
            let name = m.up.path().file_stem().unwrap().to_string_lossy().into_owned();
            (name, derive_migration(&model, m, &cymig::check::findings_of))
        })
        .collect()
}

/// Each derived script re-parses, with one statement per inverse statement.
fn assert_reparses(name: &str, d: &DerivedDown) {
    let Some(script) = d.render() else { return };
    let parsed = cymig::syntax::parse(&script);
    assert!(parsed.errors.is_empty(), "{name}: derived down does not re-parse: {:?}\n{script}", parsed.errors);
    let expected: usize = d
        .steps
        .iter()
        .map(|s| match &s.outcome {
            Outcome::Inverse(list) => list.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(parsed.statements.len(), expected, "{name}: statement count of\n{script}");
}

fn snapshot_set(dir: &str, prefix: &str) {
    for (name, d) in derive_set(dir) {
        assert_reparses(&name, &d);
        insta::assert_snapshot!(format!("{prefix}__{name}"), report(&d));
    }
}

#[test]
fn seed_002_patterns() {
    snapshot_set("fixtures/seed-002", "seed_002");
}

#[test]
fn seed_004_migration() {
    snapshot_set("fixtures/seed-004", "seed_004");
}

#[test]
fn one_fixture_per_inverse_kind() {
    snapshot_set("fixtures/derive", "kind");
}

#[test]
fn irreversible_statements_are_named_never_guessed() {
    let all = derive_set("fixtures/derive");
    let (_, d) = all.iter().find(|(n, _)| n.starts_with("V13__")).unwrap();
    let lines: Vec<usize> = d.irreversible().iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5], "every one-way statement of V13 is reported");
    assert!(d.render().is_none());
}

#[test]
fn acknowledged_statements_do_not_block_the_down() {
    let all = derive_set("fixtures/derive");
    let (_, d) = all.iter().find(|(n, _)| n.starts_with("V14__")).unwrap();
    let script = d.render().expect("acknowledged irreversible statement still gives a down");
    assert!(script.contains("NOT UNDONE"), "{script}");
}

/// Derived downs lint clean as the down scripts of their set: each is written as the
/// companion U file of a copy of the set, and the checker finds nothing in it.
#[test]
fn derived_downs_lint_clean() {
    for dir in ["fixtures/seed-002", "fixtures/seed-004", "fixtures/derive"] {
        let tmp = tempfile::tempdir().unwrap();
        let set = MigrationSet::load(Path::new(dir)).unwrap();
        let model = SchemaModel::from_migrations(&set.migrations);
        let mut written = Vec::new();
        for m in &set.migrations {
            let up_name = m.up.path().file_name().unwrap().to_string_lossy().into_owned();
            std::fs::write(tmp.path().join(&up_name), &m.up.source.text).unwrap();
            if let Some(script) = derive_migration(&model, m, &cymig::check::findings_of).render() {
                let down = tmp.path().join(format!("U{}", &up_name[1..]));
                std::fs::write(&down, script).unwrap();
                written.push(down);
            }
        }
        let options = cymig::check::LintOptions::default();
        let outcome = cymig::check::lint(&written, &options).expect("lint runs");
        let findings: Vec<String> = outcome
            .files
            .iter()
            .flat_map(|f| {
                let name = f.source.path().file_name().unwrap().to_string_lossy().into_owned();
                f.diagnostics.iter().map(move |d| {
                    let line = f.source.line_col(d.span.start).line;
                    format!("{name}:{line}: {} ({:?}): {}", d.rule, d.severity, d.message)
                })
            })
            .collect();
        assert!(findings.is_empty(), "{dir}: derived downs have findings:\n{}", findings.join("\n"));
    }
}

/// The four wrong shapes of issue #11 (a created node re-found by an unbound pattern, a variable
/// lost with a dropped WITH, the up's guard repeated after the up, a matched key the up SETs):
/// each derives a down that touches only what the up made, or is refused.
#[test]
fn derived_downs_never_destroy_data() {
    snapshot_set("fixtures/derive/safety", "safety");
}

/// How one step counts: exact, exact under an assumption, inexact, refused.
fn status(step: &cymig::derive::DerivedStep) -> &'static str {
    match &step.outcome {
        Outcome::Inverse(list) => {
            let notes = || list.iter().flat_map(|i| i.notes.iter());
            if notes().any(|n| n.starts_with("Inexact")) {
                "inexact"
            } else if notes().any(|n| n.starts_with("Assumption")) {
                "assumed"
            } else {
                "exact"
            }
        }
        Outcome::Irreversible(_) => "refused",
        Outcome::Nothing(_) | Outcome::Acknowledged { .. } => "other",
    }
}

/// Measures derivation over the real-world repositories (`../shared/realworld`): the count of
/// steps per status. `cargo test --release --test cli derive::realworld_derive_counts -- --ignored --nocapture`.
#[test]
#[ignore]
fn realworld_derive_counts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).expect("realworld checkouts").flatten().map(|e| e.path()).collect();
    dirs.retain(|p| p.is_dir());
    dirs.sort();
    let mut total = std::collections::BTreeMap::<&str, usize>::new();
    for dir in dirs {
        let Ok(set) = MigrationSet::load(&dir) else { continue };
        let model = SchemaModel::from_migrations(&set.migrations);
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for m in &set.migrations {
            for step in derive_migration(&model, m, &cymig::check::findings_of).steps.iter().filter(|s| !s.schema) {
                *counts.entry(status(step)).or_default() += 1;
            }
        }
        println!("{}: {counts:?}", dir.file_name().unwrap().to_string_lossy());
        for (k, v) in counts {
            *total.entry(k).or_default() += v;
        }
    }
    println!("TOTAL data steps: {total:?}");
}
