//! The executor against a real Neo4j (tests/neo4j, started once per test binary), on hand-built
//! checked plans. End-to-end tests through the whole pipeline live in tests/db_*.rs.

#[path = "../../tests/support/neo4j.rs"]
mod neo4j;

use super::apply::DownSelection;
use super::counters::Counters;
use super::fingerprint;
use super::history::{self, Status};
use super::*;
use crate::plan::{CheckedPlan, DownScript, MigrationPlan, Plan, PlannedStatement, TransactionMode};
use neo4j::{block_on, fresh_db, TestDb};
use sha2::{Digest, Sha256};
use std::time::Duration;

fn options() -> Options {
    Options {
        applied_by: "tester".into(),
        lock_timeout: Duration::from_secs(20),
        lock_lease: Duration::from_secs(3),
        index_timeout: Duration::from_secs(60),
        max_retries: 3,
        pre_up_hook: None,
        progress: false,
        progress_every: Duration::ZERO,
        verbose: false,
        max_unbatched_rows: None,
    }
}

fn conn(db: &TestDb) -> ConnectionOptions {
    ConnectionOptions {
        uri: db.uri.clone(),
        user: db.user.clone(),
        password: Secret::new(db.password.clone()),
        database: None,
        connect_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(60),
    }
}

async fn executor(db: &TestDb) -> Executor {
    Executor::new(Db::connect(&conn(db)).await.expect("connect"), options())
}

/// A statement planned from its parse, as the compiler plans it.
fn planned(line: usize, text: &str) -> PlannedStatement {
    let script = crate::syntax::parse(text);
    assert!(script.errors.is_empty(), "{text}: {:?}", script.errors);
    let statement = &script.statements[0];
    PlannedStatement {
        line,
        kind: crate::plan::classify(statement),
        text: text.to_string(),
        batched: crate::plan::batching::batching_of(statement, text),
        driving_count: crate::plan::batching::driving_count_of(statement, text),
    }
}

/// A down script planned by the compiler's own step rules.
fn down_script(text: &str) -> DownScript {
    let script = crate::syntax::parse(text);
    assert!(script.errors.is_empty(), "{text}: {:?}", script.errors);
    let source = crate::source::SourceFile::new("down.cypher", text);
    let steps = crate::plan::compile::steps_of(&source, &script.statements, None, None);
    DownScript { explicit: true, text: text.to_string(), steps }
}

/// A migration whose steps are given as `(mode, statements)`.
fn mig(version: &str, description: &str, steps: &[(TransactionMode, &[&str])], down: Option<&str>) -> MigrationPlan {
    let mut hasher = Sha256::new();
    for (_, stmts) in steps {
        for s in *stmts {
            hasher.update(s.as_bytes());
        }
    }
    let statements = steps.iter().map(|(_, stmts)| stmts.iter().enumerate().map(|(i, s)| planned(i + 1, s)).collect());
    let mut m = MigrationPlan::for_test(version, description, statements.collect());
    m.checksum = format!("{:x}", hasher.finalize());
    for (step, (mode, _)) in m.steps.iter_mut().zip(steps) {
        step.transaction = *mode;
    }
    m.down = down.map(down_script);
    m
}

fn plan(migrations: Vec<MigrationPlan>) -> CheckedPlan {
    CheckedPlan::unchecked(Plan { migrations, callbacks: Vec::new() })
}

use TransactionMode::{AutoCommit, Explicit};

const SEED: &str = "UNWIND range(1, 40) AS i CREATE (:Project {guid: 'p' + i, name: ' Project ' + i, customerGuid: 'c' + (i % 5), hourEstimate: 100, deadline: '2030-01-0' + (1 + i % 9)});\
    UNWIND range(0, 4) AS i CREATE (:Customer {guid: 'c' + i});\
    MATCH (p:Project), (c:Customer {guid: p.customerGuid}) CREATE (c)-[:HAS_PROJECT]->(p);\
    MATCH (p:Project) WHERE toInteger(substring(p.guid, 1)) % 2 = 0 CREATE (:User {guid: 'u' + p.guid})-[:LOGGED_HOURS {hours: 8, date: '2024-01-01', billable: true}]->(p)";

