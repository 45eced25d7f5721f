//! Randomised robustness test on stable Rust (the cargo-fuzz target in fuzz/ needs nightly):
//! mutates real queries — the fixtures, our migrations, a sample of the TCK — with a seeded PRNG
//! and checks that the parser never panics, always returns (its pest call budget bounds
//! backtracking; timings are printed, not asserted), and only returns spans that lie
//! inside the text on character boundaries. Deterministic: the same seed gives the same inputs.
//!
//! CYMIG_STRESS_CASES=<n> runs more (or fewer) mutations; CYMIG_STRESS_SEED=<n> another seed.

use cymig::ast::Script;
use cymig::span::Span;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEFAULT_CASES: usize = 3000;
const DEFAULT_SEED: u64 = 0x5eed_c1a0;
/// What a thread gets on most platforms' main thread; deep nesting must fit in it.
const STACK_BYTES: usize = 8 * 1024 * 1024;

/// SplitMix64: tiny, fast, good enough to pick mutations, and reproducible everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that stress the grammar's edges: brackets, quotes, comments, keywords, escapes,
/// multi-byte characters, legacy forms, huge numbers.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "`",
    "/*",
    "*/",
    "//",
    ";",
    ",",
    ".",
    ":",
    "|",
    "&",
    "!",
    "%",
    "$",
    "\\",
    "\\u00e9",
    "\\uZZ",
    "\n",
    "\r\n",
    "\t",
    " ",
    "é",
    "😀",
    "\u{FEFF}",
    "\u{0}",
    "MATCH ",
    "OPTIONAL MATCH ",
    "WHERE ",
    "RETURN ",
    "WITH ",
    "CALL ",
    "CALL { ",
    "} IN TRANSACTIONS ",
    "OF 10 ROWS ",
    "IN 3 CONCURRENT TRANSACTIONS ",
    "ON ERROR CONTINUE ",
    "YIELD ",
    "UNWIND ",
    "AS ",
    "MERGE ",
    "ON CREATE SET ",
    "SET ",
    "REMOVE ",
    "DETACH DELETE ",
    "FOREACH (x IN l | ",
    "CASE WHEN ",
    "THEN ",
    "ELSE ",
    "END ",
    "EXISTS { ",
    "COUNT { ",
    "COLLECT { ",
    "IS NOT NULL ",
    "IS :: INTEGER ",
    "STARTS WITH ",
    "=~ ",
    "CREATE CONSTRAINT ",
    "FOR (n:L) REQUIRE n.p IS UNIQUE ",
    "ON (n:L) ASSERT ",
    "CREATE INDEX ON :L(p) ",
    "IF NOT EXISTS ",
    "OPTIONS {",
    "USING PERIODIC COMMIT 500 ",
    "{param}",
    "LOAD CSV WITH HEADERS FROM ",
    "FIELDTERMINATOR ';' ",
    "CYPHER 25 ",
    "EXPLAIN ",
    "SHOW INDEXES ",
    "UNION ALL ",
    "-->",
    "<-[r:T*1..5]-",
    "-[*]-",
    "{1,3}",
    "+",
    "*",
    "0x",
    "0o17",
    "1e309",
    "9223372036854775808",
    "-9223372036854775808",
    ".5e-3",
    "n.`a``b`",
    "shortestPath(",
    "[x IN l WHERE ",
];

use crate::support::shared_dir;

fn cypher_files(dir: &Path, into: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            cypher_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "cypher") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                into.push(text);
            }
        }
    }
}

/// Every `query` of the TCK, or nothing (with a message) when ../shared is not beside the clone.
fn tck_queries() -> Vec<String> {
    let path = shared_dir().join("tck/tck.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped the TCK seeds: {} not found (set CYMIG_SHARED_DIR)", path.display());
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["query"].as_str().map(str::to_string))
        .collect()
}

fn seeds(rng: &mut Rng) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    cypher_files(&root.join("fixtures"), &mut seeds);
    cypher_files(&root.join("migrations"), &mut seeds);
    let tck = tck_queries();
    for _ in 0..tck.len().min(400) {
        seeds.push(rng.pick(&tck).clone());
    }
    seeds.push("RETURN 1;".into());
    seeds
}

fn mutate(rng: &mut Rng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 | 2 => {
                let fragment = rng.pick(FRAGMENTS).as_bytes().to_vec();
                bytes.splice(at..at, fragment);
            }
            3 => {
                let end = (at + rng.below(24)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            5 if at < bytes.len() => bytes[at] = rng.next() as u8,
            _ => {
                let repeat = rng
                    .pick(&["(", "[", "{a:", "-", "NOT ", "CALL { ", "[x IN ", "CASE WHEN "])
                    .repeat(1 + rng.below(300));
                bytes.splice(at..at, repeat.into_bytes());
            }
        }
    }
    bytes
}

fn check(text: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let script = cymig::syntax::parse(text);
    let took = started.elapsed();
    spans_inside(text, &script)?;
    Ok(took)
}

fn spans_inside(text: &str, script: &Script) -> Result<(), String> {
    let inside = |span: Span| {
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end)
    };
    let spans = script
        .statements
        .iter()
        .map(|s| s.span)
        .chain(script.errors.iter().flat_map(|e| [e.span, e.statement_span]))
        .chain(script.comments.iter().map(|c| c.span));
    for span in spans {
        if !inside(span) {
            return Err(format!("span {span:?} outside the text ({} bytes)", text.len()));
        }
    }
    if let Some(e) = script.errors.iter().find(|e| e.message.is_empty()) {
        return Err(format!("empty syntax error message at {:?}", e.span));
    }
    Ok(())
}

