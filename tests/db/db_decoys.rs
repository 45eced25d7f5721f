//! `cymig verify` with decoys, on a real Neo4j 5.26 (started by the test harness):
//!
//! - the safety fixtures (`fixtures/derive/safety/`, the four wrong shapes a derived down once
//!   had) run up → down with decoys and touch none; the wrong shape itself, written as an
//!   explicit down, touches one, which `--no-decoys` would have passed as exact;
//! - the generative proof: a seeded generator builds migrations from the shapes cymig derives
//!   downs for, `cymig verify` runs each up → down with decoys, and every derived down is exact,
//!   or was refused, or says in an `Inexact:` / `Assumption:` comment the very data it got wrong;
//! - the real-world proof: every migration set of `../shared/realworld` (skipped when absent) is
//!   proven migration by migration, each on the database its predecessors left, and the test
//!   prints per repository how many derived downs are exact, assumed, inexact, refused, wrong or
//!   not runnable on Neo4j 5.26, and fails on any wrong one.

use crate::support;

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};
use support::neo4j::{fresh_db, TestDb};

fn verify(db: &TestDb, dir: &Path, extra: &[&str]) -> Output {
    support::cymig_on(db, &["verify", dir.to_str().unwrap(), "--quiet"]).args(extra).output().expect("run cymig verify")
}

fn proofs(o: &Output) -> Vec<Value> {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --format json: {e}\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn safety_fixtures_touch_no_decoy() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/derive/safety");
    for entry in std::fs::read_dir(&from).unwrap() {
        let name = entry.unwrap().file_name();
        std::fs::copy(from.join(&name), dir.path().join(&name)).unwrap();
    }
    let o = verify(&db, dir.path(), &["--format", "json"]);
    let proofs = proofs(&o);
    println!("{}", serde_json::to_string_pretty(&proofs).unwrap());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<(String, String, bool)> = proofs
        .iter()
        .map(|p| {
            let decoys = p["decoys"].as_u64().unwrap_or(0);
            (p["migration"].as_str().unwrap().to_string(), p["result"].as_str().unwrap().to_string(), decoys > 0)
        })
        .collect();
    let want = [
        ("1", "exact", false),
        ("2", "exact", true),
        ("3", "exact", true),
        ("4", "irreversible", false),
        ("5", "exact", true),
        ("6", "irreversible", false),
        ("7", "irreversible", false),
    ];
    let want: Vec<(String, String, bool)> = want.iter().map(|(v, r, d)| (v.to_string(), r.to_string(), *d)).collect();
    assert_eq!(got, want);
    assert!(proofs.iter().all(|p| p.get("touched_decoy").is_none()));
}

/// fixtures/derive with decoys alone (no seed): each decoy a down touches is one its comments
/// name (V3's and V5's `Assumption:`, V10's and V11's `Inexact:`); the rest are exact, also the
/// new kinds V19-V25 (no decoy shares a filled value, a bare node or a renamed name; the
/// merge-match decoy of V23 is told from a created node by its ON MATCH marker).
#[test]
fn derive_fixtures_against_decoys_alone() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/derive");
    for entry in std::fs::read_dir(&from).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('V') && !support::NOT_RUNNABLE_ON_NEO4J_5.contains(&name.as_str()) {
            std::fs::copy(from.join(&name), dir.path().join(&name)).unwrap();
        }
    }
    let o = verify(&db, dir.path(), &["--format", "json"]);
    let proofs = proofs(&o);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<String> = proofs
        .iter()
        .map(|p| {
            let touched = p.get("touched_decoy").map(|t| format!(" touched {}", t["kind"].as_str().unwrap_or("?")));
            format!(
                "{} {}{}",
                p["migration"].as_str().unwrap(),
                p["result"].as_str().unwrap(),
                touched.unwrap_or_default()
            )
        })
        .collect();
    let want = [
        "1 exact",
        "2 exact",
        "3 differs touched other-values",
        "4 exact",
        "5 differs touched related",
        "6 exact",
        "7 exact",
        "8 exact",
        "9 exact",
        "10 differs touched other-values",
        "11 differs touched other-values",
        "13 irreversible",
        "14 exact",
        "19 exact",
        "20 exact",
        "21 exact",
        "22 exact",
        "23 exact",
        "24 exact",
        "25 exact",
    ];
    assert_eq!(got, want, "{}", serde_json::to_string_pretty(&proofs).unwrap());
    for p in proofs.iter().filter(|p| p["result"] == "differs") {
        let version = p["migration"].as_str().unwrap();
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.file_name().unwrap().to_string_lossy().starts_with(&format!("V{version}__")))
            .unwrap();
        let down = Command::new(env!("CARGO_BIN_EXE_cymig")).arg("derive-down").arg(&file).output().unwrap();
        assert!(explained(p, &String::from_utf8_lossy(&down.stdout)), "V{version}: {p:#}");
    }
}