/// The seed-002 patterns, in Neo4j 5 syntax, with exact downs that use the migration marker.
fn seed_002_patterns() -> Vec<MigrationPlan> {
    vec![
        mig("1", "add_project_priority", &[(Explicit, &["MATCH (p:Project) WHERE p.priority IS NULL SET p.priority = 'medium', p.migration001 = true"])],
            Some("MATCH (p:Project) WHERE p.migration001 REMOVE p.priority, p.migration001")),
        mig("2", "add_customer_status", &[(Explicit, &["MATCH (c:Customer) WHERE c.status IS NULL SET c.status = CASE WHEN exists { (c)-[:HAS_PROJECT]->(:Project) } THEN 'active' ELSE 'inactive' END, c.migration002 = true"])],
            Some("MATCH (c:Customer) WHERE c.migration002 REMOVE c.status, c.migration002")),
        mig("3", "rename_customer_guid", &[(Explicit, &["MATCH (p:Project) WHERE p.customerGuid IS NOT NULL AND p.customerId IS NULL SET p.customerId = p.customerGuid REMOVE p.customerGuid"])],
            Some("MATCH (p:Project) WHERE p.customerId IS NOT NULL AND p.customerGuid IS NULL SET p.customerGuid = p.customerId REMOVE p.customerId")),
        mig("4", "convert_deadline_to_date", &[(Explicit, &["MATCH (p:Project) WHERE p.deadline IS NOT NULL AND NOT p.deadline IS :: DATE SET p.deadline = date(p.deadline)"])],
            Some("MATCH (p:Project) WHERE p.deadline IS :: DATE SET p.deadline = toString(p.deadline)")),
        mig("6", "restructure_work_hours", &[(Explicit, &["MATCH (u:User)-[rel:LOGGED_HOURS]->(p:Project) CREATE (wh:WorkHour {guid: randomUUID(), hours: rel.hours, date: rel.date, billable: rel.billable, migration006: true}) MERGE (u)-[:LOGGED]->(wh) MERGE (wh)-[:FOR]->(p) DELETE rel"])],
            Some("MATCH (u:User)-[:LOGGED]->(wh:WorkHour {migration006: true})-[:FOR]->(p:Project) MERGE (u)-[rel:LOGGED_HOURS]->(p) SET rel.hours = wh.hours, rel.date = wh.date, rel.billable = wh.billable DETACH DELETE wh")),
        mig("7", "batch_update_large_dataset", &[(AutoCommit, &["MATCH (p:Project) WHERE p.normalizedName IS NULL CALL { WITH p SET p.normalizedName = toLower(trim(p.name)) } IN TRANSACTIONS OF 7 ROWS"])],
            Some("MATCH (p:Project) WHERE p.normalizedName IS NOT NULL CALL { WITH p REMOVE p.normalizedName } IN TRANSACTIONS OF 7 ROWS")),
    ]
}

#[test]
fn up_applies_in_order_and_records_history() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script(SEED).await.unwrap();
        let p = plan(vec![
            mig("1", "index", &[(AutoCommit, &["CREATE INDEX project_name IF NOT EXISTS FOR (p:Project) ON (p.name)"])], Some("DROP INDEX project_name IF EXISTS")),
            mig("2", "mixed", &[
                (AutoCommit, &["CREATE CONSTRAINT customer_guid IF NOT EXISTS FOR (c:Customer) REQUIRE c.guid IS UNIQUE"]),
                (Explicit, &["MATCH (c:Customer) SET c.tier = 'gold'", "CREATE (:Marker {v: 2})"]),
            ], Some("MATCH (m:Marker {v: 2}) DELETE m; MATCH (c:Customer) REMOVE c.tier; DROP CONSTRAINT customer_guid IF EXISTS")),
        ]);
        let applied = ex.up(&p, None).await.unwrap();
        assert_eq!(applied.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        // Neo4j's own counters: 5 properties set on customers, one marker node with one property,
        // one constraint.
        assert_eq!(
            applied[1].counters,
            Counters {
                nodes_created: 1,
                properties_set: 6,
                labels_added: 1,
                constraints_added: 1,
                ..Counters::default()
            }
        );
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (c:Customer {tier: 'gold'}) RETURN count(c) AS v").await, 5);
        assert_eq!(
            neo4j::strings(&g, "SHOW INDEXES YIELD name, state WHERE name = 'project_name' RETURN state AS v").await,
            ["ONLINE"]
        );
        let records = history::load(&ex.db).await.unwrap();
        assert!(
            records.iter().all(|r| r.status == Status::Applied && r.applied_by.as_deref() == Some("tester")),
            "{records:?}"
        );
        assert_eq!(history::schema_version(&ex.db).await.unwrap().as_deref(), Some("2"));
        // Nothing pending: a second up is a no-op.
        assert!(ex.up(&p, None).await.unwrap().is_empty());
        // The lock was released.
        assert!(lock::current(&ex.db).await.unwrap().is_none());
    });
}

