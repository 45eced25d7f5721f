//! `cymig` database commands end to end: real files through the real parser, linter and plan,
//! the real binary as a separate process, a real Neo4j. Covers concurrent runs and `kill -9`.

use crate::support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::neo4j::{block_on, connect, count, fresh_db, strings, TestDb};
use support::{migration_set, run, text};

fn cymig(db: &TestDb, args: &[&str]) -> Command {
    support::cymig_on(db, args)
}

fn write(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).unwrap();
}

fn q(db: &TestDb, cypher: &str) -> i64 {
    block_on(async { count(&connect(db).await, cypher).await })
}

/// A small migration set: schema + reference data, a batched update, a plain data step.
fn migrations() -> tempfile::TempDir {
    migration_set(&[
        ("V1__person_key.cypher", "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n"),
        ("U1__person_key.cypher", "DROP CONSTRAINT person_id IF EXISTS;\n"),
        ("V2__people.cypher", "UNWIND range(1, 300) AS i\nMERGE (p:Person {id: i})\nSET p.name = 'p' + i;\n"),
        (
            "U2__people.cypher",
            "MATCH (p:Person) WHERE p.id <= 300\nCALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 1000 ROWS;\n",
        ),
        (
            "V3__scores.cypher",
            "MATCH (p:Person) WHERE p.score IS NULL\nCALL (p) { SET p.score = p.id * 2 } IN TRANSACTIONS OF 100 ROWS;\n",
        ),
        (
            "U3__scores.cypher",
            "MATCH (p:Person) WHERE p.score IS NOT NULL\nCALL (p) { REMOVE p.score } IN TRANSACTIONS OF 100 ROWS;\n",
        ),
    ])
}

