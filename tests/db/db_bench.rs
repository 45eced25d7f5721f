//! Benchmark (ignored by default, prints figures, asserts no timings): the cases of issue #14,
//! each run by `cymig up` and by a bare neo4rs loop sending the same statements.
//!
//!     cargo test --release --test db db_bench -- --ignored --nocapture
//!
//! Sizes (environment): `CYMIG_BENCH_MIGRATIONS` small migrations (500), `CYMIG_BENCH_INDEXES`
//! index migrations (50), `CYMIG_BENCH_ROWS` nodes backfilled (200,000; the issue's 1,000,000 takes
//! minutes on a 2-core machine). The last column is the migrations' own time as their history
//! records it (`execution_ms`): the command less process start, connection, lock and history reads. Every figure is the best of `CYMIG_BENCH_RUNS` (3) interleaved
//! runs (bare, then cymig, on a fresh database each). `CYMIG_BENCH_BIN` runs another cymig binary
//! (a copy of an earlier build, for before/after figures).

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::neo4j::{block_on, connect, count, fresh_db, TestDb};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn cymig_up(db: &TestDb, dir: &Path) -> Duration {
    let started = Instant::now();
    let bin = std::env::var("CYMIG_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cymig").to_string());
    let o = Command::new(bin)
        .args(["up", dir.to_str().unwrap(), "--quiet"])
        .env("NEO4J_URI", &db.uri)
        .env("NEO4J_USERNAME", &db.user)
        .env("NEO4J_PASSWORD", &db.password)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    started.elapsed()
}

/// Each statement in an explicit transaction of its own, or (`auto`) in auto-commit mode.
async fn bare(graph: &neo4rs::Graph, statements: &[String], auto: bool) -> Duration {
    let started = Instant::now();
    for s in statements {
        if auto {
            let mut stream = graph.execute(neo4rs::query(s)).await.unwrap();
            while stream.next().await.unwrap().is_some() {}
        } else {
            let mut txn = graph.start_txn().await.unwrap();
            txn.run(neo4rs::query(s)).await.unwrap();
            txn.commit().await.unwrap();
        }
    }
    started.elapsed()
}

fn write_migrations(dir: &Path, statements: &[String]) {
    for (i, s) in statements.iter().enumerate() {
        std::fs::write(dir.join(format!("V{}__bench.cypher", i + 1)), format!("{s};\n")).unwrap();
    }
}

struct Figures {
    case: String,
    cymig: Duration,
    bare: Duration,
    /// The migrations' own time as their history records it (`execution_ms`): the command less
    /// process start, connection, lock and history reads.
    steps: Option<Duration>,
}

impl Figures {
    fn print(&self) {
        let steps = self.steps.map_or_else(
            || format!("{:>18}", "—"),
            |s| format!("{:>9.2} s {:>5.2}x", s.as_secs_f64(), s.as_secs_f64() / self.bare.as_secs_f64()),
        );
        println!(
            "| {:<58} | {:>9.2} s | {:>9.2} s | {:>5.2}x | {steps} |",
            self.case,
            self.cymig.as_secs_f64(),
            self.bare.as_secs_f64(),
            self.cymig.as_secs_f64() / self.bare.as_secs_f64()
        );
    }
}

/// `statements` as migrations (one each) and as a bare loop, `setup` run first on each fresh database.
fn compare(runs: usize, setup: &str, statements: &[String], bare_statements: &[String], auto: bool) -> [Duration; 4] {
    let dir = tempfile::tempdir().unwrap();
    write_migrations(dir.path(), statements);
    let (mut best_bare, mut best_cymig, mut best_noop, mut best_steps) =
        (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let db = fresh_db();
        let took = block_on(async {
            let graph = connect(&db).await;
            if !setup.is_empty() {
                graph.run(neo4rs::query(setup)).await.unwrap();
            }
            bare(&graph, bare_statements, auto).await
        });
        best_bare = best_bare.min(took);
        drop(db);
        let db = fresh_db();
        if !setup.is_empty() {
            block_on(async { connect(&db).await.run(neo4rs::query(setup)).await.unwrap() });
        }
        best_cymig = best_cymig.min(cymig_up(&db, dir.path()));
        best_noop = best_noop.min(cymig_up(&db, dir.path()));
        let (history, steps_ms) = block_on(async {
            let graph = connect(&db).await;
            let applied = "MATCH (m:__CymigMigration) WHERE m.status = 'applied'";
            (
                count(&graph, &format!("{applied} RETURN count(m) AS v")).await,
                count(&graph, &format!("{applied} RETURN sum(m.execution_ms) AS v")).await,
            )
        });
        assert_eq!(history, statements.len() as i64);
        best_steps = best_steps.min(Duration::from_millis(steps_ms.max(0) as u64));
    }
    [best_cymig, best_bare, best_noop, best_steps]
}