#[test]
fn seed_002_patterns_go_up_and_down_exactly() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script(SEED).await.unwrap();
        let before = fingerprint::take(&ex.db).await.unwrap();
        let p = plan(seed_002_patterns());
        ex.up(&p, None).await.unwrap();
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (p:Project {priority: 'medium'}) RETURN count(p) AS v").await, 40);
        assert_eq!(neo4j::count(&g, "MATCH (c:Customer {status: 'active'}) RETURN count(c) AS v").await, 5);
        assert_eq!(
            neo4j::count(
                &g,
                "MATCH (p:Project) WHERE p.customerId IS NOT NULL AND p.customerGuid IS NULL RETURN count(p) AS v"
            )
            .await,
            40
        );
        assert_eq!(neo4j::count(&g, "MATCH (p:Project) WHERE p.deadline IS :: DATE RETURN count(p) AS v").await, 40);
        assert_eq!(
            neo4j::count(&g, "MATCH (:User)-[:LOGGED]->(:WorkHour)-[:FOR]->(:Project) RETURN count(*) AS v").await,
            20
        );
        assert_eq!(neo4j::count(&g, "MATCH ()-[r:LOGGED_HOURS]->() RETURN count(r) AS v").await, 0);
        assert_eq!(neo4j::count(&g, "MATCH (p:Project {normalizedName: 'project 1'}) RETURN count(p) AS v").await, 1);
        ex.down(&p, DownSelection::Steps(10)).await.unwrap();
        let after = fingerprint::take(&ex.db).await.unwrap();
        assert_eq!(fingerprint::diff(&before, &after), Vec::<String>::new());
        let records = history::load(&ex.db).await.unwrap();
        assert!(records.iter().all(|r| r.status == Status::RolledBack), "{records:?}");
        assert_eq!(history::schema_version(&ex.db).await.unwrap(), None);
    });
}

#[test]
fn verify_proves_exact_downs_and_reports_inexact_ones() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let mut patterns = seed_002_patterns();
        patterns.push(mig(
            "9",
            "lossy",
            &[(Explicit, &["MATCH (p:Project) SET p.flag = true"])],
            Some("MATCH (p:Project) REMOVE p.flag, p.hourEstimate"),
        ));
        patterns.push(mig("10", "no_down", &[(Explicit, &["CREATE (:Audit {at: 1})"])], None));
        let p = plan(patterns);
        let proofs = ex.prove(&p, false, Some(SEED), false).await.unwrap();
        let summary: Vec<String> = proofs.iter().map(|p| format!("{} {:?}", p.migration, p.outcome)).collect();
        for exact in ["1", "2", "3", "4", "6", "7"] {
            assert!(summary.contains(&format!("{exact} Exact")), "{summary:#?}");
        }
        assert!(
            summary.iter().any(|s| s.starts_with("9 Differs") && s.contains("property key hourEstimate: 40 -> 0")),
            "{summary:#?}"
        );
        assert!(summary.contains(&"10 Irreversible".to_string()), "{summary:#?}");
        // Everything ends applied, ready for the next migration.
        assert!(history::load(&ex.db).await.unwrap().iter().all(|r| r.status == Status::Applied));
        // A non-empty database is refused.
        let err = ex.prove(&p, false, None, false).await.unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
    });
}

#[test]
fn batched_modes_work_on_the_real_server() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script("UNWIND range(1, 2500) AS i CREATE (:Item {i: i})").await.unwrap();
        let p = plan(vec![
            mig("1", "call_in_transactions", &[(AutoCommit, &["MATCH (n:Item) CALL { WITH n SET n.a = n.i * 2 } IN TRANSACTIONS OF 500 ROWS"])], None),
            mig("2", "apoc_iterate", &[(AutoCommit, &["CALL apoc.periodic.iterate('MATCH (n:Item) WHERE n.b IS NULL RETURN n', 'SET n.b = n.a + 1', {batchSize: 300})"])], None),
            mig("3", "schema_then_data", &[
                (AutoCommit, &["CREATE INDEX item_b IF NOT EXISTS FOR (n:Item) ON (n.b)"]),
                (Explicit, &["MATCH (n:Item) WHERE n.b > 4000 SET n:Big"]),
            ], None),
        ]);
        let applied = ex.up(&p, None).await.unwrap();
        let g = neo4j::connect(&db).await;
        assert_eq!(
            neo4j::count(&g, "MATCH (n:Item) WHERE n.a = n.i * 2 AND n.b = n.a + 1 RETURN count(n) AS v").await,
            2500
        );
        assert_eq!(neo4j::count(&g, "MATCH (n:Big) RETURN count(n) AS v").await, 501);
        // Every mode reports what it changed: the inner transactions of CALL … IN TRANSACTIONS
        // are in its summary, apoc's batches come from its updateStatistics column.
        let properties = |c: &Counters| c.properties_set;
        assert_eq!(applied.iter().map(|a| properties(&a.counters)).collect::<Vec<_>>(), [2500, 2500, 0]);
        assert_eq!(applied[2].counters.labels_added, 501);
        assert_eq!(applied[2].counters.indexes_added, 1);
        let recorded = history::load(&ex.db).await.unwrap();
        let record = |k: &str| recorded.iter().find(|r| r.key == k).unwrap().counters;
        assert_eq!(record("1"), applied[0].counters);
        assert_eq!(record("2"), applied[1].counters);
        assert_eq!(record("3"), applied[2].counters);
    });
}