const CREATED_USER: &str = "MATCH (r:Role {uid: 'x'})\nCREATE (u:User {uid: 'u1'})\nCREATE (u)-[:HAS_ROLE]->(r);\n";
/// Shape 1 as a derived down once had it: the created user found again by an unbound pattern.
const WRONG_DOWN: &str = "MATCH (r:Role {uid: 'x'})\nMATCH (u:User)-[rel:HAS_ROLE]->(r)\nDELETE rel;\n\
                          MATCH (u:User {uid: 'u1'})\nDETACH DELETE u;\n";

#[test]
fn a_wrong_down_touches_a_decoy_that_seed_free_verify_misses() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("V1__created_user.cypher"), CREATED_USER).unwrap();
    std::fs::write(dir.path().join("U1__created_user.cypher"), WRONG_DOWN).unwrap();
    let o = verify(&db, dir.path(), &[]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    println!("{text}");
    assert_eq!(o.status.code(), Some(1), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("DOWN IS NOT EXACT (checked against 6 decoys):"), "{text}");
    assert!(text.contains("touched decoy d4 ((:User {uid: 'u1~d4'})-[:HAS_ROLE]->(:Role {uid: 'x'})"), "{text}");
    assert!(text.contains(": deleted"), "{text}");
    drop(db);

    // Without decoys the empty database gives the up nothing to do, and the wrong down passes.
    let db = fresh_db();
    let o = verify(&db, dir.path(), &["--no-decoys", "--format", "json"]);
    let proofs = proofs(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(proofs[0]["result"], "exact");
    assert_eq!(proofs[0]["decoys"], 0);
}

/// A down that Neo4j rejects is reported as the down's failure, not as an up that cannot run.
#[test]
fn a_down_neo4j_rejects_is_named_as_the_down() {
    let db = fresh_db();
    let dir = support::migration_set(&[
        ("V1__linked.cypher", "CREATE (:Linked {k: 1})-[:TO]->(:Target {k: 2});\n"),
        ("U1__linked.cypher", "MATCH (n:Linked {k: 1})\nDELETE n;\n"),
    ]);
    let o = verify(&db, dir.path(), &[]);
    let text = support::text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("verify: the up ran, then the down failed: 1 linked failed at step 1 of 1"), "{text}");
}

/// A small deterministic generator (xorshift), so every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const CASES: usize = 40;

const SHAPES: &[&str] = &[
    "create",
    "create-linked",
    "merge",
    "set",
    "add-label",
    "rename-property",
    "rename-label",
    "rename-type",
    "relate-matched",
    "merge-relationship",
    "batched",
    "apoc",
    "schema",
    "guarded-create",
    "fill",
    "bare-create",
    "apoc-rename",
    "redrop",
];

/// One generated migration: its shape, its text and the seed data it acts on. Labels, types and
/// names carry the case number, so the cases of one migration set do not see each other's data.
struct Case {
    shape: &'static str,
    up: String,
    seed: String,
}

