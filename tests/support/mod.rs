//! Shared test support. `neo4j` is the real database the `db*` tests run against.
#![allow(dead_code)]
pub mod neo4j;

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
