//! From a migrations directory to a [`CheckedPlan`]: load the set, lint it (any error-severity
//! finding stops here and is reported, exit 1), then build the plan.
//!
//! INTERIM: the plan builder of the compile issue and the checker's gate are not on main yet, so
//! this module builds the plan itself from the parsed statements (consecutive data statements share
//! an explicit step; each schema, `CALL … IN TRANSACTIONS` or `apoc.periodic.*` statement is an
//! auto-commit step of its own; the down script is the explicit `U…` file) and seals it only after
//! the lint found no error. When `compile` and `check` provide the real gate, [`checked_plan`]
//! should call it and [`interim_plan`] should go.

use super::statements;
use crate::check::{self, FileResult};
use crate::error::{Error, Result};
use crate::migration::{MigrationFile, MigrationSet};
use crate::plan::{CheckedPlan, DownScript, MigrationPlan, Plan, PlannedStatement, StatementClass, Step, TransactionMode};
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
    let options = check::options::from_config(&[dir.to_path_buf()], None)?;
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
    Ok(Checked::Plan(CheckedPlan::from_checked(interim_plan(&set))))
}

pub fn interim_plan(set: &MigrationSet) -> Plan {
    let mut migrations = Vec::new();
    for m in &set.migrations {
        let mut verify = verify_texts(&m.up);
        if let Some(v) = &m.verify {
            verify.extend(v.script.statements.iter().map(|s| text_of(v, s.span)));
        }
        migrations.push(MigrationPlan {
            version: Some(m.version.raw.clone()),
            description: m.description.clone(),
            file: m.up.path().to_path_buf(),
            checksum: hex(&m.up.content_hash),
            steps: steps_of(&m.up),
            down: m.down.as_ref().map(|d| DownScript { explicit: true, text: d.source.text.clone() }),
            verify,
        });
    }
    for r in &set.repeatables {
        migrations.push(MigrationPlan {
            version: None,
            description: r.description.clone(),
            file: r.file.path().to_path_buf(),
            checksum: hex(&r.file.content_hash),
            steps: steps_of(&r.file),
            down: None,
            verify: verify_texts(&r.file),
        });
    }
    Plan { migrations }
}

fn verify_texts(file: &MigrationFile) -> Vec<String> {
    file.verify_statements().iter().map(|s| text_of(file, s.span)).collect()
}

fn text_of(file: &MigrationFile, span: crate::span::Span) -> String {
    file.source.text.get(span.start..span.end).unwrap_or_default().to_string()
}

fn steps_of(file: &MigrationFile) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for s in file.migration_statements() {
        let text = text_of(file, s.span);
        let mode = statements::mode_of(&text);
        let kind = if statements::is_schema(&text) { StatementClass::Schema } else { StatementClass::Data };
        let line = file.source.line_col(s.span.start).line;
        let planned = PlannedStatement { line, kind, text };
        match steps.last_mut() {
            Some(step) if mode == TransactionMode::Explicit && step.transaction == TransactionMode::Explicit => {
                step.statements.push(planned)
            }
            _ => steps.push(Step {
                transaction: mode,
                await_indexes: if kind == StatementClass::Schema { vec![schema_name(&planned.text)] } else { Vec::new() },
                statements: vec![planned],
                down: None,
            }),
        }
    }
    steps
}

fn schema_name(text: &str) -> String {
    text.split_whitespace().nth(2).unwrap_or_default().trim_matches('`').to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
