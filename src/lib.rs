//! cymig: a Cypher-aware migration compiler and linter for Neo4j.
//!
//! Layers, each depending only on the ones before it:
//! - [`span`], [`source`]: byte spans and source files; [`error`]: exit-code-2 errors;
//! - [`ast`]: the typed AST; [`syntax`]: the pest grammar and its lowering into the AST (the only
//!   module that knows pest);
//! - [`migration`]: migration sets, naming, directives, `cymig.sum`; [`config`]: `cymig.toml`;
//! - [`semantic`]: what Neo4j's semantic analysis rejects (clause order, bindings, aggregation);
//! - [`diagnostic`], [`rules`], [`check`]: findings, the rule catalogue and the checker;
//! - [`report`]: one function per output format;
//! - [`schema`]: the schema model; [`derive`]: down scripts; [`plan`]: the transaction plan;
//! - [`exec`]: the executor over Bolt;
//! - [`cli`]: the command line.

pub mod ast;
pub mod check;
pub mod cli;
pub mod config;
pub mod derive;
pub mod diagnostic;
pub mod error;
pub mod exec;
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
pub mod visit;
