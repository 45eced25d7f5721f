//! The gate between the checker and the executor: a [`CheckedPlan`] is built only from a
//! migration set whose lint found no error-severity finding. `CheckedPlan::from_checked` is
//! crate-private and called here, so nothing reaches a database without passing the checker.

use super::{lint_in_set, set, FileResult, FixMode, LintOptions};
use crate::diagnostic::Severity;
use crate::error::Result;
use crate::migration::MigrationSet;
use crate::plan::{self, CheckedPlan, PlanOptions};
use std::path::Path;

/// Lints every file of the set at `dir` (all of them, whatever the focus) and compiles the plan
/// when nothing is at error severity. `Ok(Err(blocking))` carries the files with
/// error-severity findings (only those findings) for the caller to report (exit 1).
pub fn checked_plan(
    dir: &Path,
    options: &LintOptions,
    plan_options: &PlanOptions,
) -> Result<std::result::Result<CheckedPlan, Vec<FileResult>>> {
    let convention = crate::migration::convention_for(dir, options.migrations_dir.as_deref(), &options.layout);
    let migration_set = MigrationSet::load_with(dir, convention)?;
    let options = LintOptions { fix: FixMode::None, diff: false, ..options.clone() };
    let loaded = set::adapt(migration_set.clone(), &options)?;
    let mut blocking: Vec<FileResult> = (0..loaded.files.len())
        .map(|i| lint_in_set(&loaded, i, &options).0)
        .chain(loaded.sum_findings.clone())
        .filter_map(|mut f| {
            f.diagnostics.retain(|d| d.severity == Severity::Error);
            (!f.diagnostics.is_empty()).then_some(f)
        })
        .collect();
    if !blocking.is_empty() {
        blocking.sort_by(|a, b| a.source.path.cmp(&b.source.path));
        return Ok(Err(blocking));
    }
    Ok(Ok(CheckedPlan::from_checked(plan::compile(&migration_set, plan_options))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn errors_block_the_plan_and_warnings_do_not() {
        if crate::syntax::parse("RETURN 1").statements.is_empty() {
            return; // parser stub
        }
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "V1__people.cypher",
            "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n",
        );
        // A warning only (unbatched-write): the plan is built.
        write(dir.path(), "V2__flag.cypher", "MATCH (p:Person) WHERE p.flag IS NULL SET p.flag = true;\n");
        let options = LintOptions::default();
        let plan = checked_plan(dir.path(), &options, &PlanOptions::default()).unwrap();
        let plan = plan.expect("warnings do not block");
        assert_eq!(plan.plan().migrations.len(), 2);
        // An error (removed syntax) blocks it, and only error findings are returned.
        write(dir.path(), "V3__legacy.cypher", "MATCH (p:Person) WHERE exists(p.name) SET p.named = true;\n");
        let blocked = checked_plan(dir.path(), &options, &PlanOptions::default()).unwrap().expect_err("blocked");
        assert_eq!(blocked.len(), 1);
        assert!(blocked[0].diagnostics.iter().all(|d| d.severity == Severity::Error));
        assert_eq!(blocked[0].diagnostics[0].rule, "exists-function");
    }
}
