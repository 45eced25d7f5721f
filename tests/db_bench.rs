//! Benchmark (ignored by default, prints figures, asserts no timings): applying 500 small
//! migrations with `cymig up`, against the same statements sent by a bare neo4rs loop, one
//! explicit transaction each.
//!
//!     cargo test --release --test db_bench -- --ignored --nocapture

mod support;

use std::process::{Command, Stdio};
use std::time::Instant;
use support::neo4j::{block_on, connect, count, fresh_db};

const N: usize = 500;

#[test]
#[ignore]
fn five_hundred_small_migrations() {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=N {
        std::fs::write(dir.path().join(format!("V{i}__bench.cypher")), format!("CREATE (:Bench {{i: {i}}});\n"))
            .unwrap();
    }
    let statements: Vec<String> = (1..=N).map(|i| format!("CREATE (:Bench {{i: {i}}})")).collect();

    let db = fresh_db();
    let bare = block_on(async {
        let graph = connect(&db).await;
        let started = Instant::now();
        for s in &statements {
            let mut txn = graph.start_txn().await.unwrap();
            txn.run(neo4rs::query(s)).await.unwrap();
            txn.commit().await.unwrap();
        }
        let elapsed = started.elapsed();
        assert_eq!(count(&graph, "MATCH (b:Bench) RETURN count(b) AS v").await, N as i64);
        elapsed
    });
    drop(db);

    let db = fresh_db();
    let run = |args: &[&str]| {
        let started = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_cymig"))
            .args(args)
            .env("NEO4J_URI", &db.uri)
            .env("NEO4J_USERNAME", &db.user)
            .env("NEO4J_PASSWORD", &db.password)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        started.elapsed()
    };
    let path = dir.path().to_str().unwrap();
    let cymig = run(&["up", path, "--quiet"]);
    let noop = run(&["up", path, "--quiet"]);
    block_on(async { assert_eq!(count(&connect(&db).await, "MATCH (b:Bench) RETURN count(b) AS v").await, N as i64) });

    let per = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / N as f64;
    println!("bare neo4rs loop: {N} explicit transactions in {:.2?} ({:.2} ms each)", bare, per(bare));
    println!("cymig up:         {N} migrations in {:.2?} ({:.2} ms each)", cymig, per(cymig));
    println!("cymig up (nothing pending: lint + plan + connect + history read): {:.2?}", noop);
    println!(
        "overhead per migration: {:.2} ms ({:.2} ms excluding the fixed cost of a no-op run)",
        per(cymig) - per(bare),
        (cymig.as_secs_f64() - noop.as_secs_f64()) * 1000.0 / N as f64 - per(bare)
    );
}