#[test]
#[ignore]
fn issue_14_cases() {
    let runs = size("CYMIG_BENCH_RUNS", 3).max(1);
    let n = size("CYMIG_BENCH_MIGRATIONS", 500);
    let indexes = size("CYMIG_BENCH_INDEXES", 50);
    let rows = size("CYMIG_BENCH_ROWS", 200_000);
    let mut figures = Vec::new();

    let small: Vec<String> = (1..=n).map(|i| format!("CREATE (:Bench {{i: {i}}})")).collect();
    let [cymig, bare, noop, steps] = compare(runs, "", &small, &small, false);
    figures.push(Figures { case: format!("{n} small migrations, fresh database"), cymig, bare, steps: Some(steps) });
    figures.push(Figures {
        case: format!("{n} migrations, nothing to do (bare: connect)"),
        cymig: noop,
        bare: {
            let db = fresh_db();
            block_on(async {
                let started = Instant::now();
                let graph = connect(&db).await;
                graph.run(neo4rs::query("RETURN 1")).await.unwrap();
                started.elapsed()
            })
        },
        steps: None,
    });

    let index: Vec<String> =
        (1..=indexes).map(|i| format!("CREATE INDEX bench_{i} FOR (n:Bench) ON (n.p{i})")).collect();
    let bare_index: Vec<String> =
        index.iter().flat_map(|s| [s.clone(), "CALL db.awaitIndexes(300)".to_string()]).collect();
    let [cymig, bare, _, steps] = compare(runs, "", &index, &bare_index, true);
    figures.push(Figures {
        case: format!("{indexes} index migrations (bare: + db.awaitIndexes)"),
        cymig,
        bare,
        steps: Some(steps),
    });

    // Batched: a million nodes in one transaction exceed the test server's transaction memory.
    let setup =
        format!("UNWIND range(1, {rows}) AS i CALL (i) {{ CREATE (:Item {{i: i}}) }} IN TRANSACTIONS OF 100000 ROWS");
    let backfill = vec!["MATCH (n:Item) CALL (n) { SET n.v = n.i * 2 } IN TRANSACTIONS OF 10000 ROWS".to_string()];
    let [cymig, bare, _, steps] = compare(runs, &setup, &backfill, &backfill, true);
    figures.push(Figures {
        case: format!("{rows}-node backfill, IN TRANSACTIONS OF 10000 ROWS"),
        cymig,
        bare,
        steps: Some(steps),
    });

    // Two imported variables: the checkpointed rewrite collects each row as a list.
    let pairs = vec![
        "MATCH (n:Item) WITH n, n.i AS i CALL (n, i) { SET n.w = i * 3 } IN TRANSACTIONS OF 10000 ROWS".to_string()
    ];
    let [cymig, bare, _, steps] = compare(runs, &setup, &pairs, &pairs, true);
    figures.push(Figures {
        case: format!("{rows}-node backfill, two variables (rows collected as lists)"),
        cymig,
        bare,
        steps: Some(steps),
    });

    let create = vec![format!(
        "UNWIND range(1, {rows}) AS i CALL (i) {{ CREATE (:Row {{i: i}}) }} IN TRANSACTIONS OF 10000 ROWS"
    )];
    let [cymig, bare, _, steps] = compare(runs, "", &create, &create, true);
    figures.push(Figures {
        case: format!("{rows}-row resumable create, OF 10000 ROWS"),
        cymig,
        bare,
        steps: Some(steps),
    });

    println!("\nbest of {runs} runs each");
    println!(
        "| {:<58} | {:>11} | {:>11} | {:>6} | {:>18} |",
        "case", "cymig up", "bare neo4rs", "ratio", "migrations' own"
    );
    for f in &figures {
        f.print();
    }
    let per = |f: &Figures, k: usize| (f.cymig.as_secs_f64() - f.bare.as_secs_f64()) * 1000.0 / k as f64;
    println!("overhead per small migration: {:.2} ms", per(&figures[0], n));
    println!("overhead per index migration: {:.2} ms", per(&figures[2], indexes));
}