#[test]
fn dry_run_changes_nothing_and_reports_changes() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script(SEED).await.unwrap();
        let before = fingerprint::take(&ex.db).await.unwrap();
        let mut patterns = seed_002_patterns();
        patterns.push(mig(
            "8",
            "index",
            &[(AutoCommit, &["CREATE INDEX project_risk IF NOT EXISTS FOR (p:Project) ON (p.riskScore)"])],
            None,
        ));
        let p = plan(patterns);
        let previews = ex.dry_run_up(&p, None).await.unwrap();
        let after = fingerprint::take(&ex.db).await.unwrap();
        assert_eq!(before, after, "a dry run must leave schema and data as they were");
        assert!(history::load(&ex.db).await.unwrap().is_empty());
        let text = dryrun::render(&previews);
        assert!(text.contains("1 step 1 (explicit): ran and rolled back: 80 properties set"), "{text}");
        // Neo4j's own counters, not before/after totals: a rename (SET one key, REMOVE another)
        // leaves the number of properties unchanged, yet changes 80 of them.
        assert!(text.contains("3 step 1 (explicit): ran and rolled back: 80 properties set"), "{text}");
        // A refactoring that deletes 20 relationships and creates 40 shows both sides.
        assert!(
            text.contains(
                "6 step 1 (explicit): ran and rolled back: +20 nodes, +40 relationships, -20 relationships, \
                 +20 labels, 100 properties set"
            ),
            "{text}"
        );
        assert!(text.contains("7 step 1 (auto-commit): batched, not run: 40 rows in 6 batches of 7"), "{text}");
        assert!(text.contains("8 step 1 (auto-commit): ran and rolled back: +1 indexes"), "{text}");
    });
}

#[test]
fn concurrent_runs_apply_each_migration_once() {
    let db = fresh_db();
    let migrations: Vec<MigrationPlan> = (1..=12)
        .map(|i| {
            let v = i.to_string();
            let stmt: &'static str = Box::leak(format!("CREATE (:Applied {{v: {i}}})").into_boxed_str());
            let stmts: &'static [&'static str] = Box::leak(vec![stmt].into_boxed_slice());
            mig(&v, "create", &[(Explicit, stmts)], None)
        })
        .collect();
    let p = std::sync::Arc::new(plan(migrations));
    let conn = conn(&db);
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let p = p.clone();
            let conn = conn.clone();
            std::thread::spawn(move || {
                block_on(async move {
                    let ex = Executor::new(Db::connect(&conn).await.unwrap(), options());
                    ex.up(&p, None).await.map(|a| a.len())
                })
            })
        })
        .collect();
    let applied: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
    assert_eq!(applied.iter().sum::<usize>(), 12, "{applied:?}");
    block_on(async {
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (a:Applied) RETURN count(DISTINCT a.v) AS v").await, 12);
        assert_eq!(neo4j::count(&g, "MATCH (a:Applied) RETURN count(a) AS v").await, 12);
    });
}

#[test]
fn interrupted_auto_commit_step_blocks_up_until_retry() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script("UNWIND range(1, 100) AS i CREATE (:Item {i: i})").await.unwrap();
        let p = plan(vec![
            mig("1", "first", &[(Explicit, &["CREATE (:Done {v: 1})"])], None),
            mig(
                "2",
                "batched",
                &[
                    (Explicit, &["CREATE (:Done {v: 2})"]),
                    (AutoCommit, &["MATCH (n:Item) CALL { WITH n SET n.x = 1 } IN TRANSACTIONS OF 10 ROWS"]),
                    (Explicit, &["CREATE (:Done {v: 3})"]),
                ],
                None,
            ),
            mig("3", "after", &[(Explicit, &["CREATE (:Done {v: 4})"])], None),
        ]);
        ex.up(&p, Some("1")).await.unwrap();
        // Simulate a process killed during step 2 of V2: step 1 committed with its record,
        // the `running` record for step 2 committed, half the batches done, lock left behind.
        history::ensure_schema(&ex.db).await.unwrap();
        ex.db.run(neo4rs::query("CREATE (:Done {v: 2})")).await.unwrap();
        ex.db.run(neo4rs::query("MATCH (n:Item) WHERE n.i <= 50 SET n.x = 1")).await.unwrap();
        let m = &p.plan().migrations[1];
        let dead = history::Update {
            key: "2",
            version: Some("2"),
            script: None,
            description: "batched",
            checksum: &m.checksum,
            status: Status::Running,
            direction: history::Direction::Up,
            steps_done: 1,
            steps_total: 3,
            by: "dead",
            execution_ms: None,
            counters: None,
            batches: None,
            reset_counts: false,
            error: None,
            new_attempt: true,
            note: None,
            checkpoint_from: None,
        };
        ex.db.run(history::write(&dead)).await.unwrap();
        ex.db.run(neo4rs::query("MERGE (l:__CymigLock {name: 'cymig'}) SET l.owner = 'dead@host', l.expires_at = datetime() - duration('PT1S')")).await.unwrap();

        let report = ex.status(&p).await.unwrap();
        let text = status::render_text(&report, true);
        assert!(
            text.contains("running") && text.contains("recover with: cymig retry 2") && text.contains("STALE"),
            "{text}"
        );
        let err = ex.up(&p, None).await.unwrap_err().to_string();
        assert!(err.contains("was interrupted") && err.contains("Recover with: cymig retry 2"), "{err}");

        let done = ex.retry(&p, "2", false).await.unwrap();
        assert_eq!(done.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), ["2", "3"]);
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (d:Done) RETURN count(d) AS v").await, 4, "nothing applied twice");
        assert_eq!(neo4j::count(&g, "MATCH (n:Item {x: 1}) RETURN count(n) AS v").await, 100);
        assert!(history::load(&ex.db).await.unwrap().iter().all(|r| r.status == Status::Applied));
    });
}

