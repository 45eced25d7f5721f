//! Executor safety through the real binary and a real Neo4j: applied migrations whose file is
//! gone, a lock left by a dead process on this host, and the guard on large unbatched writes.

use crate::support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use support::neo4j::{block_on, connect, count, fresh_db, strings, TestDb};

fn run_in(db: &TestDb, cwd: &Path, args: &[&str]) -> Output {
    support::cymig_on(db, args).current_dir(cwd).output().expect("run cymig")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A project directory: `cymig.toml` (when given) and `migrations/` holding `files`.
fn project(config: Option<&str>, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join("migrations").join(name), body).unwrap();
    }
    if let Some(toml) = config {
        std::fs::write(dir.path().join("cymig.toml"), toml).unwrap();
    }
    dir
}

fn q(db: &TestDb, cypher: &str) -> i64 {
    block_on(async { count(&connect(db).await, cypher).await })
}

fn history(db: &TestDb) -> Vec<String> {
    block_on(async {
        strings(&connect(db).await, "MATCH (m:__CymigMigration) RETURN m.key + '=' + m.status AS v ORDER BY v").await
    })
}

fn numbered(v: u32) -> [(String, String); 2] {
    [
        (format!("V{v}__m{v}.cypher"), format!("CREATE (:M {{v: {v}}});\n")),
        (format!("U{v}__m{v}.cypher"), format!("MATCH (m:M {{v: {v}}}) DELETE m;\n")),
    ]
}

#[test]
fn an_applied_migration_whose_file_is_gone_is_missing_until_repair_forgets_it() {
    let db = fresh_db();
    let files: Vec<(String, String)> = [1, 2, 3, 5].into_iter().flat_map(numbered).collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, b)| (n.as_str(), b.as_str())).collect();
    let p = project(None, &refs);
    let dir = p.path();
    let o = run_in(&db, dir, &["up", "migrations"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_file(dir.join("migrations/V2__m2.cypher")).unwrap();
    std::fs::remove_file(dir.join("migrations/U2__m2.cypher")).unwrap();

    let o = run_in(&db, dir, &["validate", "migrations"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("2: applied, but its file V2__m2.cypher is gone"), "{}", text(&o));
    let o = run_in(&db, dir, &["status", "migrations"]);
    let out = text(&o);
    assert!(out.contains("missing") && out.contains("recover with: restore the file, or cymig repair"), "{out}");
    let o = run_in(&db, dir, &["status", "migrations", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["missing"], serde_json::json!(["2"]));

    // Rolling back V5, V3 and then V1 would leave V2 applied on top of a rolled-back V1.
    let o = run_in(&db, dir, &["down", "migrations", "--steps", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("2 (m2) is applied but its file is gone"), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (m:M) RETURN count(m) AS v"), 4, "nothing was rolled back");
    let o = run_in(&db, dir, &["down", "migrations", "--to", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // Above it, `down` goes on as before.
    let o = run_in(&db, dir, &["down", "migrations", "--steps", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (m:M) RETURN count(m) AS v"), 2);

    let o = run_in(&db, dir, &["repair", "migrations", "--reason", "V2 was folded into V1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2: forgotten"), "{}", text(&o));
    let notes = block_on(async {
        strings(&connect(&db).await, "MATCH (m:__CymigMigration {key: '2'}) RETURN m.notes[-1] AS v").await
    });
    assert!(notes[0].contains("V2 was folded into V1"), "{notes:?}");
    let o = run_in(&db, dir, &["validate", "migrations"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run_in(&db, dir, &["down", "migrations", "--steps", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(history(&db), ["1=rolled_back", "2=forgotten", "3=rolled_back", "5=rolled_back"]);
}

/// A PID no process has (PIDs stay below `pid_max`, at most 2^22).
fn dead_pid() -> u32 {
    (4_194_000..4_194_304).find(|pid| !Path::new(&format!("/proc/{pid}")).exists()).expect("a free PID")
}

fn write_lock(db: &TestDb, owner: &str, host: &str, pid: u32) {
    let pid_ns = std::fs::read_link("/proc/self/ns/pid").unwrap().to_string_lossy().into_owned();
    block_on(async {
        connect(db)
            .await
            .run(
                neo4rs::query(
                    "MERGE (l:__CymigLock {name: 'cymig'}) SET l.owner = $owner, l.host = $host, \
                     l.pid = $pid, l.pid_ns = $pid_ns, l.acquired_at = datetime(), \
                     l.expires_at = datetime() + duration('PT1H')",
                )
                .param("owner", owner)
                .param("host", host)
                .param("pid", i64::from(pid))
                .param("pid_ns", pid_ns),
            )
            .await
            .unwrap()
    });
}

#[test]
fn a_lock_whose_holder_died_on_this_host_is_taken_over_at_once() {
    if !Path::new("/proc/self/ns/pid").exists() {
        eprintln!("skipped: no /proc here");
        return;
    }
    let db = fresh_db();
    let p = project(None, &[("V1__one.cypher", "CREATE (:One);\n")]);
    let dir = p.path();
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or("localhost".into());
    let pid = dead_pid();

    // Held by a live-looking process elsewhere: the lease is all there is, so `up` waits.
    write_lock(&db, "ci@elsewhere pid 1 #00000000", "elsewhere", pid);
    let o = run_in(&db, dir, &["up", "migrations", "--lock-timeout", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("held by `ci@elsewhere"), "{}", text(&o));

    let owner = format!("ci@{host} pid {pid} #00000000");
    write_lock(&db, &owner, &host, pid);
    let o = run_in(&db, dir, &["status", "migrations"]);
    let out = text(&o);
    assert!(out.contains("whose process no longer exists on this host"), "{out}");
    assert!(out.contains("recover with: cymig up"), "{out}");
    let started = Instant::now();
    let o = run_in(&db, dir, &["up", "migrations", "--lock-timeout", "30"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(started.elapsed() < Duration::from_secs(20), "waited {:?}", started.elapsed());
    assert!(text(&o).contains(&format!("removed the migration lock of `{owner}`")), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (n:One) RETURN count(n) AS v"), 1);
}

#[test]
fn an_unbatched_write_over_max_unbatched_rows_is_refused_unless_allowed() {
    let db = fresh_db();
    let p = project(
        Some("migrations = \"migrations\"\n\n[lint.batching]\nmax-unbatched-rows = 50\n"),
        &[
            ("V1__seed.cypher", "UNWIND range(1, 100) AS i\nCREATE (:Item {i: i});\n"),
            ("V2__mark.cypher", "MATCH (i:Item) WHERE i.i <= 40\nSET i.small = true;\n"),
        ],
    );
    let dir = p.path();
    let o = run_in(&db, dir, &["up"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("1 seed: refused before step 1 of 1")
            && out.contains("line 1 writes for 100 driving rows")
            && out.contains("max-unbatched-rows (50)")
            && out.contains("IN TRANSACTIONS")
            && out.contains("--allow-large-unbatched"),
        "{out}"
    );
    assert_eq!(q(&db, "MATCH (i:Item) RETURN count(i) AS v"), 0);
    assert!(history(&db).is_empty(), "nothing recorded: {:?}", history(&db));

    let o = run_in(&db, dir, &["up", "--allow-large-unbatched", "--to", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    // 40 driving rows: under the limit, no flag needed.
    let o = run_in(&db, dir, &["up"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (i:Item {small: true}) RETURN count(i) AS v"), 40);
}
