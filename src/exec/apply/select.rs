//! Which migrations to apply or roll back, decided from the plan and the history alone: no
//! database needed, so it is tested without one.

use super::*;
use std::collections::HashMap;

pub(crate) fn find<'p>(plan: &'p CheckedPlan, version: &str) -> Result<&'p MigrationPlan> {
    plan.plan()
        .migrations
        .iter()
        .find(|m| migration_key(m) == version || m.has_version(version))
        .ok_or_else(|| Error::Usage(format!("no migration {version} in this migration set")))
}

/// The command that recovers a blocked migration.
pub fn recovery_command(record: &Record) -> String {
    format!("cymig retry {}", record.key)
}

/// `up` and `down` never pass a `running` or `failed` migration.
pub(crate) fn refuse_blocked(records: &[Record]) -> Result<()> {
    let Some(r) = records.iter().find(|r| matches!(r.status, Status::Running | Status::Failed)) else {
        return Ok(());
    };
    let why = match r.status {
        Status::Running => format!(
            "was interrupted while {} (step {} of {} was in flight when its process stopped)",
            if r.direction == Direction::Up { "being applied" } else { "being rolled back" },
            r.steps_done + 1,
            r.steps_total
        ),
        _ => format!("failed: {}", r.error.as_deref().unwrap_or("(no error recorded)")),
    };
    Err(Error::Database(format!(
        "migration {} ({}) {why}.\nNothing more is applied until it is resolved. Recover with: {}",
        r.key,
        r.description,
        recovery_command(r)
    )))
}

