//! Applied migrations whose file is gone (Flyway's `missing` state): `status` shows them,
//! `validate` fails on them, `down` refuses to roll back past one (it cannot undo it, and
//! undoing what came before it would leave it applied on top), and `repair` forgets them with
//! a reason.

use super::apply::DownSelection;
use super::history::{Record, Status};
use super::{migration_key, normalise_version};
use crate::error::{Error, Result};
use crate::migration::Version;
use crate::plan::CheckedPlan;

/// Applied versioned records with no migration of that version in the set, oldest first.
/// Repeatables are left out: nothing comes after them, so a deleted one blocks nothing.
pub fn missing<'r>(plan: &CheckedPlan, records: &'r [Record]) -> Vec<&'r Record> {
    let known: std::collections::HashSet<String> = plan.plan().migrations.iter().map(migration_key).collect();
    let mut out: Vec<&Record> = records
        .iter()
        .filter(|r| r.status == Status::Applied && !r.key.starts_with("R:") && !known.contains(&r.key))
        .collect();
    out.sort_by_key(|r| order(&r.key));
    out
}

/// A normalised history key as a comparable version (`None`, first, for a hand-written key).
fn order(key: &str) -> Option<Version> {
    Version::parse(&normalise_version(key)).ok()
}

/// Refuses a `down` whose selection reaches a missing migration: rolling back the newest `n`
/// applied (missing ones counted where their version puts them), or everything after `to`.
pub(crate) fn refuse_passing_missing(
    plan: &CheckedPlan,
    records: &[Record],
    selection: DownSelection<'_>,
) -> Result<()> {
    let missing = missing(plan, records);
    if missing.is_empty() {
        return Ok(());
    }
    let reached = match selection {
        DownSelection::Steps(n) => {
            newest_applied(records, n).into_iter().find_map(|key| missing.iter().copied().find(|r| r.key == key))
        }
        DownSelection::To(v) => {
            let target = plan
                .plan()
                .migrations
                .iter()
                .find(|m| m.has_version(v))
                .map_or_else(|| normalise_version(v), migration_key);
            missing.iter().copied().find(|r| order(&r.key) > order(&target))
        }
    };
    let Some(gone) = reached else { return Ok(()) };
    Err(Error::Usage(format!(
        "{key} ({description}) is applied but its file is gone from this migration set, and this `down` \
         reaches it: cymig cannot roll it back, and rolling back what came before it would leave it \
         applied on top. Nothing was rolled back.\nRestore its file (and its down script), or, if it \
         no longer matters, forget it with: cymig repair --reason \"<why {key} can be forgotten>\"",
        key = gone.key,
        description = gone.description,
    )))
}

/// The keys of the `n` newest applied versioned migrations, files or not, newest first.
fn newest_applied(records: &[Record], n: usize) -> Vec<String> {
    let mut applied: Vec<&Record> =
        records.iter().filter(|r| r.status == Status::Applied && !r.key.starts_with("R:")).collect();
    applied.sort_by_key(|r| std::cmp::Reverse(order(&r.key)));
    applied.into_iter().take(n).map(|r| r.key.clone()).collect()
}
