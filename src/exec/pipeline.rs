//! From a migrations directory to a [`CheckedPlan`]: the checker's gate ([`check::check_set`])
//! lints the whole set, and the plan is compiled only from the set it passes (nothing at error
//! severity); otherwise the blocking findings are returned for the caller to report (exit 1).

use crate::check::{self, FileResult};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::plan::compile::PlanOptions;
use crate::plan::CheckedPlan;
use std::path::Path;

/// Either a plan ready to execute, or the lint results that block it.
pub enum Checked {
    Plan(CheckedPlan),
    Blocked(Vec<FileResult>),
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(super::placeholders::env_name(name)).ok()
}

/// Lints with `config`, the configuration the command resolved (its `--config` and flags
/// included), never one searched again.
pub fn checked_plan(dir: &Path, config: &Config) -> Result<Checked> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!("{}: not a migrations directory", dir.display())));
    }
    let options = check::options::for_config(config)?;
    Ok(match check::check_set(dir, &options)? {
        Ok(passed) => Checked::Plan(super::placeholders::resolve(
            CheckedPlan::compile(&passed, &PlanOptions::default()),
            &config.placeholders,
            env_value,
        )),
        Err(blocking) => Checked::Blocked(blocking),
    })
}