pub(crate) fn refuse_drift(plan: &CheckedPlan, records: &[Record]) -> Result<()> {
    let by_key = history::by_key(records);
    for m in &plan.plan().migrations {
        if m.version.is_none() {
            continue;
        }
        let key = migration_key(m);
        if let Some(r) = history::applied(&by_key, &key) {
            if r.checksum != m.checksum {
                return Err(Error::Database(format!(
                    "{key} was edited after it was applied (recorded checksum {}, file {}).\n\
                     Revert the edit, or accept it with: cymig repair --reason \"<why the edit is safe>\"",
                    short(&r.checksum),
                    short(&m.checksum)
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// Pending migrations in plan order, up to `target`; refuses gaps (a pending migration older
/// than an applied one).
pub(crate) fn pending<'p>(
    plan: &'p CheckedPlan,
    records: &[Record],
    target: Option<&str>,
) -> Result<Vec<&'p MigrationPlan>> {
    if let Some(t) = target {
        find(plan, t)?;
    }
    let by_key = history::by_key(records);
    let applied = |m: &MigrationPlan| {
        history::applied(&by_key, &migration_key(m)).is_some_and(|r| m.version.is_some() || r.checksum == m.checksum)
    };
    let migrations = &plan.plan().migrations;
    let is_applied: Vec<bool> = migrations.iter().map(applied).collect();
    let later_applied = first_applied_version_after(migrations, &is_applied);
    let mut out = Vec::new();
    let mut reached_target = false;
    for (idx, m) in migrations.iter().enumerate() {
        if reached_target {
            break;
        }
        if let Some(t) = target {
            reached_target = migration_key(m) == t || m.has_version(t);
        }
        if is_applied[idx] {
            continue;
        }
        if m.version.is_some() {
            if let Some(later) = later_applied[idx].map(|at| &migrations[at]) {
                return Err(Error::Usage(format!(
                    "{} is pending but the later {} is already applied; cymig applies in version order. \
                     Renumber {} after {}, or record it with `cymig mark-applied {} --reason …`",
                    migration_key(m),
                    migration_key(later),
                    migration_key(m),
                    migration_key(later),
                    migration_key(m)
                )));
            }
        }
        if let Some(why) = &m.unsupported {
            return Err(Error::Usage(format!("cannot apply {}: {why}", migration_key(m))));
        }
        out.push(m);
    }
    Ok(out)
}

/// For each place of `migrations`, the first versioned migration after it that is applied.
fn first_applied_version_after(migrations: &[MigrationPlan], is_applied: &[bool]) -> Vec<Option<usize>> {
    let mut after = vec![None; migrations.len()];
    let mut next = None;
    for at in (0..migrations.len()).rev() {
        after[at] = next;
        if migrations[at].version.is_some() && is_applied[at] {
            next = Some(at);
        }
    }
    after
}

pub(crate) fn to_roll_back<'p>(
    plan: &'p CheckedPlan,
    records: &[Record],
    selection: DownSelection<'_>,
) -> Result<Vec<&'p MigrationPlan>> {
    crate::exec::missing::refuse_passing_missing(plan, records, selection)?;
    let by_key = history::by_key(records);
    let is_applied = |m: &MigrationPlan| history::applied(&by_key, &migration_key(m)).is_some();
    // Each applied migration with its place in the plan.
    let applied: Vec<(usize, &MigrationPlan)> =
        plan.plan().migrations.iter().enumerate().filter(|(_, m)| m.version.is_some() && is_applied(m)).collect();
    let newest_first = applied.into_iter().rev();
    match selection {
        DownSelection::Steps(n) => Ok(newest_first.take(n).map(|(_, m)| m).collect()),
        // `--to 0` with no version 0 in the set: before the first migration, so everything.
        DownSelection::To(v) if crate::exec::normalise_version(v) == "0" && find(plan, v).is_err() => {
            Ok(newest_first.map(|(_, m)| m).collect())
        }
        DownSelection::To(v) => {
            let target = find(plan, v)?;
            let pos = plan.plan().migrations.iter().position(|m| std::ptr::eq(m, target)).unwrap_or(0);
            Ok(newest_first.filter(|(at, _)| *at > pos).map(|(_, m)| m).collect())
        }
    }
}

pub(super) fn previous_applied_version(
    plan: &CheckedPlan,
    by_key: &HashMap<&str, &Record>,
    m: &MigrationPlan,
) -> Option<String> {
    let migrations = &plan.plan().migrations;
    let pos = migrations.iter().position(|x| std::ptr::eq(x, m))?;
    migrations[..pos]
        .iter()
        .rev()
        .find(|x| x.version.is_some() && history::applied(by_key, &migration_key(x)).is_some())
        .and_then(|x| x.version_text().map(str::to_string))
}

pub(crate) fn irreversible_message(m: &MigrationPlan) -> String {
    format!(
        "{} ({}) is irreversible: it has no explicit down script (U{}__{}.cypher) and cymig could not \
         derive one; `cymig derive-down {}` names the statements and why. Nothing was rolled back",
        migration_key(m),
        m.description,
        m.version_text().unwrap_or(""),
        m.description,
        m.file.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    fn set_of(versions: &[&str]) -> CheckedPlan {
        let migrations = versions.iter().map(|v| MigrationPlan::for_test(v, "m", Vec::new())).collect();
        CheckedPlan::unchecked(Plan { migrations, callbacks: Vec::new() })
    }

    fn record(key: &str, status: Status) -> Record {
        Record {
            key: key.to_string(),
            version: Some(key.to_string()),
            script: None,
            description: "m".into(),
            checksum: String::new(),
            status,
            direction: Direction::Up,
            steps_done: 0,
            steps_total: 0,
            applied_at: None,
            applied_by: None,
            execution_ms: None,
            counters: Default::default(),
            rows_done: None,
            batches_done: None,
            error: None,
            attempts: 1,
            notes: Vec::new(),
            schema_effects: None,
        }
    }

    fn keys(migrations: &[&MigrationPlan]) -> Vec<String> {
        migrations.iter().map(|m| migration_key(m)).collect()
    }

    #[test]
    fn pending_passes_the_applied_and_refuses_one_older_than_an_applied_one() {
        let plan = set_of(&["1", "2", "3", "4", "5"]);
        let applied = [record("1", Status::Applied), record("2", Status::Applied), record("3", Status::RolledBack)];
        assert_eq!(keys(&pending(&plan, &applied, None).unwrap()), ["3", "4", "5"]);
        assert_eq!(keys(&pending(&plan, &applied, Some("4")).unwrap()), ["3", "4"]);
        let gap = [record("1", Status::Applied), record("4", Status::Applied), record("5", Status::Applied)];
        let refused = pending(&plan, &gap, None).unwrap_err().to_string();
        assert!(refused.contains("2 is pending but the later 4 is already applied"), "{refused}");
    }

    #[test]
    fn to_roll_back_takes_the_newest_applied_first() {
        let plan = set_of(&["1", "2", "3", "4"]);
        let records = [
            record("1", Status::Applied),
            record("2", Status::Applied),
            record("3", Status::Applied),
            record("4", Status::RolledBack),
        ];
        assert_eq!(keys(&to_roll_back(&plan, &records, DownSelection::Steps(2)).unwrap()), ["3", "2"]);
        assert_eq!(keys(&to_roll_back(&plan, &records, DownSelection::To("1")).unwrap()), ["3", "2"]);
        assert_eq!(keys(&to_roll_back(&plan, &records, DownSelection::To("0")).unwrap()), ["3", "2", "1"]);
        let by_key = history::by_key(&records);
        let third = &plan.plan().migrations[2];
        assert_eq!(previous_applied_version(&plan, &by_key, third).as_deref(), Some("2"));
    }
}
