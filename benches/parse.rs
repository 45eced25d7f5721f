//! Parse throughput (MB/s, single thread) over the TCK queries and the fixtures, and the time to
//! parse a generated 200-file migration directory (read + parse, as a pre-commit hook would).
//!
//!     cargo bench --bench parse
//!
//! The TCK part needs ../shared/tck/tck.jsonl (or CYMIG_SHARED_DIR); without it it says so and
//! measures nothing. The 200-file set is written to a temporary directory, or to
//! `CYMIG_BENCH_DIR` (kept) to time the CLI on it by hand:
//!
//!     CYMIG_BENCH_DIR=/tmp/dir200 cargo bench --bench parse -- cli_lint
//!     perf stat -r 20 -e task-clock target/release/cymig lint /tmp/dir200 > /dev/null

use divan::counter::BytesCount;
use divan::Bencher;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shared_dir() -> PathBuf {
    std::env::var_os("CYMIG_SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"))
}

static TCK: LazyLock<Vec<String>> = LazyLock::new(|| {
    let path = shared_dir().join("tck/tck.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("tck_queries skipped: {} not found (set CYMIG_SHARED_DIR)", path.display());
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["query"].as_str().map(str::to_string))
        .collect()
});

static FIXTURES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut texts = Vec::new();
    for dir in ["fixtures", "migrations"] {
        for entry in walkdir::WalkDir::new(repo().join(dir)).sort_by_file_name().into_iter().flatten() {
            if entry.path().extension().is_some_and(|e| e == "cypher") {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    texts.push(text);
                }
            }
        }
    }
    texts
});

fn total_bytes(texts: &[String]) -> usize {
    texts.iter().map(String::len).sum()
}

/// Every TCK query, each parsed as its own file.
#[divan::bench]
fn tck_queries(bencher: Bencher) {
    let queries = &*TCK;
    bencher.counter(BytesCount::new(total_bytes(queries))).bench(|| {
        for query in queries {
            divan::black_box(cymig::syntax::parse(divan::black_box(query)));
        }
    });
}

/// Every .cypher file under fixtures/ and migrations/.
#[divan::bench]
fn fixture_files(bencher: Bencher) {
    let files = &*FIXTURES;
    bencher.counter(BytesCount::new(total_bytes(files))).bench(|| {
        for text in files {
            divan::black_box(cymig::syntax::parse(divan::black_box(text)));
        }
    });
}

/// A realistic migration: named schema objects first, then a batched data change, then one of
/// the fixture files (real-world shapes, legacy forms included).
fn generated_migration(i: usize) -> String {
    let fixture = FIXTURES.get(i % FIXTURES.len().max(1)).map_or("", String::as_str);
    format!(
        "// V{i}: person {i}\n\
         CREATE CONSTRAINT person_{i}_id IF NOT EXISTS FOR (n:Person{i}) REQUIRE n.id IS UNIQUE;\n\
         CREATE INDEX person_{i}_name IF NOT EXISTS FOR (n:Person{i}) ON (n.name);\n\
         MATCH (p:Person{i}) WHERE p.createdAt IS NULL\n\
         CALL (p) {{ SET p.createdAt = datetime(), p.source = 'migration {i}' }} IN TRANSACTIONS OF 1000 ROWS;\n\
         {fixture}\n"
    )
}

/// The generated 200-file set. With `CYMIG_BENCH_DIR=<dir>` it is written there and kept, so the
/// same set can be timed outside the bench (`perf stat -r 20 cymig lint <dir>`).
static MIGRATION_DIR: LazyLock<BenchDir> = LazyLock::new(|| {
    let dir = match std::env::var_os("CYMIG_BENCH_DIR") {
        Some(kept) => {
            std::fs::create_dir_all(&kept).expect("create CYMIG_BENCH_DIR");
            BenchDir::Kept(PathBuf::from(kept))
        }
        None => BenchDir::Temp(tempfile::tempdir().expect("tempdir")),
    };
    for i in 1..=200 {
        std::fs::write(dir.path().join(format!("V{i}__person_{i}.cypher")), generated_migration(i)).expect("write");
    }
    dir
});

enum BenchDir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl BenchDir {
    fn path(&self) -> &Path {
        match self {
            BenchDir::Temp(t) => t.path(),
            BenchDir::Kept(p) => p,
        }
    }
}

/// Walk, read and parse 200 migration files on one thread.
#[divan::bench]
fn migration_dir_200_files(bencher: Bencher) {
    let dir = MIGRATION_DIR.path();
    let bytes: u64 = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
            if entry.file_type().is_file() {
                let text = std::fs::read_to_string(entry.path()).expect("read");
                divan::black_box(cymig::syntax::parse(&text));
            }
        }
    });
}

/// The whole `cymig parse <dir>` process on 200 files (start-up, parallel parse, output): the wall
/// time a pre-commit hook would see.
#[divan::bench(sample_count = 20)]
fn cli_parse_200_files(bencher: Bencher) {
    bencher.bench(|| run_cymig(&["parse", "--format", "json"]));
}

/// The whole `cymig lint <dir>` process on the same 200 files: parse, schema replay, every rule,
/// the text report (about 700 kB of snippets) — what a pre-commit hook waits for.
#[divan::bench(sample_count = 20)]
fn cli_lint_200_files(bencher: Bencher) {
    bencher.bench(|| run_cymig(&["lint"]));
}

/// The `cymig` binary with `args` and the generated directory, its output discarded.
fn run_cymig(args: &[&str]) -> std::process::ExitStatus {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(args)
        .arg(MIGRATION_DIR.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run cymig");
    divan::black_box(status)
}
