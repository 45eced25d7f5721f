//! From a migrations directory to a [`CheckedPlan`]: load the set, lint it (any error-severity
//! finding stops here and is reported, exit 1), then build the plan.
//!
//! The plan is the compiler's ([`crate::plan::compile::compile`]: steps, index waits, explicit or
//! derived downs, verify queries). INTERIM: the checker's own gate that seals a plan is not on
//! main yet, so this function seals it, and only after the lint found no error-severity finding.
//! When the checker provides the gate, [`checked_plan`] should call it instead.

use crate::check::{self, FileResult};
use crate::error::{Error, Result};
use crate::migration::MigrationSet;
use crate::plan::CheckedPlan;
use std::path::Path;

/// Either a plan ready to execute, or the lint results that block it.
pub enum Checked {
    Plan(CheckedPlan),
    Blocked(Vec<FileResult>),
}

pub fn checked_plan(dir: &Path) -> Result<Checked> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!("{}: not a migrations directory", dir.display())));
    }
    let options = check::options::from_config(&[dir.to_path_buf()], &crate::config::CliOverrides::default())?;
    let outcome = check::lint(&[dir.to_path_buf()], &options)?;
    if outcome.has_errors() {
        let blocking = outcome
            .files
            .into_iter()
            .map(|mut f| {
                f.diagnostics.retain(|d| d.severity == crate::diagnostic::Severity::Error);
                f
            })
            .filter(|f| !f.diagnostics.is_empty())
            .collect();
        return Ok(Checked::Blocked(blocking));
    }
    let set = MigrationSet::load(dir)?;
    let plan = crate::plan::compile::compile(&set, &crate::plan::compile::PlanOptions::default());
    Ok(Checked::Plan(CheckedPlan::from_checked(plan)))
}
