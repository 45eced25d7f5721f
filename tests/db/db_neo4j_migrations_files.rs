//! neo4j-migrations' file features run by `cymig up` on the real Neo4j: `// assume` skips a
//! migration (not applied, not recorded), `// assert` stops the run before anything is applied
//! (exit 2, naming the file and line), lifecycle callbacks run in their phases around the
//! migrations and are never recorded, and a `:use <db>` line in a callback sends what follows to
//! that database; `validate` and `status` run their callbacks; a Liquibase formatted-Cypher
//! changelog runs change set by change set, and `down` runs a change set's `-- rollback`; a
//! migration's `:use <db>` runs what follows there with the history kept at home (passwords
//! masked); of alternative files of one version, the one whose assumptions hold is applied.

use crate::support;

use support::neo4j::{block_on, connect, count, fresh_db, strings};
use support::{migration_set, run, text};

/// Appends a `:Seen` node numbered after the ones before it, so the graph shows the run order.
fn seen(what: &str) -> String {
    format!("MATCH (s:Seen) WITH count(s) AS n CREATE (:Seen {{what: '{what}', n: n}});\n")
}

#[test]
fn db_assume_skips_and_assert_stops_before_anything_runs() {
    let db = fresh_db();
    let set = migration_set(&[
        ("V1__old_only.cypher", "// assume that version is lt 4\nCREATE (:Old);\n"),
        ("V2__always.cypher", "// assume q' RETURN true\nCREATE (:Always);\n"),
        ("V3__flagged.cypher", "// assert q' MATCH (f:Flag) RETURN count(f) > 0\nCREATE (:Flagged);\n"),
    ]);
    let dir = set.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("V3__flagged.cypher:1:1: precondition `assert q' MATCH (f:Flag) RETURN count(f) > 0`"),
        "{out}"
    );
    assert!(out.contains("does not hold (the query returned false)"), "{out}");
    let graph = block_on(connect(&db));
    assert_eq!(
        block_on(count(
            &graph,
            "MATCH (n) WHERE NOT any(l IN labels(n) WHERE l STARTS WITH '__Cymig') RETURN count(n) AS v"
        )),
        0,
        "nothing applied"
    );

    block_on(graph.run(neo4rs::query("CREATE (:Flag)"))).unwrap();
    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("skipped 1 ("), "{out}");
    assert!(out.contains("`assume that version is lt 4` does not hold (the server is Neo4j 5"), "{out}");
    assert_eq!(block_on(count(&graph, "MATCH (n:Old) RETURN count(n) AS v")), 0);
    assert_eq!(block_on(count(&graph, "MATCH (n:Always) RETURN count(n) AS v")), 1);
    assert_eq!(block_on(count(&graph, "MATCH (n:Flagged) RETURN count(n) AS v")), 1);
    let recorded = block_on(strings(&graph, "MATCH (m:__CymigMigration) RETURN m.key AS v ORDER BY v"));
    assert_eq!(recorded, ["2", "3"], "the skipped migration is not recorded");

    let o = run(&db, &["status", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap_or_default();
    assert!(line.contains("skipped") && line.contains("`assume that version is lt 4` does not hold"), "{out}");
    assert!(!out.contains("pending"), "{out}");
}

#[test]
fn db_callbacks_run_in_their_phases_and_are_not_recorded() {
    let db = fresh_db();
    let set = migration_set(&[
        ("beforeFirstUse.cypher", &seen("beforeFirstUse")),
        ("beforeMigrate.cypher", &seen("beforeMigrate")),
        ("beforeMigrate__second.cypher", &seen("beforeMigrate__second")),
        ("V1__one.cypher", &seen("V1")),
        (
            "afterMigrate.cypher",
            &format!("{}:use system\nSHOW DATABASES YIELD name RETURN name;\n", seen("afterMigrate")),
        ),
        ("beforeClean.cypher", &seen("beforeClean")),
    ]);
    let dir = set.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let graph = block_on(connect(&db));
    let order = block_on(strings(&graph, "MATCH (s:Seen) RETURN s.what AS v ORDER BY s.n"));
    assert_eq!(order, ["beforeFirstUse", "beforeMigrate", "beforeMigrate__second", "V1", "afterMigrate"]);
    let recorded = block_on(strings(&graph, "MATCH (m:__CymigMigration) RETURN m.key AS v ORDER BY v"));
    assert_eq!(recorded, ["1"], "callbacks are not migrations");

    // Nothing pending: the callbacks still run, as neo4j-migrations runs them on every migrate.
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(count(&graph, "MATCH (s:Seen {what: 'beforeMigrate'}) RETURN count(s) AS v")), 2);
}