/// Runs `body` on a thread with [`STACK_BYTES`] of stack and reports a panic as the input that
/// caused it (a stack overflow aborts the process; its input is then the last one printed).
fn on_thread<T: Send>(body: impl FnOnce() -> T + Send) -> std::thread::Result<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, body)
            .expect("spawn a stress thread")
            .join()
    })
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn mutated_queries_never_panic_hang_or_return_bad_spans() {
    let seed = env_number("CYMIG_STRESS_SEED", DEFAULT_SEED);
    let cases = env_number("CYMIG_STRESS_CASES", DEFAULT_CASES as u64) as usize;
    let mut rng = Rng(seed);
    let seeds = seeds(&mut rng);
    let inputs: Vec<String> = (0..cases)
        .map(|_| {
            let seed_text = rng.pick(&seeds).clone();
            String::from_utf8_lossy(&mutate(&mut rng, &seed_text)).into_owned()
        })
        .collect();
    let outcome = on_thread(|| {
        let mut failures = Vec::new();
        let mut slowest = (Duration::ZERO, 0);
        for (i, input) in inputs.iter().enumerate() {
            match std::panic::catch_unwind(|| check(input)) {
                Ok(Ok(took)) => slowest = slowest.max((took, i)),
                Ok(Err(problem)) => failures.push(format!("case {i}: {problem}\n  input: {input:?}")),
                Err(_) => failures.push(format!("case {i}: panicked\n  input: {input:?}")),
            }
        }
        (failures, slowest)
    });
    let (failures, (slowest, slowest_case)) = outcome.expect("the stress thread itself does not die");
    eprintln!("{cases} mutated inputs (seed {seed:#x}); slowest parse {slowest:?} (case {slowest_case})");
    assert!(failures.is_empty(), "{} of {cases} inputs failed:\n{}", failures.len(), failures.join("\n"));
}

/// Nesting far deeper than anyone writes must give a syntax error (or parse), never overflow.
#[test]
fn deep_nesting_gives_a_diagnostic_not_a_stack_overflow() {
    let depth = 50_000;
    let inputs = [
        format!("RETURN {}1{};", "(".repeat(depth), ")".repeat(depth)),
        format!("RETURN {}1{};", "[".repeat(depth), "]".repeat(depth)),
        format!("RETURN {}1{};", "{a: ".repeat(depth), "}".repeat(depth)),
        format!("RETURN {}1;", "-".repeat(depth)),
        format!("RETURN {}true;", "NOT ".repeat(depth)),
        format!("MATCH {}", "(".repeat(depth)),
        format!("{}RETURN 1{}", "CALL { ".repeat(depth / 10), " }".repeat(depth / 10)),
        format!("RETURN {}1", "[x IN ".repeat(depth / 10)),
        format!("RETURN {}", "CASE WHEN ".repeat(depth / 10)),
        format!("RETURN 1{};", " + 1".repeat(depth)),
        format!("RETURN 1{};", ".a".repeat(depth)),
        format!("RETURN 'unterminated{}", "x".repeat(depth)),
        format!("/* unterminated{}", "x".repeat(depth)),
    ];
    for input in &inputs {
        let result = on_thread(|| check(input));
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(problem)) => panic!("{problem} on {}…", &input[..60.min(input.len())]),
            Err(_) => panic!("panicked on {}…", &input[..60.min(input.len())]),
        }
    }
}

/// A flat operator chain is not nesting: the chains Neo4j accepts parse and lint on an 8 MiB
/// stack, and one past the chain limit is a diagnostic.
#[test]
fn flat_operator_chains_parse() {
    let or_chain = format!(
        "MATCH (n) WHERE {} RETURN n;",
        (0..1200).map(|i| format!("n.p = {i}")).collect::<Vec<_>>().join(" OR ")
    );
    let plus_chain = format!("RETURN {};", (0..1000).map(|i| i.to_string()).collect::<Vec<_>>().join(" + "));
    let long_chain = format!("RETURN {};", (0..9000).map(|i| format!("{i} < x")).collect::<Vec<_>>().join(" AND "));
    for input in [&or_chain, &plus_chain, &long_chain] {
        let errors = on_thread(|| {
            let lints = cymig::check::lint_source("V1__chain.cypher", input, &Default::default());
            let script = cymig::syntax::parse(input);
            let syntax_errors = lints.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
            (script.errors.len(), script.statements.len(), syntax_errors)
        })
        .expect("no stack overflow");
        assert_eq!(errors, (0, 1, 0), "{}…", &input[..60]);
    }
    let too_long = format!("RETURN 1{};", " + 1".repeat(10_001));
    let script = on_thread(|| cymig::syntax::parse(&too_long)).expect("no stack overflow");
    assert!(script.errors[0].message.contains("expression too long"), "{:?}", script.errors);
    let nested = format!("RETURN x{};", ".a".repeat(1001));
    let script = on_thread(|| cymig::syntax::parse(&nested)).expect("no stack overflow");
    assert!(script.errors[0].message.contains("nesting too deep"), "{:?}", script.errors);
}

/// Inputs the fuzzer or this test once broke (fixtures/fuzz/*.fuzz, raw bytes): each must now
/// return, with spans inside the text.
#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "fuzz")) {
        let bytes = std::fs::read(path).expect("read a regression input");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match on_thread(|| check(&text)) {
            Ok(Ok(_)) => {}
            Ok(Err(problem)) => failures.push(format!("{}: {problem}", path.display())),
            Err(_) => failures.push(format!("{}: panicked", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
