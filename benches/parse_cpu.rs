//! Parse throughput measured in thread CPU time rather than wall time, so the figure stays
//! meaningful on a loaded machine (CI runners, shared dev boxes):
//!
//!     cargo bench --bench parse_cpu            # all corpora
//!     cargo bench --bench parse_cpu -- tck     # only corpora whose name contains `tck`
//!     cargo bench --profile dist --bench parse_cpu   # as `cargo install --profile dist` builds it
//!
//! Corpora: the TCK queries (each parsed as its own file; needs ../shared/tck/tck.jsonl or
//! CYMIG_SHARED_DIR), every .cypher file under fixtures/ and migrations/, and both together.
//! Each is measured twice: the whole parse, and the grammar alone (splitting and pest's
//! `statement` rule, no lowering into the AST), which shows how much of the time is pest's.
//! Linux only (reads /proc/thread-self/schedstat); elsewhere it says so and measures nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Each corpus is parsed repeatedly for at least this much CPU time; the best round counts.
const MIN_CPU: Duration = Duration::from_secs(3);
const MIN_ROUNDS: usize = 5;
const MIN_ROUND: Duration = Duration::from_millis(50);

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
        report(name, corpus, cymig::syntax::parse);
        report(&format!("{name} (grammar only)"), corpus, cymig::syntax::grammar_only);
    }
}

/// Parses every text of `corpus` with `parse` for at least `MIN_CPU`, and prints the best round.
fn report<T>(name: &str, corpus: &[String], parse: fn(&str) -> T) {
    let passes = passes_per_round(corpus, parse);
    let bytes: usize = corpus.iter().map(String::len).sum::<usize>() * passes;
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || total < MIN_CPU {
        let start = thread_cpu().unwrap_or_default();
        for _ in 0..passes {
            for text in corpus {
                std::hint::black_box(parse(std::hint::black_box(text)));
            }
        }
        let spent = thread_cpu().unwrap_or_default().saturating_sub(start);
        best = best.min(spent);
        total += spent;
        rounds += 1;
    }
    let mb_per_s = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "{name:<33} {:>9} B in {:>4} files: best {:>8.2} ms = {:>6.2} MB/s, mean {:>6.2} MB/s ({rounds} rounds, thread CPU time)",
        bytes / passes,
        corpus.len(),
        best.as_secs_f64() * 1e3 / passes as f64,
        mb_per_s(best),
        mb_per_s(total / rounds as u32),
    );
}

/// The scheduler's CPU time advances in ticks on some kernels, so a round must be long enough
/// (`MIN_ROUND`) for a tick's error not to matter: small corpora are parsed several times a round.
fn passes_per_round<T>(corpus: &[String], parse: fn(&str) -> T) -> usize {
    let start = std::time::Instant::now();
    for text in corpus {
        std::hint::black_box(parse(std::hint::black_box(text)));
    }
    let once = start.elapsed().max(Duration::from_micros(1));
    (MIN_ROUND.as_secs_f64() / once.as_secs_f64()).ceil().max(1.0) as usize
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