fn generate(i: usize, rng: &mut Rng) -> Case {
    // Every shape in turn, so each is covered about equally; the rest is random.
    let shape = SHAPES[i % SHAPES.len()];
    let l = format!("{}{i}", rng.pick(&["Person", "Item", "Tag"]));
    let m = format!("{}{i}", rng.pick(&["Group", "Place", "Kind"]));
    let (r, s) = (format!("{}_{i}", rng.pick(&["OWNS", "IN"])), format!("{}_{i}", rng.pick(&["HAS", "AT"])));
    let key = rng.pick(&["k", "code", "uid"]);
    let value = if rng.chance(50) { format!("'v{}'", rng.next() % 100) } else { (rng.next() % 100).to_string() };
    let other = format!("'w{}'", rng.next() % 100);
    let unique = |label: &str| format!("CREATE CONSTRAINT c{i}_{label} FOR (n:{label}) REQUIRE n.{key} IS UNIQUE;\n");
    let constraint = if rng.chance(40) { unique(&l) } else { String::new() };
    let guard = if rng.chance(50) { " WHERE n.p IS NULL" } else { "" };
    let (up, seed) = match shape {
        "create" => (format!("{constraint}CREATE (:{l} {{{key}: {value}, name: 'x'}});"), String::new()),
        "create-linked" => (
            format!("MATCH (a:{l} {{{key}: {value}}})\nCREATE (b:{m} {{{key}: {other}}})\nCREATE (b)-[:{r}]->(a);"),
            format!("CREATE (:{l} {{{key}: {value}}});"),
        ),
        "merge" => (format!("{constraint}MERGE (n:{l} {{{key}: {value}}})\nON CREATE SET n.p = 1;"), String::new()),
        "set" => (
            format!("MATCH (n:{l} {{{key}: {value}}}){guard}\nSET n.p = 'x';"),
            format!("CREATE (:{l} {{{key}: {value}}}), (:{l} {{{key}: {value}, p: 'old'}});"),
        ),
        "add-label" => (format!("MATCH (n:{l})\nWHERE n.{key} = {value}\nSET n:{m};"), format!("CREATE (:{l} {{{key}: {value}}});")),
        "rename-property" => (
            format!("MATCH (n:{l})\nWHERE n.old IS NOT NULL\nSET n.new = n.old\nREMOVE n.old;"),
            format!("CREATE (:{l} {{old: 1}}), (:{l} {{other: 2}});"),
        ),
        "rename-label" => (format!("MATCH (n:{l})\nSET n:{m}\nREMOVE n:{l};"), format!("CREATE (:{l} {{{key}: {value}}});")),
        "rename-type" => (
            format!("MATCH (a:{l})-[old:{r}]->(b:{m})\nCREATE (a)-[new:{s}]->(b)\nSET new = properties(old)\nDELETE old;"),
            format!("CREATE (:{l})-[:{r} {{w: 1}}]->(:{m});"),
        ),
        "relate-matched" => (
            format!("MATCH (a:{l} {{{key}: {value}}}), (b:{m} {{{key}: {other}}})\nCREATE (a)-[:{r}]->(b);"),
            format!("CREATE (:{l} {{{key}: {value}}}), (:{m} {{{key}: {other}}});"),
        ),
        "merge-relationship" => (
            format!("MATCH (a:{l} {{{key}: {value}}}), (b:{m} {{{key}: {other}}})\nMERGE (a)-[:{r}]->(b);"),
            format!("CREATE (:{l} {{{key}: {value}}}), (:{m} {{{key}: {other}}});"),
        ),
        "batched" => (
            format!("MATCH (n:{l}){guard}\nCALL (n) {{\n  SET n.p = 1\n}} IN TRANSACTIONS OF 2 ROWS;"),
            format!("UNWIND range(1, 3) AS x CREATE (:{l} {{{key}: x}});"),
        ),
        "apoc" => (
            format!(
                "CALL apoc.periodic.iterate(\n  'MATCH (n:{l}){guard} RETURN n',\n  'SET n.p = 2',\n  {{batchSize: 2, parallel: false}}\n);"
            ),
            format!("UNWIND range(1, 3) AS x CREATE (:{l} {{{key}: x}});"),
        ),
        "schema" if rng.chance(50) => (format!("CREATE INDEX i{i} FOR (n:{l}) ON (n.{key});"), String::new()),
        "schema" => (unique(&l).trim_end().to_string(), String::new()),
        "fill" => (
            format!("MATCH (n:{l})\nSET n.p = coalesce(n.p, 'x');"),
            format!("CREATE (:{l} {{{key}: {value}}}), (:{l} {{{key}: {other}, p: 'old'}});"),
        ),
        "bare-create" => (
            format!("CREATE (:{l});\nCREATE (n:{m}:{l}) RETURN n;\nCREATE (:{m} {{at: datetime.transaction()}});"),
            if rng.chance(50) { format!("CREATE (:{l}), (:{l} {{{key}: {value}}});") } else { String::new() },
        ),
        "apoc-rename" => (
            format!("CALL apoc.refactor.rename.label('{l}', '{m}');"),
            format!("CREATE (:{l} {{{key}: {value}}});"),
        ),
        "redrop" => (
            format!("CREATE INDEX i{i} FOR (n:{l}) ON (n.{key});\nDROP INDEX i{i};\nDROP INDEX i{i} IF EXISTS;"),
            String::new(),
        ),
        _ => (
            format!("MATCH (c:{l})\nWHERE NOT (c)-[:{r}]->()\nCREATE (c)-[:{r}]->(:{m} {{kind: 'default'}});"),
            format!("CREATE (:{l} {{{key}: {value}}});"),
        ),
    };
    Case { shape, up: format!("{up}\n"), seed }
}

