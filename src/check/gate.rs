//! The gate between the checker and everything after it: a [`Passed`] migration set is one whose
//! lint found no error-severity finding. Its field is private to this module, so holding one is
//! proof that the check happened; the executor's only input, [`crate::plan::CheckedPlan`], is
//! compiled from one and from nothing else.

use super::{lint_in_set, set, FileResult, FixMode, LintOptions};
use crate::diagnostic::Severity;
use crate::error::Result;
use crate::migration::MigrationSet;
use std::path::Path;

/// A migration set that passed the checker at error severity.
#[derive(Debug)]
pub struct Passed {
    set: MigrationSet,
}

impl Passed {
    pub fn set(&self) -> &MigrationSet {
        &self.set
    }
}

/// Lints every file of the set at `dir` (all of them, whatever the focus) and passes the set
/// when nothing is at error severity. `Ok(Err(blocking))` carries the files with error-severity
/// findings (only those findings) for the caller to report (exit 1).
pub fn check_set(dir: &Path, options: &LintOptions) -> Result<std::result::Result<Passed, Vec<FileResult>>> {
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
    Ok(Ok(Passed { set: migration_set }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn errors_block_the_set_and_warnings_do_not() {
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
        let passed = check_set(dir.path(), &options).unwrap().expect("warnings do not block");
        assert_eq!(passed.set().migrations.len(), 2);
        // An error (removed syntax) blocks it, and only error findings are returned.
        write(dir.path(), "V3__legacy.cypher", "MATCH (p:Person) WHERE exists(p.name) SET p.named = true;\n");
        let blocked = check_set(dir.path(), &options).unwrap().expect_err("blocked");
        assert_eq!(blocked.len(), 1);
        assert!(blocked[0].diagnostics.iter().all(|d| d.severity == Severity::Error));
        assert_eq!(blocked[0].diagnostics[0].rule, "exists-function");
    }
}
