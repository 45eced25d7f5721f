//! `derive-down --check` on the hand-written downs of `../shared/realworld`, judged.
//!
//! Every explicit down script there is compared with its up by the comparison `--check` runs
//! (`cymig::undo::compare`), in its real history:
//! - open-kilda's Liquigraph migrations: each `1.N-*/` directory's changelogs are the up, its
//!   `rollback*.cql` files the down, the directories in version order the history;
//! - neo4go's `-- +neo4go Down` sections (a migration set, as `cymig derive-down --check` reads it);
//! - Liquibase change sets with a `<rollback>` (XML) or a `-- rollback` line (formatted Cypher),
//!   each change set the up of its own rollback, the change sets before it the history.
//!
//! `tests/realworld/down_check_verdicts.toml` holds a reviewer's verdict on every alarm. The test
//! fails when an alarm has no verdict, when an alarm judged true disappears, or when an alarm
//! judged false comes back (a false alarm still raised is marked `open = true`). It prints the
//! true and false alarm counts. Skipped (with a message) when `../shared/realworld` is absent.

use cymig::migration::changelog_xml::{formatted_change_sets, mask};
use cymig::migration::MigrationSet;
use cymig::schema::effects::touches_of_statements;
use cymig::schema::{Catalog, SchemaModel};
use cymig::undo::compare::{compare, compare_scripts, renames_not_undone, History, Script};
use cymig::undo::effects::script_effects;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn realworld_dir() -> PathBuf {
    crate::support::shared_dir().join("realworld")
}

/// One alarm, keyed as the verdicts name it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Alarm {
    /// `<file below realworld>:<line>`.
    at: String,
    kind: String,
    message: String,
}

/// Texts joined into one script, with where each file starts (to name file and line).
#[derive(Default)]
struct Joined {
    text: String,
    parts: Vec<(usize, String)>,
}

impl Joined {
    fn add(&mut self, name: &str, text: &str) {
        self.parts.push((self.text.len(), name.to_string()));
        self.text.push_str(text);
        self.text.push_str("\n;\n");
    }

    fn at(&self, offset: usize) -> String {
        let (start, name) = self.parts.iter().rev().find(|(s, _)| *s <= offset).cloned().unwrap_or_default();
        let line = self.text[start..offset.min(self.text.len())].matches('\n').count() + 1;
        format!("{name}:{line}")
    }
}

fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

fn alarms_of(result: &cymig::undo::compare::Comparison, up: &Joined, down: &Joined) -> Vec<Alarm> {
    result
        .findings
        .iter()
        .map(|f| {
            let at = match (f.down, f.up) {
                (Some(s), _) => down.at(s.start),
                (None, Some(s)) => up.at(s.start),
                (None, None) => down.at(0),
            };
            Alarm { at, kind: f.kind.name().to_string(), message: f.message.clone() }
        })
        .collect()
}

/// open-kilda: `1.N-*/` directories, each a migration (changelogs up, `rollback*.cql` down).
fn open_kilda(root: &Path, out: &mut Vec<Alarm>) {
    let dir = root.join("telstra__open-kilda/services/src/neo4j/migrations");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    let version = |p: &PathBuf| -> Vec<u64> {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name.split('-').next().unwrap_or("").split('.').filter_map(|n| n.parse().ok()).collect()
    };
    dirs.sort_by_key(version);
    let mut migrations: Vec<(Joined, Joined)> = Vec::new();
    for d in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        let (mut up, mut down) = (Joined::default(), Joined::default());
        for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "xml")) {
            let text = std::fs::read_to_string(f).unwrap();
            let masked = mask(&text).expect("a Liquigraph changelog");
            up.add(&relative(root, f), &masked.up);
        }
        // The rollback of the data runs before the rollback of the constraints it needs.
        let mut rollbacks: Vec<&PathBuf> = files.iter().filter(|f| f.extension().is_some_and(|e| e == "cql")).collect();
        rollbacks
            .sort_by_key(|f| f.to_string_lossy().contains("constaints") || f.to_string_lossy().contains("indexes"));
        for f in rollbacks {
            down.add(&relative(root, f), &std::fs::read_to_string(f).unwrap());
        }
        migrations.push((up, down));
    }
    let parsed: Vec<(cymig::ast::Script, cymig::ast::Script)> =
        migrations.iter().map(|(u, d)| (cymig::syntax::parse(&u.text), cymig::syntax::parse(&d.text))).collect();
    let mut before = Catalog::default();
    let mut earlier = Vec::new();
    for (i, ((up, down), (up_s, down_s))) in migrations.iter().zip(&parsed).enumerate() {
        let later = migrations
            .iter()
            .zip(&parsed)
            .skip(i + 1)
            .filter(|((_, d), _)| !d.text.trim().is_empty())
            .flat_map(|((u, d), (us, ds))| {
                let name = u.parts.first().map(|p| p.1.clone()).unwrap_or_default();
                renames_not_undone(
                    &script_effects(&us.statements, &u.text),
                    &script_effects(&ds.statements, &d.text),
                    &name,
                )
            })
            .collect();
        if !down.text.trim().is_empty() {
            let history = History { before: before.clone(), earlier: earlier.clone().into(), later };
            let result = compare_scripts(
                &Script { statements: &up_s.statements, text: &up.text, comments: &up_s.comments },
                &Script { statements: &down_s.statements, text: &down.text, comments: &down_s.comments },
                &history,
            );
            out.extend(alarms_of(&result, up, down));
            for e in &down_s.errors {
                out.push(Alarm { at: down.at(e.span.start), kind: "rejected".into(), message: e.message.clone() });
            }
        }
        before.apply_script_statements(&up_s.comments, &up_s.statements, &up.text, None);
        earlier.extend(touches_of_statements(&up_s.statements, &up.text));
    }
}

