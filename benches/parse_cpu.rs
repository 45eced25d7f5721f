//! Parse throughput measured in thread CPU time rather than wall time, so the figure stays
//! meaningful on a loaded machine (CI runners, shared dev boxes):
//!
//!     cargo bench --bench parse_cpu            # all corpora
//!     cargo bench --bench parse_cpu -- tck     # only corpora whose name contains `tck`
//!
//! Corpora: the TCK queries (each parsed as its own file; needs ../shared/tck/tck.jsonl or
//! CYMIG_SHARED_DIR), every .cypher file under fixtures/ and migrations/, and both together.
//! Linux only (reads /proc/thread-self/schedstat); elsewhere it says so and measures nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Each corpus is parsed repeatedly for at least this much CPU time; the best round counts.
const MIN_CPU: Duration = Duration::from_secs(3);
const MIN_ROUNDS: usize = 5;

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if thread_cpu().is_none() {
        eprintln!("parse_cpu skipped: /proc/thread-self/schedstat is not readable (Linux only)");
        return;
    }
    let tck = tck_queries();
    let fixtures = fixture_files();
    let both: Vec<String> = tck.iter().chain(fixtures.iter()).cloned().collect();
    for (name, corpus) in [("tck_queries", &tck), ("fixture_files", &fixtures), ("tck_and_fixtures", &both)] {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) || corpus.is_empty() {
            continue;
        }
        report(name, corpus);
    }
}

fn report(name: &str, corpus: &[String]) {
    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || total < MIN_CPU {
        let start = thread_cpu().unwrap_or_default();
        for text in corpus {
            std::hint::black_box(cymig::syntax::parse(std::hint::black_box(text)));
        }
        let spent = thread_cpu().unwrap_or_default().saturating_sub(start);
        best = best.min(spent);
        total += spent;
        rounds += 1;
    }
    let mb_per_s = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "{name:<18} {bytes:>9} B in {:>3} files: best {:>8.2} ms = {:>6.2} MB/s, mean {:>6.2} MB/s ({rounds} rounds, thread CPU time)",
        corpus.len(),
        best.as_secs_f64() * 1e3,
        mb_per_s(best),
        mb_per_s(total / rounds as u32),
    );
}

/// CPU time this thread has run, from the scheduler's own accounting (nanoseconds).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tck_queries() -> Vec<String> {
    let dir = std::env::var_os("CYMIG_SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    let path = dir.join("tck/tck.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("tck_queries skipped: {} not found (set CYMIG_SHARED_DIR)", path.display());
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["query"].as_str().map(str::to_string))
        .collect()
}

fn fixture_files() -> Vec<String> {
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
}