#[test]
fn up_status_dry_run_down_through_the_binary() {
    let db = fresh_db();
    let m = migrations();
    let dir = m.path().to_str().unwrap();

    let o = run(&db, &["up", dir, "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("3 step 1 (auto-commit): batched, not run"), "{out}");
    assert_eq!(q(&db, "MATCH (n) RETURN count(n) AS v"), 0, "dry run wrote nothing");

    let o = run(&db, &["up", dir, "--to", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("applied 2 people"), "{}", text(&o));

    let o = run(&db, &["status", dir, "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let states: Vec<&str> =
        json["migrations"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["applied", "applied", "pending"]);
    assert_eq!(json["schema_version"], "2");

    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (p:Person) WHERE p.score = p.id * 2 RETURN count(p) AS v"), 300);

    let o = run(&db, &["down", dir, "--to", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (p:Person) RETURN count(p) AS v"), 0);
    assert_eq!(q(&db, "SHOW CONSTRAINTS YIELD name WHERE name = 'person_id' RETURN count(*) AS v"), 1);
    let o = run(&db, &["status", dir]);
    let out = text(&o);
    assert!(out.contains("schema version: 1") && out.contains("pending (rolled back)"), "{out}");

    // A reader that has gone (`cymig status | head -0`) ends the output, not the command.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = cymig(&db, &["status", dir]).stdout(writer).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !stderr.contains("panicked"), "{:?}: {stderr}", o.status);
}

#[test]
fn status_as_an_html_page_names_each_state_and_never_the_password() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__people.cypher", "CREATE (:Person {id: 1, note: '<b>bold</b>'});\n"),
        ("V2__more.cypher", "CREATE (:Person {id: 2});\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    assert!(run(&db, &["up", dir, "--to", "1"]).status.success());
    let o = run(&db, &["status", dir, "--format", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"), "{page}");
    assert!(page.contains("<span class=\"badge ok\">applied</span>"), "{page}");
    assert!(page.contains("<span class=\"badge muted\">pending</span>"), "{page}");
    assert!(page.contains("+1 nodes, +1 labels, 2 properties set"), "{page}");
    assert!(page.contains("lock: free"), "{page}");
    assert!(!page.contains(&db.password), "{page}");
}

#[test]
fn lint_fix_with_uri_leaves_the_migrations_the_database_applied_alone() {
    let db = fresh_db();
    let index = |name: &str, label: &str| format!("CREATE INDEX {name} FOR (n:{label}) ON (n.name);\n");
    let m = migration_set(&[
        ("V1__person.cypher", &index("person_name", "Person")),
        ("V2__city.cypher", &index("city_name", "City")),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir, "--to", "1"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = run(&db, &["lint", "--fix", "--uri", &db.uri, dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 errors, 1 warning in 1 file"), "V1 keeps its finding: {out}");
    assert!(out.contains("V1__person.cypher was applied to bolt://"), "{out}");
    assert!(out.contains("1 fix was not applied, because editing a migration that has run is checksum drift"), "{out}");
    assert!(!out.contains(&db.password), "{out}");
    let read = |name: &str| std::fs::read_to_string(m.path().join(name)).unwrap();
    assert_eq!(read("V1__person.cypher"), index("person_name", "Person"), "applied: never rewritten");
    assert!(read("V2__city.cypher").contains("IF NOT EXISTS"), "pending: fixed");

    let o = run(&db, &["lint", "--uri", &db.uri, dir]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("give it with --fix or --diff"), "{}", text(&o));
}

#[test]
fn lint_errors_block_up_before_the_database_is_touched() {
    let db = fresh_db();
    let m = migration_set(&[("V1__broken.cypher", "MATCH (n RETURN n;\n")]);
    let o = run(&db, &["up", m.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("nothing was sent to the database"), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (n) RETURN count(n) AS v"), 0);

    // Linting comes before the password and the connection: no password, no server, still the
    // findings' exit code (1), not a connection error (2).
    let o = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["up", m.path().to_str().unwrap(), "--uri", "bolt://127.0.0.1:9"])
        .env_remove("NEO4J_PASSWORD")
        .env_remove("NEO4J_URI")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("nothing was sent to the database"), "{}", text(&o));
}

#[test]
fn wrong_password_fails_clearly_without_printing_it() {
    let db = fresh_db();
    if std::env::var("NEO4J_URI").is_ok() {
        return;
    }
    let m = migrations();
    let secret = "Wr0ng-pa55-XYZZY";
    let o = cymig(&db, &["status", m.path().to_str().unwrap()]).env("NEO4J_PASSWORD", secret).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let out = text(&o);
    assert!(!out.contains(secret), "{out}");
    assert!(out.contains("cannot"), "{out}");
}

#[test]
fn edited_migration_is_refused_until_repair() {
    let db = fresh_db();
    let m = migrations();
    let dir = m.path().to_str().unwrap();
    assert!(run(&db, &["up", dir, "--to", "2"]).status.success());
    write(
        m.path(),
        "V2__people.cypher",
        "// reviewed\nUNWIND range(1, 300) AS i\nMERGE (p:Person {id: i})\nSET p.name = 'p' + i;\n",
    );
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("2 was edited after it was applied") && text(&o).contains("cymig repair"),
        "{}",
        text(&o)
    );
    let o = run(&db, &["validate", dir]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = run(&db, &["repair", dir, "--reason", "comment added in review"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (p:Person) WHERE p.score IS NOT NULL RETURN count(p) AS v"), 300);
}

#[test]
fn two_processes_started_together_apply_each_migration_once() {
    let db = fresh_db();
    let m = migration_set(&[(
        "V1__key.cypher",
        "CREATE CONSTRAINT applied_v IF NOT EXISTS FOR (a:Applied) REQUIRE a.v IS UNIQUE;\n",
    )]);
    for i in 2..=15 {
        write(m.path(), &format!("V{i}__step.cypher"), &format!("CREATE (:Applied {{v: {i}}});\n"));
    }
    let dir = m.path().to_str().unwrap();
    let children: Vec<Child> = (0..2)
        .map(|_| {
            cymig(&db, &["up", dir, "--lock-timeout", "120"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for o in &outputs {
        assert!(o.status.success(), "{}", text(o));
    }
    let applied_lines: usize = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().filter(|l| l.starts_with("applied ")).count())
        .sum();
    assert_eq!(applied_lines, 15, "{}\n---\n{}", text(&outputs[0]), text(&outputs[1]));
    assert_eq!(q(&db, "MATCH (a:Applied) RETURN count(a) AS v"), 14);
    assert_eq!(q(&db, "MATCH (m:__CymigMigration {status: 'applied'}) RETURN count(m) AS v"), 15);
}

/// Starts cymig with `args`, waits until `ready` holds, then kills it with SIGKILL.
fn kill_during(db: &TestDb, args: &[&str], ready: &str) {
    let mut child = cymig(db, args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "`{ready}` never held");
        if q(db, ready) > 0 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "cymig finished before it could be killed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    let _ = child.wait();
}

/// `key=status` of every history node, by key.
fn history(db: &TestDb) -> Vec<String> {
    block_on(async {
        strings(&connect(db).await, "MATCH (m:__CymigMigration) RETURN m.key + '=' + m.status AS v ORDER BY v").await
    })
}

fn schema_version(db: &TestDb) -> Vec<String> {
    block_on(async {
        strings(&connect(db).await, "MATCH (s:__CymigSchema) RETURN coalesce(s.version, '(none)') AS v").await
    })
}

#[test]
fn kill_9_during_a_long_explicit_step_then_up_completes() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__first.cypher", "CREATE (:Done {v: 1});\n"),
        // One explicit transaction that creates data, then sleeps: killed while in flight.
        ("V2__slow.cypher", "CREATE (:Done {v: 2})\nWITH 1 AS x\nCALL apoc.util.sleep(4000)\nRETURN x;\n"),
        ("V3__last.cypher", "CREATE (:Done {v: 3});\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    kill_during(
        &db,
        &["up", dir, "--lock-lease", "3"],
        "MATCH (m:__CymigMigration {key: '1', status: 'applied'}) RETURN count(m) AS v",
    );
    let o = run(&db, &["status", dir]);
    let out = text(&o);
    assert!(out.contains("2 ") && out.contains("pending"), "{out}");
    assert!(out.contains("recover with: cymig up"), "{out}");
    // The killed step rolled back with its record: `up` (taking over the dead process's lock) completes.
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (d:Done) RETURN count(d) AS v"), 3, "nothing applied twice or lost");
}

#[test]
fn kill_9_during_a_long_auto_commit_step_then_retry_completes() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__key.cypher", "CREATE CONSTRAINT batch_i IF NOT EXISTS FOR (b:Batch) REQUIRE b.i IS UNIQUE;\n"),
        // Batched (auto-commit), idempotent: MERGE on a unique key.
        ("V2__slow_batches.cypher", "UNWIND range(1, 30) AS i\nCALL (i) { CALL apoc.util.sleep(150) MERGE (:Batch {i: i}) } IN TRANSACTIONS OF 1 ROWS;\n"),
        ("V3__after.cypher", "CREATE (:After);\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    kill_during(&db, &["up", dir, "--lock-lease", "3"], "MATCH (b:Batch) RETURN count(b) AS v");
    let o = run(&db, &["status", dir]);
    let out = text(&o);
    assert!(out.contains("running") && out.contains("recover with: cymig retry 2"), "{out}");
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("Recover with: cymig retry 2"), "{}", text(&o));
    let o = run(&db, &["retry", "2", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (b:Batch) RETURN count(b) AS v"), 30);
    assert_eq!(q(&db, "MATCH (a:After) RETURN count(a) AS v"), 1);
    let states =
        block_on(async { strings(&connect(&db).await, "MATCH (m:__CymigMigration) RETURN m.status AS v").await });
    assert!(states.iter().all(|s| s == "applied"), "{states:?}");
}

#[test]
fn neo4j_stopped_mid_run_gives_a_clear_error_and_a_later_up_resumes() {
    if std::env::var("NEO4J_URI").is_ok() {
        eprintln!("skipped: needs its own embedded server to stop and restart");
        return;
    }
    // Serialised with the other database tests (machine load), though it uses a server of its own.
    let _shared = fresh_db();
    let data = tempfile::tempdir().unwrap();
    let m = migration_set(&[
        ("V1__first.cypher", "CREATE (:Done {v: 1});\n"),
        ("V2__slow.cypher", "CREATE (:Done {v: 2})\nWITH 1 AS x\nCALL apoc.util.sleep(6000)\nRETURN x;\n"),
        ("V3__last.cypher", "CREATE (:Done {v: 3});\n"),
    ]);
    let dir = m.path().to_str().unwrap();

    let server = support::neo4j::PrivateServer::start(data.path());
    let private = TestDb::external(&server.server);
    let child = cymig(&private, &["up", dir, "--lock-lease", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while q(&private, "MATCH (m:__CymigMigration {key: '1', status: 'applied'}) RETURN count(m) AS v") == 0 {
        assert!(Instant::now() < deadline, "V1 never applied");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    server.kill();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("2") && (out.contains("connection") || out.contains("cannot")), "{out}");
    assert!(!out.contains("panicked"), "{out}");

    let server = support::neo4j::PrivateServer::start(data.path());
    let private = TestDb::external(&server.server);
    let o = run(&private, &["status", dir]);
    assert!(text(&o).contains("applied") && text(&o).contains("pending"), "{}", text(&o));
    let o = run(&private, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&private, "MATCH (d:Done) RETURN count(d) AS v"), 3, "nothing applied twice or lost");
}

#[test]
fn kill_9_during_a_long_explicit_down_step_then_down_completes() {
    let db = fresh_db();
    let m = tempfile::tempdir().unwrap();
    for v in 1..=3 {
        write(m.path(), &format!("V{v}__done_{v}.cypher"), &format!("CREATE (:Done {{v: {v}}});\n"));
    }
    write(m.path(), "U1__done_1.cypher", "MATCH (d:Done {v: 1}) DELETE d;\n");
    // One explicit transaction that deletes, then sleeps: killed while in flight.
    write(
        m.path(),
        "U2__done_2.cypher",
        "MATCH (d:Done {v: 2}) DELETE d\nWITH count(*) AS deleted\nCALL apoc.util.sleep(4000)\nRETURN deleted;\n",
    );
    write(m.path(), "U3__done_3.cypher", "MATCH (d:Done {v: 3}) DELETE d;\n");
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));

    kill_during(
        &db,
        &["down", dir, "--steps", "3", "--lock-lease", "3"],
        "MATCH (m:__CymigMigration {key: '3', status: 'rolled_back'}) RETURN count(m) AS v",
    );
    // U2's step and its record rolled back together: 2 is still applied, truthfully.
    assert_eq!(history(&db), ["1=applied", "2=applied", "3=rolled_back"]);
    assert_eq!(schema_version(&db), ["2"]);
    assert_eq!(q(&db, "MATCH (d:Done) RETURN count(d) AS v"), 2, "U2's delete rolled back with it");
    let out = text(&run(&db, &["status", dir]));
    assert!(
        out.contains("schema version: 2") && out.contains("pending (rolled back)") && !out.contains("running"),
        "{out}"
    );

    // Running the rollback again (after the dead run's lease) completes it.
    let o = run(&db, &["down", dir, "--steps", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (d:Done) RETURN count(d) AS v"), 0);
    assert_eq!(history(&db), ["1=rolled_back", "2=rolled_back", "3=rolled_back"]);
    assert_eq!(schema_version(&db), ["(none)"]);
    // Nothing lost: everything goes up again, once.
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        block_on(async { strings(&connect(&db).await, "MATCH (d:Done) RETURN toString(d.v) AS v ORDER BY v").await }),
        ["1", "2", "3"]
    );
}

#[test]
fn kill_9_during_a_long_auto_commit_down_step_then_retry_completes() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__key.cypher", "CREATE CONSTRAINT batch_i IF NOT EXISTS FOR (b:Batch) REQUIRE b.i IS UNIQUE;\n"),
        ("U1__key.cypher", "DROP CONSTRAINT batch_i IF EXISTS;\n"),
        (
            "V2__batches.cypher",
            "UNWIND range(1, 30) AS i\nCALL (i) { MERGE (:Batch {i: i}) } IN TRANSACTIONS OF 10 ROWS;\n",
        ),
        // Batched (auto-commit) and slow: killed with part of the batches committed.
        (
            "U2__batches.cypher",
            "MATCH (b:Batch)\nCALL (b) { CALL apoc.util.sleep(150) DETACH DELETE b } IN TRANSACTIONS OF 1 ROWS;\n",
        ),
        ("V3__after.cypher", "CREATE (:After);\n"),
        ("U3__after.cypher", "MATCH (a:After) DELETE a;\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));

    kill_during(
        &db,
        &["down", dir, "--to", "1", "--lock-lease", "3"],
        "MATCH (b:Batch) WITH count(b) AS c RETURN CASE WHEN c < 30 THEN 1 ELSE 0 END AS v",
    );
    assert_eq!(history(&db), ["1=applied", "2=running", "3=rolled_back"]);
    let out = text(&run(&db, &["status", dir]));
    assert!(
        out.contains("running") && out.contains("in flight, down") && out.contains("recover with: cymig retry 2"),
        "{out}"
    );
    let o = run(&db, &["down", dir, "--to", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("being rolled back") && text(&o).contains("Recover with: cymig retry 2"), "{}", text(&o));
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(2), "up does not pass a half rolled back migration: {}", text(&o));

    // The printed recovery command finishes the rollback, and only the rollback.
    let o = run(&db, &["retry", "2", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("rolled back 2"), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (b:Batch) RETURN count(b) AS v"), 0);
    assert_eq!(q(&db, "MATCH (a:After) RETURN count(a) AS v"), 0);
    assert_eq!(q(&db, "SHOW CONSTRAINTS YIELD name WHERE name = 'batch_i' RETURN count(*) AS v"), 1, "1 stays applied");
    assert_eq!(history(&db), ["1=applied", "2=rolled_back", "3=rolled_back"]);
    assert_eq!(schema_version(&db), ["1"]);
    // Nothing lost or doubled: up applies 2 and 3 again.
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(q(&db, "MATCH (b:Batch) RETURN count(b) AS v"), 30);
    assert_eq!(q(&db, "MATCH (a:After) RETURN count(a) AS v"), 1);
    assert_eq!(history(&db), ["1=applied", "2=applied", "3=applied"]);
}

fn ints(db: &TestDb, cypher: &str) -> Vec<String> {
    block_on(async { strings(&connect(db).await, cypher).await })
}

#[test]
fn batched_steps_report_the_rows_and_batches_they_committed() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__items.cypher", "UNWIND range(1, 450) AS i\nCREATE (:Item {i: i});\n"),
        ("V2__double.cypher", "MATCH (n:Item) WHERE n.a IS NULL\nCALL (n) {\n  SET n.a = n.i * 2 // doubled\n} IN TRANSACTIONS OF 50 ROWS;\n"),
        ("V3__plus_one.cypher", "CALL apoc.periodic.iterate('MATCH (n:Item) WHERE n.b IS NULL RETURN n', 'SET n.b = n.a + 1', {batchSize: 100, parallel: false});\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    // Captured stderr is not a terminal: plain lines, no spinner.
    let o = run(&db, &["up", dir, "--progress-every", "0"]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    // While it runs, a line per committed batch (--progress-every 0): a checkpointed step sends one
    // row per batch and runs no count query first, so the running lines know no total yet.
    assert!(err.contains("2 step 1/1 (batched, auto-commit, 1 statement(s)): running, "), "{err}");
    assert!(err.contains(" elapsed, 150 rows, 3 batches committed so far"), "{err}");
    assert!(
        err.contains("2 step 1/1 (batched, auto-commit, 1 statement(s)): 450 / 450 rows, 9 / 9 batches committed in "),
        "{err}"
    );
    assert!(
        err.contains("3 step 1/1 (batched, auto-commit, 1 statement(s)): 450 / 450 rows, 5 / 5 batches committed in "),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "no spinner drawing off a terminal: {err:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("applied 2 double") && out.contains(", 450 rows in 9 batches)"), "{out}");
    assert!(out.contains("applied 3 plus_one") && out.contains(", 450 rows in 5 batches)"), "{out}");
    assert_eq!(q(&db, "MATCH (n:Item) WHERE n.b = n.i * 2 + 1 RETURN count(n) AS v"), 450);
    assert_eq!(
        ints(&db, "MATCH (m:__CymigMigration) RETURN m.key + ':' + coalesce(toString(m.rows_done), '-') + '/' + coalesce(toString(m.batches_done), '-') AS v ORDER BY v"),
        ["1:-/-", "2:450/9", "3:450/5"]
    );
    let out = text(&run(&db, &["status", dir]));
    // Neo4j's own counters, the inner transactions' included, and for apoc its updateStatistics.
    assert!(out.contains(" ms, 450 properties set, 450 rows in 9 batches)"), "{out}");
    assert!(out.contains(" ms, 450 properties set, 450 rows in 5 batches)"), "{out}");
    let o = run(&db, &["status", dir, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["migrations"][1]["record"]["rows_done"], 450, "{json}");
    assert_eq!(json["migrations"][1]["record"]["batches_done"], 9, "{json}");
    assert_eq!(json["migrations"][1]["record"]["counters"]["properties_set"], 450, "{json}");
}

#[test]
fn apoc_iterate_failures_fail_the_migration_with_their_messages() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__items.cypher", "UNWIND range(1, 10) AS i\nCREATE (:Item {i: i});\n"),
        // Row 5 divides by zero: apoc.periodic.iterate swallows it and reports it in its result.
        ("V2__ratio.cypher", "CALL apoc.periodic.iterate('MATCH (n:Item) WHERE n.r IS NULL RETURN n ORDER BY n.i', 'SET n.r = 100 / (n.i - 5)', {batchSize: 3, parallel: false});\n"),
        ("V3__after.cypher", "CREATE (:After);\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("apoc.periodic.iterate reported 3 failed operations in 1 failed batches")
            && out.contains("/ by zero"),
        "{out}"
    );
    assert!(out.contains("cymig retry 2"), "{out}");
    assert_eq!(q(&db, "MATCH (a:After) RETURN count(a) AS v"), 0, "nothing after the failed migration ran");
    assert_eq!(history(&db), ["1=applied", "2=failed"]);
    assert_eq!(
        ints(
            &db,
            "MATCH (m:__CymigMigration {key: '2'}) RETURN toString(m.rows_done) + '/' + toString(m.batches_done) AS v"
        ),
        ["7/3"]
    );
    let out = text(&run(&db, &["status", dir, "--show-failed"]));
    assert!(
        out.contains("failed") && out.contains("/ by zero") && out.contains("recover with: cymig retry 2"),
        "{out}"
    );
    assert!(out.contains("(committed before it failed: 7 rows in 3 batches)"), "{out}");
}

#[test]
fn a_failing_batch_of_call_in_transactions_fails_the_migration_and_counts_what_committed() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__items.cypher", "UNWIND range(1, 10) AS i\nCREATE (:Item {i: i});\n"),
        ("V2__ratio.cypher", "UNWIND range(1, 10) AS i\nMATCH (n:Item {i: i}) WHERE n.r IS NULL\nCALL (n) { SET n.r = 100 / (n.i - 5) } IN TRANSACTIONS OF 3 ROWS;\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("/ by zero")
            && out.contains("3 rows were committed in 1 batches before it")
            && out.contains("cymig retry 2"),
        "{out}"
    );
    // As with the default ON ERROR FAIL: the first batch stays, the failing one rolled back, nothing after it ran.
    assert_eq!(q(&db, "MATCH (n:Item) WHERE n.r IS NOT NULL RETURN count(n) AS v"), 3);
    assert_eq!(history(&db), ["1=applied", "2=failed"]);
    assert_eq!(
        ints(
            &db,
            "MATCH (m:__CymigMigration {key: '2'}) RETURN toString(m.rows_done) + '/' + toString(m.batches_done) AS v"
        ),
        ["3/1"]
    );
}

#[test]
fn an_apoc_iterate_yielding_no_error_columns_is_warned_about() {
    let db = fresh_db();
    let m = migration_set(&[
        ("V1__items.cypher", "UNWIND range(1, 10) AS i\nCREATE (:Item {i: i});\n"),
        ("V2__flag.cypher", "CALL apoc.periodic.iterate('MATCH (n:Item) WHERE n.f IS NULL RETURN n', 'SET n.f = true', {batchSize: 4, parallel: false})\nYIELD batches, total\nRETURN batches, total;\n"),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "2: warning: this apoc.periodic.iterate call's YIELD leaves out failedOperations and errorMessages"
        ),
        "{}",
        text(&o)
    );
    assert_eq!(q(&db, "MATCH (n:Item {f: true}) RETURN count(n) AS v"), 10);
}

/// A batched statement terminated on the server while it runs fails the migration at once: the
/// driver must not re-run it behind the executor's back (its first batches have committed, and
/// this body is not idempotent), and `status` shows what committed and how to recover.
#[test]
fn a_batched_statement_failing_mid_run_is_not_rerun_by_the_driver() {
    let db = fresh_db();
    let m = migration_set(&[(
        "V1__slow_counter.cypher",
        "// cymig:ignore-file nondeterministic-data, irreversible -- test of the executor\n\
         UNWIND range(1, 40) AS i\n\
         CALL (i) { CALL apoc.util.sleep(150) CREATE (:Ran {i: i}) } IN TRANSACTIONS OF 1 ROWS ON ERROR FAIL;\n",
    )]);
    let dir = m.path().to_str().unwrap();
    let child = cymig(&db, &["up", dir]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while q(&db, "MATCH (r:Ran) RETURN count(r) AS v") < 3 {
        assert!(Instant::now() < deadline, "the batched step never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let terminated = block_on(async {
        strings(
            &connect(&db).await,
            "SHOW TRANSACTIONS YIELD transactionId, currentQuery \
             WHERE currentQuery CONTAINS 'apoc.util.sleep' AND NOT currentQuery CONTAINS 'TERMINATE' \
             TERMINATE TRANSACTIONS transactionId YIELD transactionId AS id, message RETURN id + ' ' + message AS v",
        )
        .await
    });
    assert!(!terminated.is_empty(), "no transaction to terminate");
    let o = child.wait_with_output().unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    let ran = q(&db, "MATCH (r:Ran) RETURN count(r) AS v");
    let distinct = q(&db, "MATCH (r:Ran) RETURN count(DISTINCT r.i) AS v");
    assert_eq!(ran, distinct, "a row ran twice: the statement was re-run ({out})");
    assert!(ran < 40, "the statement was not interrupted ({out})");
    assert_eq!(history(&db), vec!["1=failed".to_string()], "{out}");
    let status = text(&run(&db, &["status", dir]));
    assert!(status.contains("failed") && status.contains("cymig retry 1"), "{status}");
}

/// A real transient error: another transaction holds the lock on the node the step writes, and
/// the server gives up waiting (`Neo.TransientError.Transaction.LockAcquisitionTimeout`). The
/// step is rolled back, retried with backoff, and succeeds once the lock is free.
#[test]
fn a_transient_error_rolls_the_step_back_and_it_is_retried() {
    let db = fresh_db();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let g = rt.block_on(connect(&db));
    // The test harness bounds lock waits (tests/neo4j Launcher); a server that does not is skipped.
    let timeout = rt
        .block_on(strings(
            &g,
            "CALL dbms.listConfig('db.lock.acquisition.timeout') YIELD name, value \
             WHERE name = 'db.lock.acquisition.timeout' RETURN value AS v",
        ))
        .join("");
    if timeout.is_empty() || timeout.trim_start_matches(['0', 's']).is_empty() {
        eprintln!("skipped: this server does not bound lock waits (db.lock.acquisition.timeout = {timeout:?})");
        return;
    }
    let m = migration_set(&[("V1__touch_locked.cypher", "MATCH (n:Locked) SET n.touched = true;\n")]);
    rt.block_on(g.run(neo4rs::query("CREATE (:Locked {id: 1})"))).unwrap();
    let mut blocker = rt.block_on(g.start_txn()).unwrap();
    rt.block_on(blocker.run(neo4rs::query("MATCH (n:Locked) SET n.held = true"))).unwrap();

    let mut child =
        cymig(&db, &["up", m.path().to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("transient error, rolled back; retry") {
                let _ = tx.send(());
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    let retried = rx.recv_timeout(Duration::from_secs(120)).is_ok();
    rt.block_on(blocker.commit()).unwrap();
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(retried, "no transient retry was reported:\n{stderr}");
    assert!(stderr.contains("LockAcquisitionTimeout"), "{stderr}");
    assert!(status.success(), "{stderr}");
    assert_eq!(q(&db, "MATCH (n:Locked {touched: true, held: true}) RETURN count(n) AS v"), 1);
    assert_eq!(history(&db), ["1=applied"]);
}

#[test]
fn an_empty_neo4j_password_counts_as_unset() {
    // No server needed: without a password (and no terminal to prompt on) cymig stops before
    // connecting, instead of sending an empty password.
    let m = migration_set(&[("V1__ok.cypher", "CREATE (:Ok);\n")]);
    let o = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["status", m.path().to_str().unwrap(), "--uri", "bolt://127.0.0.1:9"])
        .env("NEO4J_PASSWORD", "")
        .env_remove("NEO4J_URI")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no password: set NEO4J_PASSWORD"), "{}", text(&o));
}

/// A batched step whose body is one `SET` runs it inline in its checkpoint rewrite: row by row,
/// as the subquery did, so a row reads what the row before it wrote. The same statement run bare
/// on a twin chain gives the same graph.
#[test]
fn an_inlined_batch_body_acts_row_by_row_like_its_subquery() {
    let db = fresh_db();
    let chain = |label: &str| {
        format!(
            "UNWIND range(1, 20) AS i CREATE (:{label} {{i: i, x: CASE i WHEN 1 THEN 0 END}}) WITH count(*) AS done \
             MATCH (a:{label}), (b:{label}) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT]->(b)"
        )
    };
    let step = |label: &str| {
        format!(
            "MATCH (a:{label})-[:NEXT]->(b:{label}) WITH a, b ORDER BY a.i\n\
             CALL (a, b) {{ SET b.x = a.x + 1 }} IN TRANSACTIONS OF 3 ROWS"
        )
    };
    block_on(async {
        let graph = connect(&db).await;
        for label in ["Cymig", "Bare"] {
            graph.run(neo4rs::query(&chain(label))).await.unwrap();
        }
        graph.run(neo4rs::query(&step("Bare"))).await.unwrap();
    });
    let m = migration_set(&[("V1__chain.cypher", &format!("{};\n", step("Cymig")))]);
    let o = run(&db, &["up", m.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let xs = |label: &str| ints(&db, &format!("MATCH (c:{label}) RETURN toString(c.x) AS v ORDER BY c.i"));
    let expected: Vec<String> = (0..20).map(|x| x.to_string()).collect();
    assert_eq!(xs("Bare"), expected, "the subquery runs row by row");
    assert_eq!(xs("Cymig"), expected);
    assert!(String::from_utf8_lossy(&o.stdout).contains("19 rows in 7 batches"), "{}", text(&o));
}