/// Labels and types a touched decoy's description names (`:Person3`, `:OWNS_3`).
fn names_in(description: &str) -> Vec<String> {
    description
        .split(':')
        .skip(1)
        .map(|s| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `Inexact:` and `Assumption:` comments of a derived down, each joined with its continuation lines.
fn notes(down: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in down.lines() {
        if let Some(note) = line.strip_prefix("// Inexact:").or_else(|| line.strip_prefix("// Assumption:")) {
            out.push(format!("{}{note}", if line.contains("Inexact:") { "Inexact:" } else { "Assumption:" }));
        } else if let (Some(more), Some(last)) = (line.strip_prefix("//  "), out.last_mut()) {
            last.push(' ');
            last.push_str(more.trim());
        }
    }
    out
}

/// What the differences of a proof name: property keys, labels, relationship types.
fn names_in_differences(proof: &Value) -> Vec<String> {
    let lines = proof["differences"].as_array().cloned().unwrap_or_default();
    let prefixes = ["property key ", "label ", "relationship type "];
    lines
        .iter()
        .filter_map(|l| l.as_str())
        .filter_map(|l| prefixes.iter().find_map(|p| l.strip_prefix(p)))
        .filter_map(|rest| rest.split(':').next().map(str::to_string))
        .collect()
}

/// Whether a proof that is not exact is explained by the derived down's own comments: an
/// `Inexact:` note, or an `Assumption:` note naming the data it got wrong — a label or type of
/// the touched decoy, or a property, label or type the differences name (when the seed broke it).
fn explained(proof: &Value, down: &str) -> bool {
    let notes = notes(down);
    if notes.iter().any(|n| n.starts_with("Inexact:")) {
        return true;
    }
    let mut names = names_in_differences(proof);
    if let Some(touched) = proof.get("touched_decoy") {
        names.extend(names_in(touched["description"].as_str().unwrap_or("")));
    }
    notes
        .iter()
        .filter(|n| n.starts_with("Assumption:"))
        .any(|n| names.iter().any(|name| n.contains(&format!(":{name}")) || n.contains(&format!("`{name}`"))))
}

#[test]
fn generated_migrations_have_exact_or_marked_derived_downs() {
    let mut rng = Rng(0x5eed_cafe_d00d_2026);
    let cases: Vec<Case> = (1..=CASES).map(|i| generate(i, &mut rng)).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut seed = String::new();
    for (i, case) in cases.iter().enumerate() {
        std::fs::write(dir.path().join(format!("V{}__{}.cypher", i + 1, case.shape.replace('-', "_"))), &case.up)
            .unwrap();
        if !case.seed.is_empty() {
            seed.push_str(&case.seed);
            seed.push('\n');
        }
    }
    let seed_dir = tempfile::tempdir().unwrap();
    let seed_file = seed_dir.path().join("seed.cypher");
    std::fs::write(&seed_file, &seed).unwrap();
    let downs: Vec<Option<String>> = (1..=CASES)
        .map(|i| {
            let file = dir.path().join(format!("V{i}__{}.cypher", cases[i - 1].shape.replace('-', "_")));
            let o = Command::new(env!("CARGO_BIN_EXE_cymig")).arg("derive-down").arg(&file).output().unwrap();
            o.status.success().then(|| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .collect();

    let db = fresh_db();
    let o = verify(&db, dir.path(), &["--seed", seed_file.to_str().unwrap(), "--format", "json"]);
    let proofs = proofs(&o);
    assert_eq!(proofs.len(), CASES, "{}", String::from_utf8_lossy(&o.stderr));

    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut decoys = 0;
    let mut failures = Vec::new();
    for ((case, down), proof) in cases.iter().zip(&downs).zip(&proofs) {
        let result = proof["result"].as_str().unwrap_or("?");
        decoys += proof["decoys"].as_u64().unwrap_or(0);
        let outcome = match (result, down) {
            ("exact", Some(_)) => "exact",
            ("irreversible", None) => "refused",
            ("differs", Some(down)) if explained(proof, down) => "not exact, as its comments say",
            _ => "WRONG",
        };
        *outcomes.entry(format!("{outcome} ({})", case.shape)).or_default() += 1;
        if outcome == "WRONG" {
            failures.push(format!(
                "V{} ({}):\n{}\nproof: {}\nderived down:\n{}",
                proof["migration"].as_str().unwrap_or("?"),
                case.shape,
                case.up,
                serde_json::to_string_pretty(proof).unwrap(),
                down.as_deref().unwrap_or("(refused)")
            ));
        }
    }
    println!("generative proof: {CASES} cases ran, checked against {decoys} decoys in all");
    for (outcome, n) in &outcomes {
        println!("  {n:>3}  {outcome}");
    }
    assert!(failures.is_empty(), "derived downs that are neither exact nor marked:\n\n{}", failures.join("\n\n"));
    assert!(outcomes.keys().any(|k| k.starts_with("exact")));
}

// Issue #11, measured on real migrations: every derived down of the public migration sets in
// ../shared/realworld, proven on Neo4j 5.26 with decoys.

/// What one real-world migration's derived down turned out to be.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// Derived exact, and proven exact.
    Exact,
    /// Derived exact under an `Assumption:`, and proven exact, or differing only in data its
    /// assumption names (a decoy that breaks it).
    Assumed,
    /// Derived with an `Inexact:` comment, and differing at most in data its comments name.
    Inexact,
    /// derive-down refuses it: applied, never proven.
    Refused,
    /// A derived down that is not what it says, or that Neo4j rejects: the test fails.
    Wrong(String),
    /// Neo4j 5.26 Community does not run the up (4.x syntax, an Enterprise feature, a syntax error…).
    NotRunnable(String),
}

const VERDICTS: [&str; 6] = ["exact", "assumed", "inexact", "refused", "wrong", "not runnable"];

impl Verdict {
    fn column(&self) -> usize {
        match self {
            Verdict::Exact => 0,
            Verdict::Assumed => 1,
            Verdict::Inexact => 2,
            Verdict::Refused => 3,
            Verdict::Wrong(_) => 4,
            Verdict::NotRunnable(_) => 5,
        }
    }
}

/// One migration proven: where it is, its verdict, the differences its comments explain, decoys.
struct Proven {
    repo: String,
    file: String,
    verdict: Verdict,
    explained: Option<String>,
    decoys: u64,
}

fn cymig(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cymig")).args(args).arg(dir).env("NO_COLOR", "1").output().expect("run cymig")
}

/// The first line of an error on stderr, without its `error: database:` prefixes, shortened.
fn reason(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr.lines().find(|l| !l.trim().is_empty() && !l.starts_with("cymig: ")).unwrap_or("(no message)");
    let line = line.trim_start_matches("error: ").trim_start_matches("database: ");
    line.chars().take(200).collect()
}

/// The migration sets of each repository, as `cymig lint -v` detects them; Liquibase and
/// Liquigraph changelogs are left out (their rollbacks are change sets, not derived downs).
fn realworld_sets(root: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut repos: Vec<_> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    repos.sort();
    let mut sets = Vec::new();
    for repo in repos {
        let o = cymig(&["lint", "-v", "--no-config"], &repo);
        for line in String::from_utf8_lossy(&o.stderr).lines() {
            let Some((dir, layout)) = line.strip_prefix("cymig: ").and_then(|l| l.split_once(": detected layout "))
            else {
                continue;
            };
            if !layout.starts_with("liquibase") {
                sets.push((repo.file_name().unwrap().to_string_lossy().into_owned(), dir.into()));
            }
        }
    }
    sets
}

fn plan_json(dir: &Path) -> Result<Vec<Value>, String> {
    let o = cymig(&["plan", "--no-config", "--format", "json"], dir);
    let plan: Value = serde_json::from_slice(&o.stdout).map_err(|_| reason(&o))?;
    Ok(plan["migrations"].as_array().cloned().unwrap_or_default())
}

/// The up of a migration file: an in-file down section (`-- +migrate Down`, `-- +neo4go Down`)
/// is cut off, so that the down proven is the derived one. A git symlink checked out as text
/// (the file holds only a relative path) is read where it points, as cymig reads it in place.
fn up_text(file: &Path) -> String {
    let mut text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
    let target = file.parent().unwrap().join(text.trim());
    if text.trim().ends_with(".cypher") && !text.trim().contains('\n') && target.is_file() {
        text = String::from_utf8_lossy(&std::fs::read(target).unwrap()).into_owned();
    }
    let is_down_marker = |line: &str| {
        let words: Vec<String> = line.split_whitespace().map(str::to_ascii_lowercase).collect();
        words.len() >= 3 && words[0] == "--" && words[1].starts_with('+') && words[2] == "down"
    };
    text.split_inclusive('\n').take_while(|l| !is_down_marker(l)).collect()
}

/// The derived down of `rel` in `run` (its steps' downs in order), or `None` when it is refused.
fn derived_down(run: &Path, rel: &Path) -> Result<Option<String>, String> {
    let plan = plan_json(run)?;
    let m = plan
        .iter()
        .find(|m| m["file"].as_str().is_some_and(|f| Path::new(f).ends_with(rel)))
        .ok_or_else(|| format!("{} is not in the plan", rel.display()))?;
    if m["down_source"].is_null() {
        return Ok(None);
    }
    let steps = m["steps"].as_array().cloned().unwrap_or_default();
    Ok(Some(steps.iter().filter_map(|s| s["down"].as_str()).collect()))
}

/// Whether the notes of a down name the data a proof found changed (see [`explained`]).
fn named_by_notes(proof: &Value, down: &str) -> bool {
    let mut names = names_in_differences(proof);
    if let Some(touched) = proof.get("touched_decoy") {
        names.extend(names_in(touched["description"].as_str().unwrap_or("")));
    }
    let names: Vec<String> = names.into_iter().filter(|n| !n.starts_with("(rel) ") && n != "__cymig_decoy").collect();
    !names.is_empty()
        && notes(down)
            .iter()
            .any(|n| names.iter().any(|name| n.contains(&format!(":{name}")) || n.contains(&format!("`{name}`"))))
}

/// The verdict of one proof of a derived down, given what the derivation called it.
fn judge(derived: Verdict, proof: &Value, down: &str) -> (Verdict, Option<String>) {
    let differences =
        || proof["differences"].as_array().map(|d| d.iter().filter_map(|s| s.as_str()).collect::<Vec<_>>().join("; "));
    match proof["result"].as_str() {
        Some("exact") => (derived, None),
        Some("irreversible") => (Verdict::Refused, None),
        Some("differs") if matches!(derived, Verdict::Assumed | Verdict::Inexact) && named_by_notes(proof, down) => {
            (derived, differences())
        }
        _ => (Verdict::Wrong(format!("{derived:?} down, proof: {}", differences().unwrap_or_default())), None),
    }
}

/// Runs `cymig verify` on `run`, where `rel` is the one pending migration.
fn prove_one(db: &TestDb, run: &Path, rel: &Path) -> (Verdict, Option<String>, u64) {
    let down = match derived_down(run, rel) {
        Ok(down) => down,
        Err(why) => return (Verdict::NotRunnable(why), None, 0),
    };
    let derived = match &down {
        None => Verdict::Refused,
        Some(d) if d.contains("// Inexact:") => Verdict::Inexact,
        Some(d) if d.contains("// Assumption:") => Verdict::Assumed,
        Some(_) => Verdict::Exact,
    };
    // Only syntax errors stop it: what else the checker would refuse, Neo4j is asked about.
    let args = ["verify", run.to_str().unwrap(), "--allow-non-empty", "--no-config", "--select", "syntax-error"];
    let o = support::cymig_on(db, &args).args(["--format", "json", "--quiet"]).output().unwrap();
    match serde_json::from_slice::<Vec<Value>>(&o.stdout).ok().and_then(|p| p.last().cloned()) {
        Some(proof) => {
            let (verdict, explained) = judge(derived, &proof, down.as_deref().unwrap_or(""));
            (verdict, explained, proof["decoys"].as_u64().unwrap_or(0))
        }
        None if support::text(&o).contains(", then the") => (Verdict::Wrong(reason(&o)), None, 0),
        None => (Verdict::NotRunnable(reason(&o)), None, 0),
    }
}

/// Empties the database and applies the migrations of `run` again (after one that failed).
fn restore(db: &TestDb, run: &Path, applied: usize) {
    support::neo4j::block_on(support::neo4j::reset(db)).expect("reset the test database");
    if applied > 0 {
        let o = support::run(db, &["up", run.to_str().unwrap(), "--no-config", "--select", "syntax-error", "--quiet"]);
        assert!(o.status.success(), "re-applying {}: {}", run.display(), support::text(&o));
    }
}

/// Proves each migration of a set in order, on the database holding the ones before it.
fn prove_set(db: &TestDb, repo: &str, set: &Path, seen: &mut HashSet<String>) -> Vec<Proven> {
    let proven = |file: &Path, verdict, explained, decoys| {
        let file = file.display().to_string();
        let file = file.split("/realworld/").last().unwrap_or(&file).to_string();
        Proven { repo: repo.to_string(), file, verdict, explained, decoys }
    };
    let plan = match plan_json(set) {
        Ok(plan) => plan,
        Err(why) => return vec![proven(set, Verdict::NotRunnable(why), None, 0)],
    };
    let run = tempfile::tempdir().unwrap();
    support::neo4j::block_on(support::neo4j::reset(db)).expect("reset the test database");
    let mut out = Vec::new();
    let mut applied = 0;
    for m in plan.iter().filter(|m| !m["version"].is_null()) {
        let file = Path::new(m["file"].as_str().unwrap());
        if !seen.insert(file.display().to_string()) {
            continue;
        }
        let rel = file.strip_prefix(set).unwrap();
        std::fs::create_dir_all(run.path().join(rel).parent().unwrap()).unwrap();
        std::fs::write(run.path().join(rel), up_text(file)).unwrap();
        let (verdict, explained, decoys) = prove_one(db, run.path(), rel);
        // A migration that failed half-way is taken out, and the database rebuilt without it.
        if matches!(&verdict, Verdict::NotRunnable(_))
            || matches!(&verdict, Verdict::Wrong(w) if w.contains(", then the"))
        {
            std::fs::remove_file(run.path().join(rel)).unwrap();
            restore(db, run.path(), applied);
        } else {
            applied += 1;
        }
        out.push(proven(file, verdict, explained, decoys));
    }
    out
}

fn table(proven: &[Proven]) -> String {
    let mut rows: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
    let mut total = [0; 6];
    for p in proven {
        rows.entry(&p.repo).or_default()[p.verdict.column()] += 1;
        total[p.verdict.column()] += 1;
    }
    let line = |name: &str, counts: &[usize; 6]| {
        let cells: Vec<String> = counts.iter().zip(VERDICTS).map(|(n, v)| format!("{n:>w$}", w = v.len())).collect();
        format!("{name:<42} {}\n", cells.join("  "))
    };
    let mut out = format!("{:<42} {}\n", "repository", VERDICTS.join("  "));
    for (repo, counts) in &rows {
        out.push_str(&line(repo, counts));
    }
    out.push_str(&line("total", &total));
    for p in proven {
        match (&p.verdict, &p.explained) {
            (Verdict::Wrong(why), _) => out.push_str(&format!("  WRONG {}: {why}\n", p.file)),
            (Verdict::NotRunnable(why), _) => out.push_str(&format!("  not runnable {}: {why}\n", p.file)),
            (v, Some(d)) => out.push_str(&format!("  {v:?}, differs as its comments say, {}: {d}\n", p.file)),
            _ => {}
        }
    }
    out
}

#[test]
fn realworld_derived_downs_are_proven_with_decoys() {
    let root = crate::support::shared_dir().join("realworld");
    let Ok(root) = root.canonicalize() else {
        println!("skipped: {} is absent (the real-world repositories of tests/realworld.rs)", root.display());
        return;
    };
    let db = fresh_db();
    let mut seen = HashSet::new();
    let mut proven = Vec::new();
    for (repo, set) in realworld_sets(&root) {
        proven.extend(prove_set(&db, &repo, &set, &mut seen));
    }
    let decoys: u64 = proven.iter().map(|p| p.decoys).sum();
    let table = table(&proven);
    println!("realworld derived downs, each proven up -> down on Neo4j 5.26 against {decoys} decoys in all:\n{table}");
    assert!(proven.iter().any(|p| p.verdict == Verdict::Exact), "{table}");
    assert!(!proven.iter().any(|p| matches!(p.verdict, Verdict::Wrong(_))), "wrong derived downs:\n{table}");
}