#[test]
fn db_a_failing_callback_stops_the_run_and_use_routes_to_its_database() {
    let db = fresh_db();
    // On the default database this CREATE succeeds; on `system` Neo4j refuses it, which shows
    // that `:use system` sent it there.
    let set = migration_set(&[
        ("beforeMigrate.cypher", ":use system\nCREATE (:NotHere);\n"),
        ("V1__one.cypher", "CREATE (:One);\n"),
    ]);
    let dir = set.path().to_str().unwrap();
    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("beforeMigrate.cypher:2 (beforeMigrate) failed"), "{out}");
    let graph = block_on(connect(&db));
    assert_eq!(block_on(count(&graph, "MATCH (n) WHERE n:One OR n:NotHere RETURN count(n) AS v")), 0);
}

#[test]
fn db_placeholders_are_replaced_from_config_and_environment_or_refused() {
    let db = fresh_db();
    let set = migration_set(&[("V1__label.cypher", "CREATE (:${label} {env: '${env}'});\n")]);
    let dir = set.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("V1__label.cypher:1:10: `${label}` is a placeholder with no value"), "{out}");

    std::fs::write(set.path().join("cymig.toml"), "[migrations.placeholders]\nlabel = \"Person\"\nenv = \"dev\"\n")
        .unwrap();
    let o = support::cymig_on(&db, &["up", dir]).env("CYMIG_PLACEHOLDER_ENV", "prod").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let graph = block_on(connect(&db));
    assert_eq!(block_on(strings(&graph, "MATCH (p:Person) RETURN p.env AS v")), ["prod"]);
}

