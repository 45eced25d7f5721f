//! Which migrations to apply or roll back, decided from the plan and the history alone: no
//! database needed, so it is tested without one.

use super::*;

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
    for m in &plan.plan().migrations {
        if m.version.is_none() {
            continue;
        }
        let key = migration_key(m);
        if let Some(r) = records.iter().find(|r| r.key == key && r.status == Status::Applied) {
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
    let applied = |m: &MigrationPlan| {
        let key = migration_key(m);
        records
            .iter()
            .any(|r| r.key == key && r.status == Status::Applied && (m.version.is_some() || r.checksum == m.checksum))
    };
    let migrations = &plan.plan().migrations;
    let mut out = Vec::new();
    let mut reached_target = false;
    for (idx, m) in migrations.iter().enumerate() {
        if reached_target {
            break;
        }
        if let Some(t) = target {
            reached_target = migration_key(m) == t || m.has_version(t);
        }
        if applied(m) {
            continue;
        }
        if m.version.is_some() {
            if let Some(later) = migrations[idx + 1..].iter().find(|l| l.version.is_some() && applied(l)) {
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

pub(crate) fn to_roll_back<'p>(
    plan: &'p CheckedPlan,
    records: &[Record],
    selection: DownSelection<'_>,
) -> Result<Vec<&'p MigrationPlan>> {
    crate::exec::missing::refuse_passing_missing(plan, records, selection)?;
    let is_applied =
        |m: &MigrationPlan| records.iter().any(|r| r.key == migration_key(m) && r.status == Status::Applied);
    let applied: Vec<&MigrationPlan> =
        plan.plan().migrations.iter().filter(|m| m.version.is_some() && is_applied(m)).collect();
    match selection {
        DownSelection::Steps(n) => Ok(applied.into_iter().rev().take(n).collect()),
        // `--to 0` with no version 0 in the set: before the first migration, so everything.
        DownSelection::To(v) if crate::exec::normalise_version(v) == "0" && find(plan, v).is_err() => {
            Ok(applied.into_iter().rev().collect())
        }
        DownSelection::To(v) => {
            let target = find(plan, v)?;
            let pos = plan.plan().migrations.iter().position(|m| std::ptr::eq(m, target)).unwrap_or(0);
            Ok(applied
                .into_iter()
                .rev()
                .filter(|m| plan.plan().migrations.iter().position(|x| std::ptr::eq(x, *m)).unwrap_or(0) > pos)
                .collect())
        }
    }
}

pub(super) fn previous_applied_version(plan: &CheckedPlan, records: &[Record], m: &MigrationPlan) -> Option<String> {
    let migrations = &plan.plan().migrations;
    let pos = migrations.iter().position(|x| std::ptr::eq(x, m))?;
    migrations[..pos]
        .iter()
        .rev()
        .find(|x| {
            x.version.is_some() && records.iter().any(|r| r.key == migration_key(x) && r.status == Status::Applied)
        })
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
