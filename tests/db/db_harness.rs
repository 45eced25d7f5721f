//! The test harness itself: the embedded Neo4j starts, has APOC, resets between tests, and
//! enforces its generated password.

use crate::support;

use support::neo4j::{block_on, connect, count, fresh_db, strings};

#[test]
fn server_runs_neo4j_5_26_with_apoc() {
    let db = fresh_db();
    block_on(async {
        let graph = connect(&db).await;
        let versions = strings(&graph, "CALL dbms.components() YIELD versions RETURN versions[0] AS v").await;
        assert!(versions[0].starts_with("5.26"), "{versions:?}");
        let apoc = strings(&graph, "RETURN apoc.version() AS v").await;
        assert!(apoc[0].starts_with("5.26"), "{apoc:?}");
        // apoc.* is unrestricted: periodic.iterate needs that.
        graph
            .run(neo4rs::query(
                "CALL apoc.periodic.iterate('UNWIND range(1, 10) AS i RETURN i', 'CREATE (:T {i: i})', {batchSize: 3})",
            ))
            .await
            .unwrap();
        assert_eq!(count(&graph, "MATCH (t:T) RETURN count(t) AS v").await, 10);
    });
}

#[test]
fn reset_empties_data_and_schema() {
    {
        let db = fresh_db();
        block_on(async {
            let graph = connect(&db).await;
            graph
                .run(neo4rs::query("CREATE CONSTRAINT c_person IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE"))
                .await
                .unwrap();
            graph.run(neo4rs::query("CREATE INDEX i_city IF NOT EXISTS FOR (c:City) ON (c.name)")).await.unwrap();
            graph
                .run(neo4rs::query(
                    "UNWIND range(1, 25000) AS i CREATE (:Person {id: i})-[:LIVES_IN]->(:City {name: 'c' + i})",
                ))
                .await
                .unwrap();
        });
    }
    let db = fresh_db();
    block_on(async {
        let graph = connect(&db).await;
        assert_eq!(count(&graph, "MATCH (n) RETURN count(n) AS v").await, 0);
        assert_eq!(count(&graph, "SHOW CONSTRAINTS YIELD name RETURN count(*) AS v").await, 0);
        assert_eq!(count(&graph, "SHOW INDEXES YIELD type WHERE type <> 'LOOKUP' RETURN count(*) AS v").await, 0);
    });
}

#[test]
fn wrong_password_is_refused() {
    let db = fresh_db();
    if std::env::var("NEO4J_URI").is_ok() {
        eprintln!("skipped: an external NEO4J_URI may not enforce authentication");
        return;
    }
    let result = block_on(async {
        let config = neo4rs::ConfigBuilder::default()
            .uri(db.uri.as_str())
            .user("neo4j")
            .password("definitely-not-the-password")
            .build()
            .unwrap();
        match neo4rs::Graph::connect(config) {
            Ok(graph) => graph.run(neo4rs::query("RETURN 1")).await.map(|_| ()),
            Err(e) => Err(e),
        }
    });
    assert!(result.is_err(), "the harness must enforce its password");
}

#[test]
fn a_password_shorter_than_neo4js_minimum_fails_with_that_message() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let mut child = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/neo4j/run"))
        .env("CYMIG_NEO4J_PASSWORD", "qx7Zk")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tests/neo4j/run");
    // Generous: the first run may build the harness with Maven.
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("tests/neo4j/run hung with a short password");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(!out.contains("CYMIG_NEO4J_READY"), "{out}");
    assert!(err.contains("Neo4j requires at least 8"), "{err}");
    assert!(!err.contains("qx7Zk"), "the password is never printed: {err}");
}
