//! Tests that need no database: the parser, the rules, the CLI, the reports, derive, and the
//! real-world instrument. One binary, so `cargo test` links it once.

#[path = "../support/mod.rs"]
mod support;

mod action;
mod cli_config;
mod cli_parse;
mod derive;
mod derive_cli;
mod derive_robustness;
mod directives_parsed;
mod down_check;
mod embedded;
mod fix_safety;
mod install;
mod layouts;
mod lint_cli;
mod migration_set;
mod oracle_diff;
mod parse_fixtures;
mod parse_robustness;
mod parse_stress;
mod plan;
mod realworld;
mod report_paths;
mod rules;
mod rules_tck;
mod seeds;
mod server;
mod tck;