#[test]
fn failed_explicit_step_rolls_back_and_retry_resumes() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        // Two migrations; the second's last statement creates a Thing with `second_id`.
        let with_second_thing = |second_id: &str| {
            let second = format!("CREATE (:Thing {{id: {second_id}}})");
            plan(vec![
                mig("0", "first", &[(Explicit, &["CREATE (:First)"])], None),
                mig(
                    "1",
                    "two_steps",
                    &[
                        (
                            AutoCommit,
                            &["CREATE CONSTRAINT thing_id IF NOT EXISTS FOR (t:Thing) REQUIRE t.id IS UNIQUE"],
                        ),
                        (Explicit, &["CREATE (:Thing {id: 1})", second.as_str()]),
                    ],
                    None,
                ),
            ])
        };
        let broken = with_second_thing("1");
        let err = ex.up(&broken, None).await.unwrap_err().to_string();
        assert!(
            err.contains("failed at step 2 of 2") && err.contains("rolled back") && err.contains("cymig retry 1"),
            "{err}"
        );
        // What the run did apply before the failure is part of its report.
        assert!(err.contains("Completed by this run before the failure: 0"), "{err}");
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (t:Thing) RETURN count(t) AS v").await, 0);
        let r = history::load(&ex.db).await.unwrap();
        let r1: Vec<_> = r.iter().filter(|x| x.key == "1").collect();
        assert_eq!((r1[0].status, r1[0].steps_done), (Status::Failed, 1));
        assert!(r1[0].error.as_deref().unwrap_or("").contains("already exists"), "{r1:?}");
        // Fixed file: same steps, second statement corrected.
        let fixed = with_second_thing("2");
        assert!(ex.up(&fixed, None).await.unwrap_err().to_string().contains("cymig retry 1"));
        ex.retry(&fixed, "1", true).await.unwrap();
        assert_eq!(neo4j::count(&g, "MATCH (t:Thing) RETURN count(t) AS v").await, 2);
        let r = history::load(&ex.db).await.unwrap();
        let r1: Vec<_> = r.iter().filter(|x| x.key == "1").collect();
        assert_eq!(
            (r1[0].status, r1[0].attempts, r1[0].checksum.clone()),
            (Status::Applied, 2, fixed.plan().migrations[1].checksum.clone())
        );
    });
}

#[test]
fn failing_verify_query_marks_the_migration_failed_and_rolls_back() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let mut m = mig("1", "verified", &[(Explicit, &["CREATE (:V {n: 1})"])], None);
        m.verify = vec!["MATCH (v:V) RETURN count(v) = 2 AS ok".into()];
        let err = ex.up(&plan(vec![m.clone()]), None).await.unwrap_err().to_string();
        assert!(err.contains("verify query 1 returned false"), "{err}");
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (v:V) RETURN count(v) AS v").await, 0);
        m.verify = vec!["MATCH (v:V) RETURN count(v) = 1 AS ok, true AS also".into()];
        m.checksum.push('x');
        ex.retry(&plan(vec![m]), "1", true).await.unwrap();
        assert_eq!(neo4j::count(&g, "MATCH (v:V) RETURN count(v) AS v").await, 1);
    });
}

