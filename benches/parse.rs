//! Parse throughput (bytes/s) over the TCK queries (`../shared/tck`, when present, or
//! `CYMIG_SHARED_DIR`) and over every fixture file: `cargo bench --bench parse`.

use divan::counter::BytesCount;
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every TCK query, joined into one script with `;`.
fn tck_script() -> String {
    let shared = std::env::var_os("CYMIG_SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| crate_dir().join("../shared"));
    let Ok(text) = std::fs::read_to_string(shared.join("tck/tck.jsonl")) else {
        eprintln!("skipped TCK corpus: ../shared/tck not present");
        return String::new();
    };
    let mut script = String::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if v["expect"] == "ok" {
            script.push_str(v["query"].as_str().unwrap_or_default());
            script.push_str(";\n");
        }
    }
    script
}

/// Every `.cypher` file under fixtures/, one string each.
fn fixture_files() -> Vec<String> {
    walkdir::WalkDir::new(crate_dir().join("fixtures"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "cypher"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

#[divan::bench(sample_count = 10)]
fn tck_queries(bencher: divan::Bencher) {
    let script = tck_script();
    bencher.counter(BytesCount::of_str(&script)).bench(|| cymig::syntax::parse(divan::black_box(&script)));
}

#[divan::bench(sample_count = 20)]
fn fixtures(bencher: divan::Bencher) {
    let files = fixture_files();
    let bytes: usize = files.iter().map(String::len).sum();
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        for f in &files {
            divan::black_box(cymig::syntax::parse(divan::black_box(f)));
        }
    });
}
