//! cymig: a Cypher-aware migration compiler and linter for Neo4j.
//!
//! A pipeline with one direction: parse → semantic → check → compile (schema, derive, plan) →
//! execute. Layers, each depending only on itself and the ones before it (`src/layering.rs`
//! fails the build's tests otherwise):
//! - [`span`], [`error`]: exit-code-2 errors, [`suggest`]; then [`source`], [`diagnostic`],
//!   [`ast`] (the typed AST) and [`visit`];
//! - [`syntax`]: the pest grammar and its lowering into the AST (the only module that knows pest);
//! - [`migration`]: migration sets, naming, directives, `cymig.sum`; [`config`]: `cymig.toml`;
//!   [`schema`]: the schema model the set's migrations build;
//! - [`semantic`]: what Neo4j's semantic analysis rejects (clause order, bindings, aggregation);
//! - [`rules`]: the rule catalogue and its registry;
//! - [`check`]: the checker, whose gate ([`check::check_set`]) passes a set with no
//!   error-severity finding; [`report`]: one function per output format of its findings;
//! - [`derive`]: down scripts (it is handed the checker as a [`derive::Checker`], never calls it);
//! - [`plan`]: the transaction plan; [`plan::CheckedPlan`], the executor's only input, is
//!   compiled only from a set the checker passed;
//! - [`exec`]: the executor over Bolt;
//! - [`cli`] and [`server`]: the command line and the editor server.

pub mod ast;
pub mod check;
pub mod cli;
pub mod config;
pub mod derive;
pub mod diagnostic;
pub mod error;
pub mod exec;
pub mod expr;
#[cfg(test)]
mod layering;
pub mod migration;
pub mod plan;
pub mod report;
pub mod rules;
pub mod schema;
pub mod semantic;
pub mod server;
pub mod source;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod undo;
pub mod visit;
