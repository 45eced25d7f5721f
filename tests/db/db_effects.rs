//! `down` undoes what the `up` really did, on a real Neo4j 5.26: the executor records the indexes
//! and constraints each schema statement created or dropped (Neo4j's counters, `SHOW … YIELD
//! createStatement`), and the down leaves alone what existed before and re-creates what the up
//! dropped exactly as it was.

use crate::support;

use support::neo4j::{block_on, connect, count, fresh_db, strings, TestDb};
use support::{migration_set, run, text};

fn exec(db: &TestDb, cypher: &str) {
    block_on(async { connect(db).await.run(neo4rs::query(cypher)).await.expect(cypher) });
}

fn q(db: &TestDb, cypher: &str) -> i64 {
    block_on(async { count(&connect(db).await, cypher).await })
}

fn index_x(db: &TestDb) -> i64 {
    q(db, "SHOW INDEXES YIELD name WHERE name = 'x' RETURN count(*) AS v")
}

/// Every user constraint, as Neo4j describes it (the history's own are left out).
fn constraints(db: &TestDb) -> Vec<String> {
    block_on(async {
        strings(
            &connect(db).await,
            "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties, options, createStatement \
             WHERE NOT name STARTS WITH 'cymig_' \
             RETURN name + ' ' + type + ' ' + entityType + ' ' + reduce(s = '', l IN labelsOrTypes | s + l + ',') + ' ' + \
             reduce(s = '', p IN properties | s + p + ',') + ' ' + toString(options.indexProvider) + ' ' + \
             createStatement AS v ORDER BY v",
        )
        .await
    })
}

/// The `schema_effects` of one migration's record, as `status --format json` prints them.
fn effects(db: &TestDb, dir: &str) -> serde_json::Value {
    let o = run(db, &["status", dir, "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    json["migrations"][0]["record"]["schema_effects"].clone()
}

const CREATE_X: &str = "CREATE INDEX x IF NOT EXISTS FOR (n:L) ON (n.p);\n";

#[test]
fn an_if_not_exists_no_op_is_not_undone_by_the_derived_down() {
    let db = fresh_db();
    exec(&db, "CREATE INDEX x FOR (n:L) ON (n.p)");
    let m = migration_set(&[("V1__x.cypher", CREATE_X)]);
    let dir = m.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(effects(&db, dir), serde_json::json!([]), "the up created nothing");

    let o = run(&db, &["down", dir, "--steps", "1", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("index x existed before V1; left in place"), "{}", text(&o));

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1: index x existed before V1; left in place"), "{}", text(&o));
    assert_eq!(index_x(&db), 1, "the index that existed before V1 is still there");
    let o = run(&db, &["status", dir]);
    assert!(text(&o).contains("pending (rolled back)"), "{}", text(&o));
}

#[test]
fn on_a_fresh_database_the_derived_down_drops_what_the_up_created() {
    let db = fresh_db();
    let m = migration_set(&[("V1__x.cypher", CREATE_X)]);
    let dir = m.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(index_x(&db), 1);
    assert_eq!(effects(&db, dir), serde_json::json!([{"action": "created", "kind": "index", "name": "x", "line": 1}]));
    let o = run(&db, &["status", dir]);
    assert!(text(&o).contains("schema: created index x"), "{}", text(&o));

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("left in place"), "{}", text(&o));
    assert_eq!(index_x(&db), 0, "the index V1 created is dropped");

    // Applied again, the effects start over: this time x existed before.
    exec(&db, "CREATE INDEX x FOR (n:L) ON (n.p)");
    assert_eq!(run(&db, &["up", dir]).status.code(), Some(0));
    assert_eq!(effects(&db, dir), serde_json::json!([]));
}

#[test]
fn a_dropped_constraint_no_migration_created_is_re_created_exactly() {
    let db = fresh_db();
    exec(&db, "CREATE CONSTRAINT pre_c FOR (n:P) REQUIRE (n.a, n.b) IS UNIQUE");
    exec(&db, "CREATE CONSTRAINT keep_c FOR (n:K) REQUIRE n.k IS UNIQUE");
    let before = constraints(&db);
    assert_eq!(before.len(), 2, "{before:?}");
    // No derived down: the schema model never saw pre_c, and Neo4j names the new index.
    let m = migration_set(&[(
        "V1__swap.cypher",
        "DROP CONSTRAINT pre_c;\nCREATE INDEX IF NOT EXISTS FOR (n:Q) ON (n.q);\n",
    )]);
    let dir = m.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let recorded = effects(&db, dir);
    assert_eq!(recorded[0]["action"], "dropped", "{recorded}");
    assert_eq!(recorded[0]["name"], "pre_c", "{recorded}");
    assert!(recorded[0]["create_statement"].as_str().unwrap().contains("(n.`a`, n.`b`) IS UNIQUE"), "{recorded}");
    assert_eq!(recorded[1]["action"], "created", "{recorded}");
    let generated = recorded[1]["name"].as_str().unwrap().to_string();
    assert!(generated.starts_with("index_"), "{recorded}");

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(&format!("V1 has no derived down; undoing what it recorded: DROP INDEX `{generated}` IF EXISTS")),
        "{out}"
    );
    assert!(out.contains("undoing what it recorded: CREATE CONSTRAINT `pre_c`"), "{out}");
    assert_eq!(constraints(&db), before, "pre_c is back exactly as it was");
    assert_eq!(q(&db, "SHOW INDEXES YIELD labelsOrTypes WHERE labelsOrTypes = ['Q'] RETURN count(*) AS v"), 0);
}

#[test]
fn a_hand_written_down_runs_as_written_with_a_warning() {
    let db = fresh_db();
    exec(&db, "CREATE INDEX x FOR (n:L) ON (n.p)");
    let m = migration_set(&[("V1__x.cypher", CREATE_X), ("U1__x.cypher", "DROP INDEX x IF EXISTS;\n")]);
    let dir = m.path().to_str().unwrap();
    assert_eq!(run(&db, &["up", dir]).status.code(), Some(0));

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("warning: the down script drops index x (line 1), which V1 did not create"),
        "{}",
        text(&o)
    );
    assert_eq!(index_x(&db), 0, "an explicit down runs as written");
}