#[test]
fn edited_applied_migration_is_refused_until_repair() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let original = mig("1", "one", &[(Explicit, &["CREATE (:One)"])], None);
        ex.up(&plan(vec![original.clone()]), None).await.unwrap();
        let mut edited = original.clone();
        edited.checksum = "f".repeat(64);
        let p = plan(vec![edited, mig("2", "two", &[(Explicit, &["CREATE (:Two)"])], None)]);
        let err = ex.up(&p, None).await.unwrap_err().to_string();
        assert!(err.contains("1 was edited after it was applied") && err.contains("cymig repair"), "{err}");
        assert_eq!(ex.validate(&p).await.unwrap().len(), 1);
        assert!(ex.repair(&p, " ").await.is_err(), "a reason is required");
        let repaired = ex.repair(&p, "comment-only edit").await.unwrap();
        assert_eq!(repaired.accepted.len(), 1);
        assert_eq!(ex.up(&p, None).await.unwrap().len(), 1);
        let r = history::load(&ex.db).await.unwrap();
        let one = r.iter().find(|r| r.key == "1").unwrap();
        assert!(one.notes.iter().any(|n| n.contains("comment-only edit")), "{one:?}");
    });
}

#[test]
fn down_refuses_irreversible_migrations_and_says_why() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let p = plan(vec![
            mig("1", "reversible", &[(Explicit, &["CREATE (:R)"])], Some("MATCH (r:R) DELETE r")),
            mig("2", "delete_things", &[(Explicit, &["CREATE (:X)"])], None),
        ]);
        ex.up(&p, None).await.unwrap();
        let err = ex.down(&p, DownSelection::Steps(2)).await.unwrap_err().to_string();
        assert!(err.contains("2 (delete_things) is irreversible") && err.contains("cymig derive-down"), "{err}");
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (r:R) RETURN count(r) AS v").await, 1, "nothing rolled back");
        let dry = ex.dry_run_down(&p, DownSelection::To("1")).await;
        assert!(dry.is_err());
    });
}

#[test]
fn a_step_commits_only_while_this_process_owns_the_lock() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        history::ensure_schema(&ex.db).await.unwrap();
        let p = plan(vec![
            mig("1", "one", &[(Explicit, &["CREATE (:One)"])], None),
            mig("2", "two", &[(Explicit, &["CREATE (:Two)"])], None),
        ]);
        let lock = ex.lock().await.unwrap();
        // The lease ran out (a step longer than the lease, a paused process) but nobody took the
        // lock over: it is still ours, and the step renews it.
        ex.db
            .run(neo4rs::query("MATCH (l:__CymigLock) SET l.expires_at = datetime() - duration('PT1M')"))
            .await
            .unwrap();
        assert_eq!(ex.up_locked(&p, Some("1"), &lock).await.unwrap().len(), 1);
        assert!(!lock::current(&ex.db).await.unwrap().unwrap().expired, "the step renewed the lease");
        // Another process took it over: nothing more commits.
        ex.db.run(neo4rs::query("MATCH (l:__CymigLock) SET l.owner = 'other@host'")).await.unwrap();
        let err = ex.up_locked(&p, None, &lock).await.unwrap_err().to_string();
        assert!(err.contains("lost the migration lock"), "{err}");
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n:Two) RETURN count(n) AS v").await, 0);
        drop(lock);
    });
}

#[test]
fn an_auto_commit_step_is_recorded_only_while_this_process_owns_the_lock() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        history::ensure_schema(&ex.db).await.unwrap();
        let index = |v: &str, name: &str| {
            mig(v, name, &[(AutoCommit, &[format!("CREATE INDEX {name} FOR (n:Bench) ON (n.{name})").as_str()])], None)
        };
        let p = plan(vec![index("1", "first"), index("2", "second")]);
        let lock = ex.lock().await.unwrap();
        // The lease ran out but nobody took the lock over: the history writes around the schema
        // step (one auto-commit statement each, the check included) still go through.
        ex.db
            .run(neo4rs::query("MATCH (l:__CymigLock) SET l.expires_at = datetime() - duration('PT1M')"))
            .await
            .unwrap();
        assert_eq!(ex.up_locked(&p, Some("1"), &lock).await.unwrap().len(), 1);
        let records = history::load(&ex.db).await.unwrap();
        assert_eq!(records.iter().map(|r| (r.key.as_str(), r.status)).collect::<Vec<_>>(), [("1", Status::Applied)]);
        assert_eq!(records[0].schema_effects.as_ref().map(Vec::len), Some(1), "{records:?}");
        ex.db.run(neo4rs::query("MATCH (l:__CymigLock) SET l.owner = 'other@host'")).await.unwrap();
        let err = ex.up_locked(&p, None, &lock).await.unwrap_err().to_string();
        assert!(err.contains("lost the migration lock"), "{err}");
        // Its `running` record was refused, so its statement never ran.
        assert_eq!(history::load(&ex.db).await.unwrap().len(), 1);
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "SHOW INDEXES YIELD name WHERE name = 'second' RETURN count(*) AS v").await, 0);
        drop(lock);
    });
}

