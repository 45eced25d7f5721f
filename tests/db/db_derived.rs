//! Every derived down script in `fixtures/derive/` proven on a real Neo4j 5.26: the fixtures are
//! copied without any `U` file (so every down is derived), a small graph that each migration
//! touches is seeded, and the real binary runs `cymig verify --seed` over the set: for each
//! migration up, down, compare schema and data with the state before, up again.
//!
//! Expected outcomes, one per migration:
//! - exact where the derived down's assumptions hold on the seed;
//! - V10 and V11 differ by exactly what their `Inexact:` comments say (the seed has one node that
//!   already had the property the migration skips, and the down removes it too);
//! - V13 has no down (derive-down refuses it): reported irreversible, never passed as proven;
//! - V14's acknowledged `cymig:irreversible` delete is reported as the one difference left.

use crate::support;

use std::path::Path;
use support::neo4j::{block_on, connect, count, fresh_db, TestDb};

/// Touches every migration's match (and leaves some nodes each one must not touch).
const SEED: &str = "
CREATE (:Person {id: 1, name: 'Ada', bio: 'mathematician'}), (:Person {id: 2, name: 'Alan', bio: 'logician'});
CREATE (:Document {title: 'Notes', body: 'on the analytical engine'}), (:Note {title: 'todo', body: 'tidy'});
CREATE (:Order {tenant: 't1', number: 1}), (:Order {tenant: 't2', number: 1});
CREATE (:Account {fullName: 'Grace Hopper'}), (:Account {fullName: 'Kept Both', displayName: 'kept'});
CREATE (:Customer {name: 'old', since: date('2019-05-01')}), (:Customer {name: 'new', since: date('2021-03-01')});
CREATE (ann:Member {name: 'ann', age: 30, legacyCode: 'A1'}), (bob:Member {name: 'bob', age: 12, status: 'junior'}),
       (ann)-[:FRIEND_OF {since: 2015}]->(bob), (bob)-[:FRIEND_OF {since: 2016}]->(ann),
       (ann)-[:KNOWS {since: 2010}]->(bob);
CREATE (:Ticket {title: 'untriaged'}), (:Ticket {title: 'urgent', priority: 'high'});
CREATE (:Country {code: 'IT', name: 'Italy'});
CREATE (:Device {serial: ' ab-1 '}), (:Device {serial: 'cd-2', normalizedSerial: 'CD-2'});
CREATE (:Sensor {name: 's1'}), (:Sensor {name: 's2', archived: true});
CREATE (:LogEntry {at: datetime('2019-06-01T00:00:00Z')}), (:LogEntry {at: datetime('2024-06-01T00:00:00Z')});
CREATE (:Audit {at: datetime('2019-01-01T00:00:00Z')}), (:Audit {at: datetime('2099-01-01T00:00:00Z')});
";

/// What `cymig verify` must report for each migration: `None` = exact, `Some(lines)` = exactly
/// these differences, `Irreversible` = no down at all.
enum Expected {
    Exact,
    Differs(&'static [&'static str]),
    Irreversible,
}

fn expected() -> Vec<(&'static str, Expected)> {
    use Expected::*;
    vec![
        ("1", Exact),
        ("2", Exact),
        ("3", Exact),
        ("4", Exact),
        ("5", Exact),
        ("6", Exact),
        ("7", Exact),
        ("8", Exact),
        ("9", Exact),
        // "Inexact: removes `normalizedSerial` from every matched node, including nodes that
        // already had it": the seed's second Device had it.
        ("10", Differs(&["property key normalizedSerial: 1 -> 0"])),
        // Same, for the Sensor that was already archived.
        ("11", Differs(&["property key archived: 1 -> 0"])),
        ("13", Irreversible),
        // "NOT UNDONE: `DETACH DELETE a` ... audit entries older than a year are purged by policy":
        // the 2019 Audit stays deleted; the `sla` SET is undone exactly.
        ("14", Differs(&["label Audit: 2 -> 1", "property key at: 3 -> 2", "nodes: 25 -> 24"])),
        // DROP … IF EXISTS of what V2 dropped: nothing to undo.
        ("19", Exact),
        // The seed's Tickets had no status: the fill is removed again.
        ("20", Exact),
        ("21", Exact),
        // The seed has no :Lead, :Prospect, `nickname` or `alias`: the renames are undone exactly.
        ("22", Exact),
        // The seed's :Country IT is matched (its marker and counter taken back), ES is created
        // (deleted by the absence of the ON MATCH value).
        ("23", Exact),
        // V7 wrote `status = 'active'` on ann, the only adult :Member: restored.
        ("24", Exact),
        // :Pioneer removed from Person 1, :ACQUAINTED set back to :KNOWS (properties kept).
        ("25", Exact),
    ]
}