#[test]
fn a_migration_applied_before_effects_were_recorded_keeps_the_planned_down() {
    let db = fresh_db();
    exec(&db, "CREATE INDEX x FOR (n:L) ON (n.p)");
    let m = migration_set(&[("V1__x.cypher", CREATE_X)]);
    let dir = m.path().to_str().unwrap();
    assert_eq!(run(&db, &["up", dir]).status.code(), Some(0));
    exec(&db, "MATCH (m:__CymigMigration) REMOVE m.schema_effects");
    assert_eq!(effects(&db, dir), serde_json::Value::Null);

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(index_x(&db), 0, "today's behaviour: the derived down drops x");
}

/// After an index migration, the final record also starts the next migration (its `running`
/// record, and the checkpoint of a batched first step), and records count from zero set their
/// totals outright: what the history says must be what happened, migration by migration.
#[test]
fn records_written_ahead_and_outright_totals_say_what_each_migration_did() {
    let db = fresh_db();
    exec(&db, "UNWIND range(1, 2500) AS i CREATE (:Item {i: i})");
    let m = migration_set(&[
        ("V1__x.cypher", CREATE_X),
        ("V2__backfill.cypher", "MATCH (n:Item) CALL (n) { SET n.v = n.i * 2 } IN TRANSACTIONS OF 1000 ROWS;\n"),
        ("V3__y.cypher", "CREATE INDEX y IF NOT EXISTS FOR (n:L) ON (n.q);\n"),
        (
            "V4__mixed.cypher",
            "CREATE INDEX z IF NOT EXISTS FOR (n:L) ON (n.r);\n\
             MATCH (n:Item) CALL (n) { SET n.w = 1 } IN TRANSACTIONS OF 1000 ROWS;\n\
             CREATE (:Marker {name: 'four'});\n",
        ),
    ]);
    let dir = m.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let record = |key: &str, field: &str| {
        q(&db, &format!("MATCH (m:__CymigMigration {{key: '{key}'}}) RETURN coalesce(m.{field}, -1) AS v"))
    };
    for key in ["1", "2", "3", "4"] {
        assert_eq!(record(key, "attempts"), 1, "V{key} attempts");
        assert_eq!(record(key, "steps_done"), record(key, "steps_total"), "V{key} steps");
    }
    assert_eq!(q(&db, "MATCH (m:__CymigMigration) WHERE m.status = 'applied' RETURN count(m) AS v"), 4);
    assert_eq!(record("1", "indexes_added"), 1);
    assert_eq!(record("2", "properties_set"), 2500, "the checkpoint's own SETs are not counted");
    assert_eq!((record("2", "rows_done"), record("2", "batches_done")), (2500, 3));
    assert_eq!((record("2", "checkpoint_rows"), record("2", "indexes_added")), (2500, 0));
    assert_eq!(record("3", "indexes_added"), 1);
    assert_eq!((record("3", "rows_done"), record("3", "properties_set")), (-1, 0));
    assert_eq!(record("4", "indexes_added"), 1);
    assert_eq!(record("4", "properties_set"), 2501, "2500 rows set, one marker property");
    assert_eq!((record("4", "nodes_created"), record("4", "rows_done")), (1, 2500));
    let effects = q(&db, "MATCH (m:__CymigMigration) UNWIND m.schema_effects AS e RETURN count(e) AS v");
    assert_eq!(effects, 3, "x, y and z, each recorded by its own migration");

    let o = run(&db, &["down", dir, "--to", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(q(&db, "SHOW INDEXES YIELD name WHERE name IN ['x', 'y', 'z'] RETURN count(*) AS v"), 0);
}
