//! Spinners with elapsed time for long steps (drawn only on a terminal: indicatif hides itself
//! when stderr is not one, so logs and CI output stay clean).

use super::apply::Unit;
use crate::plan::TransactionMode;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

pub(crate) fn step_bar(enabled: bool, key: &str, i: usize, total: usize, unit: &Unit) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]").unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    let mode = match unit.mode {
        TransactionMode::Explicit => "explicit transaction",
        TransactionMode::AutoCommit if unit.schema => "schema, auto-commit",
        TransactionMode::AutoCommit => "batched, auto-commit",
    };
    bar.set_message(format!("{key} step {}/{total} ({mode}, {} statement(s))", i + 1, unit.statements.len()));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
