//! Shared test support. `neo4j` is the real database the `db*` tests run against.
#![allow(dead_code)]
pub mod neo4j;