fn copy_runnable_fixtures(to: &Path) -> Vec<String> {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/derive");
    let mut copied = Vec::new();
    for entry in std::fs::read_dir(&from).expect("fixtures/derive") {
        let name = entry.expect("dir entry").file_name().to_string_lossy().into_owned();
        // Only up migrations: a U file would replace the derived down this test is about.
        if !name.starts_with('V') || support::NOT_RUNNABLE_ON_NEO4J_5.contains(&name.as_str()) {
            continue;
        }
        std::fs::copy(from.join(&name), to.join(&name)).expect("copy fixture");
        copied.push(name);
    }
    copied.sort();
    copied
}

fn verify(db: &TestDb, dir: &Path, seed: &Path) -> std::process::Output {
    // The seed alone: these expectations count its nodes. tests/db_decoys.rs runs the same
    // fixtures with decoys.
    let (dir, seed) = (dir.to_str().unwrap(), seed.to_str().unwrap());
    support::cymig_on(db, &["verify", dir, "--seed", seed, "--no-decoys", "--format", "json", "--quiet"])
        .output()
        .expect("run cymig verify")
}

#[test]
fn every_derived_down_is_proven_on_neo4j() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    let copied = copy_runnable_fixtures(dir.path());
    assert_eq!(copied.len(), 20, "{copied:?}");
    assert!(!copied.iter().any(|n| n.starts_with('U')), "no explicit down may be present");
    let seed_dir = tempfile::tempdir().unwrap();
    let seed = seed_dir.path().join("seed.cypher");
    std::fs::write(&seed, SEED).unwrap();

    let o = verify(&db, dir.path(), &seed);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    println!("cymig verify: exit {:?}\n{stdout}{stderr}", o.status.code());
    // 1: at least one down is not exact (V10, V11, V14, as their comments say).
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");

    let proofs: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("verify --format json");
    let got: Vec<&str> = proofs.iter().map(|p| p["migration"].as_str().unwrap_or("?")).collect();
    let want: Vec<&str> = expected().iter().map(|(v, _)| *v).collect();
    assert_eq!(got, want, "every runnable migration is verified, in order");

    let mut failures = Vec::new();
    for ((version, expected), proof) in expected().iter().zip(&proofs) {
        let result = proof["result"].as_str().unwrap_or("?");
        let differences: Vec<&str> =
            proof["differences"].as_array().map(|d| d.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
        let ok = match expected {
            Expected::Exact => result == "exact",
            Expected::Irreversible => result == "irreversible",
            Expected::Differs(lines) => result == "differs" && differences == *lines,
        };
        if !ok {
            failures.push(format!("V{version}: {result} {differences:?}"));
        }
    }
    assert!(failures.is_empty(), "unexpected proofs:\n{}", failures.join("\n"));

    // verify leaves every migration applied: spot-check the last data and schema it re-applied.
    block_on(async {
        let g = connect(&db).await;
        assert_eq!(count(&g, "MATCH (t:Ticket {sla: 'P3'}) RETURN count(t) AS v").await, 1);
        assert_eq!(
            count(&g, "MATCH (:Country {code: 'FR'})-[:USES]->(:Currency {code: 'EUR'}) RETURN count(*) AS v").await,
            1
        );
        assert_eq!(count(&g, "SHOW INDEXES YIELD name WHERE name = 'person_bio' RETURN count(*) AS v").await, 0);
    });
}