#[test]
fn lock_waits_times_out_and_takes_over_only_expired_leases() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        history::ensure_schema(&ex.db).await.unwrap();
        ex.db.run(neo4rs::query("MERGE (l:__CymigLock {name: 'cymig'}) SET l.owner = 'other@host', l.expires_at = datetime() + duration('PT2S')")).await.unwrap();
        // Held and live: unlock refuses, a short wait times out with the holder's name.
        assert!(ex.unlock().await.unwrap_err().to_string().contains("not stale"));
        let mut quick = options();
        quick.lock_timeout = Duration::from_millis(300);
        let impatient = Executor::new(ex.db.clone(), quick);
        let err = impatient.up(&plan(vec![]), None).await.unwrap_err().to_string();
        assert!(err.contains("held by `other@host`") && err.contains("--lock-timeout"), "{err}");
        // A patient run takes it over once the lease expired.
        let p = plan(vec![mig("1", "one", &[(Explicit, &["CREATE (:One)"])], None)]);
        assert_eq!(ex.up(&p, None).await.unwrap().len(), 1);
        // A stale lock can be released by hand.
        ex.db.run(neo4rs::query("MATCH (l:__CymigLock {name: 'cymig'}) SET l.owner = 'dead@host', l.expires_at = datetime() - duration('PT1M')")).await.unwrap();
        assert_eq!(ex.unlock().await.unwrap().map(|l| l.owner), Some("dead@host".into()));
        assert!(lock::current(&ex.db).await.unwrap().is_none());
    });
}

#[test]
fn mark_applied_and_baseline_record_without_running() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let p = plan(vec![
            mig("1", "a", &[(Explicit, &["CREATE (:A)"])], None),
            mig("2", "b", &[(Explicit, &["CREATE (:B)"])], None),
            mig("3", "c", &[(Explicit, &["CREATE (:C)"])], None),
        ]);
        assert_eq!(ex.baseline(&p, "2", None).await.unwrap(), 2);
        assert!(ex.baseline(&p, "2", None).await.is_err(), "baseline only adopts a fresh history");
        ex.mark_applied(&p, "3", "applied by hand during the incident").await.unwrap();
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n) WHERE n:A OR n:B OR n:C RETURN count(n) AS v").await, 0);
        assert!(ex.up(&p, None).await.unwrap().is_empty());
        assert_eq!(history::schema_version(&ex.db).await.unwrap().as_deref(), Some("3"));
    });
}

#[test]
fn wrong_password_error_never_contains_the_password() {
    let db = fresh_db();
    if std::env::var("NEO4J_URI").is_ok() {
        return;
    }
    block_on(async {
        let secret = "s3cret-Wrong-Pa55word";
        let mut c = conn(&db);
        c.password = Secret::new(secret);
        let err = match Db::connect(&c).await {
            Ok(_) => panic!("a wrong password must be refused"),
            Err(e) => e.to_string(),
        };
        assert!(!err.contains(secret), "{err}");
        assert!(err.contains("cannot") && err.contains(&db.uri), "{err}");
        assert!(!format!("{c:?}").contains(secret));
    });
}

#[test]
fn pre_up_hook_failure_aborts_before_anything_is_applied() {
    let db = fresh_db();
    block_on(async {
        let mut o = options();
        o.pre_up_hook = Some("exit 3".into());
        let ex = Executor::new(Db::connect(&conn(&db)).await.unwrap(), o);
        let p = plan(vec![mig("1", "one", &[(Explicit, &["CREATE (:One)"])], None)]);
        let err = ex.up(&p, None).await.unwrap_err().to_string();
        assert!(err.contains("pre-up hook failed"), "{err}");
        assert!(history::load(&ex.db).await.unwrap().is_empty());
    });
}

/// Statements after `:use system` run in `system`, in a transaction there, while the history
/// stays in the configured database; one that `system` refuses fails its migration at that step,
/// with nothing of it applied.
#[test]
fn up_runs_a_step_after_use_in_that_database_and_records_it_at_home() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("V1__marker.cypher"), "CREATE (:Marker {v: 1});\n").unwrap();
    std::fs::write(dir.path().join("V2__databases.cypher"), ":use system\nSHOW DATABASES YIELD name;\n").unwrap();
    std::fs::write(dir.path().join("V3__refused.cypher"), ":use system\nCREATE (:NotHere);\n").unwrap();
    let set = crate::migration::MigrationSet::load(dir.path()).unwrap();
    let p = CheckedPlan::unchecked(crate::plan::compile(&set, &Default::default()));
    assert_eq!(p.plan().migrations[1].steps[0].database.as_deref(), Some("system"));
    block_on(async {
        let ex = executor(&db).await;
        let err = ex.up(&p, None).await.expect_err("system refuses a node").to_string();
        assert!(err.contains("3 refused failed at step 1 of 1: in database `system`"), "{err}");
        assert!(err.contains("it was rolled back: nothing of it was applied"), "{err}");
        let records = history::load(&ex.db).await.unwrap();
        let states: Vec<(&str, &str)> = records.iter().map(|r| (r.key.as_str(), r.status.as_str())).collect();
        assert_eq!(states, [("1", "applied"), ("2", "applied"), ("3", "failed")]);
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n) WHERE n:Marker OR n:NotHere RETURN count(n) AS v").await, 1);
    });
}