#[test]
fn db_liquibase_change_sets_are_units_and_down_runs_their_rollback() {
    let db = fresh_db();
    let changelog = "-- liquibase formatted cypher\n\
        -- changeset alice:create-a\n\
        CREATE (:A {n: 1});\n\
        -- rollback MATCH (a:A {n: 1}) DELETE a;\n\
        -- changeset bob:create-b\n\
        CREATE (:B)\n\
        -- rollback MATCH (b:B)\n\
        -- rollback DELETE b\n";
    let set = migration_set(&[("changelog.cypher", changelog)]);
    let dir = set.path().to_str().unwrap();

    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let graph = block_on(connect(&db));
    let recorded = block_on(strings(
        &graph,
        "MATCH (m:__CymigMigration) RETURN m.key + ' ' + m.description + ' ' + m.status AS v ORDER BY v",
    ));
    assert_eq!(recorded, ["1 alice:create-a applied", "2 bob:create-b applied"], "one record per change set");

    // The last change set's two rollback lines are one statement, run as its down.
    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(count(&graph, "MATCH (n:B) RETURN count(n) AS v")), 0);
    assert_eq!(block_on(count(&graph, "MATCH (n:A) RETURN count(n) AS v")), 1);
    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(count(&graph, "MATCH (n:A) RETURN count(n) AS v")), 0);

    // Applied again: the change sets still match their records (the checksum is per change set).
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&db, &["validate", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn db_validate_and_info_callbacks_run_around_validate_and_status() {
    let db = fresh_db();
    let set = migration_set(&[
        ("beforeValidate.cypher", &seen("beforeValidate")),
        ("afterValidate.cypher", &seen("afterValidate")),
        ("beforeInfo.cypher", &seen("beforeInfo")),
        ("afterInfo.cypher", &seen("afterInfo")),
        ("beforeMigrate.cypher", &seen("beforeMigrate")),
        ("V1__one.cypher", "CREATE (:One);\n"),
    ]);
    let dir = set.path().to_str().unwrap();
    let o = run(&db, &["validate", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&db, &["status", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let graph = block_on(connect(&db));
    let order = block_on(strings(&graph, "MATCH (s:Seen) RETURN s.what AS v ORDER BY s.n"));
    assert_eq!(order, ["beforeValidate", "afterValidate", "beforeInfo", "afterInfo"], "and no migrate phase");
    assert_eq!(block_on(count(&graph, "MATCH (n:One) RETURN count(n) AS v")), 0);
}

/// Users in `system` (on Community too), by name.
fn users_named(db: &support::neo4j::TestDb, name: &str) -> i64 {
    block_on(async {
        let graph = connect(db).await;
        let q = neo4rs::query("SHOW USERS YIELD user WHERE user = $name RETURN count(*) AS v").param("name", name);
        let mut rows = graph.execute_on(neo4rs::Operation::Read, "system", q).await.expect("SHOW USERS");
        let row = rows.next().await.expect("SHOW USERS").expect("one row");
        row.get::<i64>("v").expect("a count")
    })
}

#[test]
fn db_use_runs_steps_in_their_database_and_keeps_the_history_home() {
    let db = fresh_db();
    let user = "cymig_use_test";
    let secret = "Sec-ret-4711-x";
    let up = format!(
        ":use system\nCREATE USER {user} IF NOT EXISTS SET PASSWORD '{secret}' CHANGE NOT REQUIRED;\n\
         :use neo4j\nCREATE (:Home {{n: 1}});\n"
    );
    let down = format!(":use system\nDROP USER {user} IF EXISTS;\n:use neo4j\nMATCH (h:Home {{n: 1}}) DELETE h;\n");
    let set = migration_set(&[("V1__user.cypher", &up), ("U1__user.cypher", &down)]);
    let dir = set.path().to_str().unwrap();

    let o = run(&db, &["plan", dir]);
    let out = text(&o);
    assert!(out.contains("| 1 | auto-commit | line 2 admin in database `system` |"), "{out}");
    assert!(out.contains("| 2 | explicit | line 4 data |"), "{out}");
    let o = run(&db, &["plan", dir, "--format", "html"]);
    assert!(!text(&o).contains(secret) && text(&o).contains("***"), "{}", text(&o));

    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains(secret), "{out}");
    assert_eq!(users_named(&db, user), 1, "`:use system` sent CREATE USER to system");
    let graph = block_on(connect(&db));
    assert_eq!(block_on(count(&graph, "MATCH (h:Home) RETURN count(h) AS v")), 1, "`:use neo4j` came back");
    let recorded = block_on(strings(&graph, "MATCH (m:__CymigMigration) RETURN m.key + ' ' + m.status AS v"));
    assert_eq!(recorded, ["1 applied"], "the history stays in the configured database");

    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(users_named(&db, user), 0, "the down's `:use system` dropped the user");
    assert_eq!(block_on(count(&graph, "MATCH (h:Home) RETURN count(h) AS v")), 0);

    // A statement of another database that fails: the run stops at that step, the password it
    // sets appears nowhere, and the migration is `failed` at that step, recoverable by `retry`.
    let again = format!(":use system\nCREATE USER {user} SET PASSWORD 'Other-secret-99' CHANGE NOT REQUIRED;\n");
    std::fs::write(set.path().join("V2__again.cypher"), again).unwrap();
    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("2 again failed at step 1 of 1: in database `system`"), "{out}");
    assert!(!out.contains("Other-secret-99") && !out.contains(secret), "{out}");
    let o = run(&db, &["status", dir]);
    assert!(text(&o).contains("cymig retry 2"), "{}", text(&o));
    let error = block_on(strings(&graph, "MATCH (m:__CymigMigration {key: '2'}) RETURN m.error AS v"));
    assert!(error.iter().all(|e| !e.contains("Other-secret-99")), "{error:?}");
    block_on(async {
        let q = neo4rs::query(&format!("DROP USER {user} IF EXISTS"));
        let mut rows = connect(&db).await.execute_on(neo4rs::Operation::Write, "system", q).await?;
        while rows.next().await?.is_some() {}
        Ok::<(), neo4rs::Error>(())
    })
    .expect("clean up the test user");
}

#[test]
fn db_alternative_files_of_one_version_apply_the_one_whose_assumptions_hold() {
    let db = fresh_db();
    let set = migration_set(&[
        (
            "V1__edition_community.cypher",
            "// assume that edition is community\nCREATE (:Edition {name: 'community'});\n",
        ),
        (
            "V1__edition_enterprise.cypher",
            "// assume that edition is enterprise\nCREATE (:Edition {name: 'enterprise'});\n",
        ),
        ("V2__flag_off.cypher", "// assume q' MATCH (f:Flag) RETURN count(f) = 0\nCREATE (:Mode {flag: false});\n"),
        ("V2__flag_on.cypher", "// assume q' MATCH (f:Flag) RETURN count(f) = 1\nCREATE (:Mode {flag: true});\n"),
    ]);
    let dir = set.path().to_str().unwrap();
    let graph = block_on(connect(&db));
    let scripts =
        || block_on(strings(&graph, "MATCH (m:__CymigMigration) RETURN m.key + ' ' + m.script AS v ORDER BY v"));

    let o = run(&db, &["status", dir]);
    let out = text(&o);
    assert!(out.contains("(alternative: V1__edition_community.cypher)"), "{out}");
    assert!(out.contains("(alternative: V2__flag_off.cypher)"), "{out}");

    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(strings(&graph, "MATCH (e:Edition) RETURN e.name AS v")), ["community"]);
    assert_eq!(block_on(strings(&graph, "MATCH (m:Mode) RETURN toString(m.flag) AS v")), ["false"]);
    assert_eq!(scripts(), ["1 V1__edition_community.cypher", "2 V2__flag_off.cypher"], "each version recorded once");

    // The server changes under an applied alternative: the other one's assumption holds now.
    block_on(graph.run(neo4rs::query("CREATE (:Flag)"))).unwrap();
    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("2 was applied from `") && out.contains("V2__flag_off.cypher`, but on this server"), "{out}");
    // Rolled back with the applied file's down, it is applied again from the one that holds now.
    let o = run(&db, &["down", dir, "--steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(count(&graph, "MATCH (m:Mode) RETURN count(m) AS v")), 0);
    let o = run(&db, &["up", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(block_on(strings(&graph, "MATCH (m:Mode) RETURN toString(m.flag) AS v")), ["true"]);
    assert_eq!(scripts(), ["1 V1__edition_community.cypher", "2 V2__flag_on.cypher"]);
    let o = run(&db, &["validate", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Alternatives that each exclude the first but not each other, and both hold: none is applied.
    let files = [
        ("V3__old.cypher", "// assume that version is lt 5\nCREATE (:Three {v: 'old'});\n"),
        (
            "V3__x_community.cypher",
            "// assume that version is ge 5\n// assume that edition is community\nCREATE (:Three {v: 'c'});\n",
        ),
        ("V3__y_any.cypher", "// assume that version is ge 5\nCREATE (:Three {v: 'any'});\n"),
    ];
    for (name, body) in files {
        std::fs::write(set.path().join(name), body).unwrap();
    }
    let o = run(&db, &["up", dir]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("version 3 has alternative files whose assumptions all hold on this server"), "{out}");
    assert!(out.contains("V3__x_community.cypher`, `") && out.contains("V3__y_any.cypher`"), "{out}");
    assert_eq!(block_on(count(&graph, "MATCH (t:Three) RETURN count(t) AS v")), 0);
}