/// neo4go: migration sets with in-file down sections, as `cymig derive-down --check` reads them.
fn neo4go(root: &Path, out: &mut Vec<Alarm>) {
    let dir = root.join("kirha-ai__neo4go/examples/cli/migrations");
    let Ok(set) = MigrationSet::load(&dir) else { return };
    let model = SchemaModel::from_migrations(&set.migrations);
    for m in &set.migrations {
        let Some(result) = compare(&model, &set.migrations, m) else { continue };
        let mut j = Joined::default();
        j.parts.push((0, relative(root, m.up.path())));
        j.text = m.up.source.text.clone();
        out.extend(alarms_of(&result, &j, &j));
    }
}

/// Liquibase change sets with a rollback: each one's up and rollback, the earlier ones as history.
fn liquibase(root: &Path, out: &mut Vec<Alarm>) {
    let files = [
        "liquibase__liquibase-neo4j/src/test/resources/e2e/rollback/changeLog.xml",
        "liquibase__liquibase-neo4j/src/test/resources/e2e/rollback/changeLog.cypher",
        "fbiville__liquibase-neo4j-cli-demo/changeLog.xml",
    ];
    for name in files {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else { continue };
        let (up_text, down_text, sets) = match mask(&text) {
            Some(m) => (m.up, m.rollback, m.change_sets.iter().map(|c| c.span).collect::<Vec<_>>()),
            None => formatted(&text),
        };
        let up_all = cymig::syntax::parse(&up_text);
        let down_all = cymig::syntax::parse(&down_text);
        let mut before = Catalog::default();
        let mut earlier = Vec::new();
        let mut joined_up = Joined::default();
        joined_up.parts.push((0, name.to_string()));
        joined_up.text = text.clone();
        for span in sets {
            let inside = |s: &&cymig::ast::Statement| s.span.start >= span.start && s.span.end <= span.end;
            let up: Vec<_> = up_all.statements.iter().filter(inside).cloned().collect();
            let down: Vec<_> = down_all.statements.iter().filter(inside).cloned().collect();
            if !down.is_empty() {
                let history = History { before: before.clone(), earlier: earlier.clone().into(), later: Vec::new() };
                let result = compare_scripts(
                    &Script { statements: &up, text: &up_text, comments: &[] },
                    &Script { statements: &down, text: &down_text, comments: &[] },
                    &history,
                );
                out.extend(alarms_of(&result, &joined_up, &joined_up));
            }
            before.apply_statements(&up, &up_text, None);
            earlier.extend(touches_of_statements(&up, &up_text));
        }
    }
}

/// A formatted-Cypher changelog: its up text (framing blanked), its `-- rollback` bodies at
/// their place, and its change sets.
fn formatted(text: &str) -> (String, String, Vec<cymig::span::Span>) {
    let script = cymig::syntax::parse(text);
    let sets = formatted_change_sets(text.len(), &script.comments).iter().map(|c| c.span).collect();
    let mut down: Vec<u8> = text.bytes().map(|b| if b == b'\n' { b'\n' } else { b' ' }).collect();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(body) = line.strip_prefix("-- rollback ") {
            let start = offset + "-- rollback ".len();
            down[start..start + body.trim_end().len()].copy_from_slice(body.trim_end().as_bytes());
        }
        offset += line.len();
    }
    (text.to_string(), String::from_utf8(down).unwrap(), sets)
}

#[derive(Debug, Deserialize)]
struct Verdicts {
    #[serde(default)]
    alarm: Vec<Verdict>,
}

#[derive(Debug, Deserialize)]
struct Verdict {
    at: String,
    kind: String,
    verdict: String,
    #[allow(dead_code)]
    why: String,
    #[serde(default)]
    open: bool,
}

#[test]
fn down_check_alarms_on_realworld_downs_are_judged() {
    let root = realworld_dir();
    if !root.is_dir() {
        println!("skipped: ../shared/realworld is not present ({})", root.display());
        return;
    }
    let mut alarms = Vec::new();
    open_kilda(&root, &mut alarms);
    neo4go(&root, &mut alarms);
    liquibase(&root, &mut alarms);
    alarms.sort();
    alarms.dedup();
    for a in &alarms {
        println!("{} {} {}", a.at, a.kind, a.message);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld/down_check_verdicts.toml");
    let verdicts: Verdicts = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let raised: BTreeSet<(String, String)> = alarms.iter().map(|a| (a.at.clone(), a.kind.clone())).collect();
    let mut problems = Vec::new();
    for a in &alarms {
        if !verdicts.alarm.iter().any(|v| v.at == a.at && v.kind == a.kind) {
            problems.push(format!("no verdict: {} {} {}", a.at, a.kind, a.message));
        }
    }
    let (mut true_alarms, mut false_alarms) = (0, 0);
    for v in &verdicts.alarm {
        let is_raised = raised.contains(&(v.at.clone(), v.kind.clone()));
        match (v.verdict.as_str(), is_raised, v.open) {
            ("true", true, _) => true_alarms += 1,
            ("true", false, _) => problems.push(format!("a true alarm disappeared: {} {}", v.at, v.kind)),
            ("false", true, true) => false_alarms += 1,
            ("false", true, false) => problems.push(format!("a false alarm came back: {} {}", v.at, v.kind)),
            ("false", false, true) => problems.push(format!("fixed: drop `open = true` from {} {}", v.at, v.kind)),
            ("false", false, false) => {}
            (other, _, _) => problems.push(format!("unknown verdict {other:?} for {} {}", v.at, v.kind)),
        }
    }
    println!("derive-down --check on realworld downs: {true_alarms} true alarms, {false_alarms} false alarms");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
