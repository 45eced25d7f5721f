//! Shared test support. `neo4j` is the real database the `db*` tests run against.
#![allow(dead_code)]
pub mod cli;
pub mod neo4j;

/// `<crate>/../shared` (the TCK, the oracle, the real repositories), beside the checkout in CI and
/// absent on a user's machine; `CYMIG_SHARED_DIR` overrides it (worktrees). Tests that read it
/// print that they skipped when it is absent.
pub fn shared_dir() -> std::path::PathBuf {
    std::env::var_os("CYMIG_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// The openCypher TCK queries as data: `<shared>/tck/tck.jsonl`.
pub fn tck_path() -> std::path::PathBuf {
    shared_dir().join("tck/tck.jsonl")
}

/// The fixtures/derive migrations no Neo4j 5.26 runs: Neo4j 4 syntax, rejected by the checker at
/// error severity (and by Neo4j 5 itself), so their derived downs are covered by the insta
/// snapshots in tests/cli/derive.rs only. V12 also reads a CSV file the server does not have.
pub const NOT_RUNNABLE_ON_NEO4J_5: [&str; 5] = [
    "V12__periodic_commit.cypher",
    "V15__legacy_index.cypher",
    "V16__legacy_drop.cypher",
    "V17__unnamed_schema_on_4x.cypher",
    "V18__legacy_drop_spelled_out.cypher",
];

/// The real `cymig` binary pointed at `db` through the `NEO4J_*` variables, as a CI job would run
/// it: no colours, no terminal to prompt on. (Not in `neo4j.rs`: the crate's unit tests include
/// that file, and they have no binary to run.)
pub fn cymig_on(db: &neo4j::TestDb, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cymig"));
    c.args(args)
        .env("NEO4J_URI", &db.uri)
        .env("NEO4J_USERNAME", &db.user)
        .env("NEO4J_PASSWORD", &db.password)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    c
}

/// [`cymig_on`], run to completion.
pub fn run(db: &neo4j::TestDb, args: &[&str]) -> std::process::Output {
    cymig_on(db, args).output().expect("run cymig")
}

/// Everything a command printed: standard output, then standard error.
pub fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A migration directory holding `files` (name, contents).
pub fn migration_set(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}