#[test]
fn a_renamed_version_is_the_same_migration() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let v5 = |spelling: &str| {
            mig(spelling, "x", &[(Explicit, &["CREATE (:Renamed)"])], Some("MATCH (n:Renamed) DELETE n"))
        };
        assert_eq!(ex.up(&plan(vec![v5("5")]), None).await.unwrap().len(), 1);
        for spelling in ["005", "5.0", "5_0", "05_0_0"] {
            let p = plan(vec![v5(spelling)]);
            assert!(ex.up(&p, None).await.unwrap().is_empty(), "{spelling} applied again");
            let report = ex.status(&p).await.unwrap();
            assert_eq!(report.migrations[0].state, "applied", "{spelling}");
            assert!(report.missing_locally.is_empty(), "{spelling}: {:?}", report.missing_locally);
            assert!(ex.validate(&p).await.unwrap().is_empty());
        }
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n:Renamed) RETURN count(n) AS v").await, 1);
        // The record keeps the file it was applied from, under the normalised version.
        assert_eq!(
            neo4j::strings(&g, "MATCH (m:__CymigMigration) RETURN m.key + ' ' + m.version + ' ' + m.script AS v").await,
            ["5 5 V5__x.cypher"]
        );
        // Rolled back under another spelling, it is gone.
        let p = plan(vec![v5("005")]);
        assert_eq!(ex.down(&p, DownSelection::Steps(1)).await.unwrap().len(), 1);
        assert_eq!(neo4j::count(&g, "MATCH (n:Renamed) RETURN count(n) AS v").await, 0);
    });
}

#[test]
fn a_history_with_raw_version_keys_is_read_normalised_and_upgraded_under_the_lock() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        history::ensure_schema(&ex.db).await.unwrap();
        let m = mig("007", "old", &[(Explicit, &["CREATE (:Old)"])], None);
        // As an older cymig recorded it: the key and version as spelled in the file name.
        ex.db
            .run(
                neo4rs::query(
                    "CREATE (:__CymigMigration {key: '007', version: '007', description: 'old', checksum: $c, \
                     status: 'applied', direction: 'up', steps_done: 1, steps_total: 1})",
                )
                .param("c", m.checksum.clone()),
            )
            .await
            .unwrap();
        let p = plan(vec![mig("7", "old", &[(Explicit, &["CREATE (:Old)"])], None)]);
        assert_eq!(ex.status(&p).await.unwrap().migrations[0].state, "applied");
        assert!(ex.up(&p, None).await.unwrap().is_empty());
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n:Old) RETURN count(n) AS v").await, 0);
        assert_eq!(neo4j::strings(&g, "MATCH (m:__CymigMigration) RETURN m.key AS v").await, ["7"]);
    });
}

#[test]
fn down_to_0_rolls_everything_back() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        let m = |v: &str| {
            mig(v, "n", &[(Explicit, &["CREATE (:ToZero)"])], Some("MATCH (n:ToZero) WITH n LIMIT 1 DELETE n"))
        };
        let p = plan(vec![m("1"), m("2"), m("3")]);
        assert_eq!(ex.up(&p, None).await.unwrap().len(), 3);
        let done = ex.down(&p, DownSelection::To("0")).await.unwrap();
        assert_eq!(done.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), ["3", "2", "1"]);
        let g = neo4j::connect(&db).await;
        assert_eq!(neo4j::count(&g, "MATCH (n:ToZero) RETURN count(n) AS v").await, 0);
        assert_eq!(history::schema_version(&ex.db).await.unwrap(), None);
    });
}

/// A fingerprint of a database named explicitly (the `:use` of a step, here the server's own
/// `neo4j`) reads that database, as one of the configured database does.
#[test]
fn a_named_database_is_fingerprinted_like_the_configured_one() {
    let db = fresh_db();
    block_on(async {
        let ex = executor(&db).await;
        ex.run_script(SEED).await.unwrap();
        let home = fingerprint::take(&ex.db).await.unwrap();
        assert!(home.nodes > 0);
        assert_eq!(fingerprint::take_in(&ex.db, Some("neo4j")).await.unwrap(), home);
    });
}
