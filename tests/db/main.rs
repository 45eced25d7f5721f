//! Tests against a real Neo4j 5.26 (started by `tests/neo4j/run`, or `NEO4J_URI`): the executor,
//! verify, adopt, timeouts. One binary, so `cargo test` links it once and starts one server.

#[path = "../support/mod.rs"]
mod support;

mod db_adopt;
mod db_bench;
mod db_cli;
mod db_decoys;
mod db_derived;
mod db_effects;
mod db_exactly_once;
mod db_harness;
mod db_migrations;
mod db_neo4j_migrations_files;
mod db_safety;
mod timeouts;
