//! `cymig status`: every migration of the set with its state in the database, checksum drift,
//! history records with no file, and the lock holder. Takes no lock and writes nothing itself; it
//! runs `q'` preconditions as written to tell `skipped` from `pending` (the CLI runs the
//! `beforeInfo` / `afterInfo` callbacks around it).

use super::apply::{recovery_command, short};
use super::history::{self, Record, Status};
use super::lock::{self, LockInfo};
use super::{migration_key, Executor};
use crate::error::Result;
use crate::plan::CheckedPlan;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub schema_version: Option<String>,
    pub migrations: Vec<Entry>,
    /// History records whose migration file is gone.
    pub missing_locally: Vec<Record>,
    /// The keys of those that are applied versioned migrations: `missing` (see [`super::missing`]).
    pub missing: Vec<String>,
    pub lock: Option<LockInfo>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub key: String,
    pub description: String,
    /// `pending`, or the recorded status.
    pub state: String,
    /// The recorded checksum differs from the file's.
    pub drift: bool,
    pub record: Option<Record>,
    /// For `running` and `failed`: the command that recovers it.
    pub recovery: Option<String>,
    /// For `skipped`: the neo4j-migrations `assume` that does not hold on this server, so `up`
    /// skips it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// For a version with alternative files (neo4j-migrations `assume`s): the file that applies
    /// on this server (or was applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
}

impl StatusReport {
    pub fn blocked(&self) -> bool {
        self.migrations.iter().any(|e| e.state == "running" || e.state == "failed")
    }

    pub fn drifted(&self) -> bool {
        self.migrations.iter().any(|e| e.drift)
    }
}

impl Executor {
    pub async fn status(&self, plan: &CheckedPlan) -> Result<StatusReport> {
        let records = history::load(&self.db).await?;
        // A version whose alternatives cannot be told apart stays as planned here; `up` refuses it.
        let chosen = match self.choose_alternatives(plan, &records).await {
            Ok(chosen) => chosen,
            Err(_) => super::preconditions::recorded_alternatives(plan, &records),
        };
        let plan: &CheckedPlan = &chosen;
        let would_skip: HashMap<String, String> = self.would_skip(plan, &records).await.into_iter().collect();
        let by_key = history::by_key(&records);
        let mut migrations = Vec::new();
        for m in &plan.plan().migrations {
            let key = migration_key(m);
            let record = by_key.get(key.as_str()).copied().cloned();
            let not_run = record.as_ref().is_none_or(|r| matches!(r.status, Status::RolledBack | Status::Forgotten));
            let skipped = would_skip.get(&key).filter(|_| not_run).cloned();
            let state = match &record {
                _ if skipped.is_some() => "skipped".to_string(),
                None => "pending".to_string(),
                Some(r) if r.status == Status::RolledBack => "pending (rolled back)".to_string(),
                Some(r) if r.status == Status::Forgotten => "pending (forgotten)".to_string(),
                Some(r) => r.status.as_str().to_string(),
            };
            let drift = record.as_ref().is_some_and(|r| r.status == Status::Applied && r.checksum != m.checksum);
            let recovery =
                record.as_ref().filter(|r| matches!(r.status, Status::Running | Status::Failed)).map(recovery_command);
            let alternative =
                (!m.alternatives.is_empty()).then(|| super::apply::script_name(m).map(str::to_string)).flatten();
            let description = m.description.clone();
            migrations.push(Entry { key, description, state, drift, record, recovery, skipped, alternative });
        }
        let known: Vec<String> = plan.plan().migrations.iter().map(migration_key).collect();
        let missing = super::missing::missing(plan, &records).into_iter().map(|r| r.key.clone()).collect();
        let missing_locally = records.into_iter().filter(|r| !known.contains(&r.key)).collect();
        Ok(StatusReport {
            schema_version: history::schema_version(&self.db).await?,
            migrations,
            missing_locally,
            missing,
            lock: lock::current(&self.db).await?,
        })
    }
}

/// The text table.
pub fn render_text(report: &StatusReport, show_failed: bool) -> String {
    let mut out = format!("schema version: {}\n", report.schema_version.as_deref().unwrap_or("(none)"));
    for e in &report.migrations {
        let mut line = format!("  {:<10} {:<22} {}", e.key, e.state, e.description);
        if let Some(r) = &e.record {
            let batched = match (r.rows_done, r.batches_done) {
                (Some(rows), Some(batches)) => format!(
                    ", {} rows in {} batches",
                    super::progress::thousands(rows),
                    super::progress::thousands(batches)
                ),
                _ => String::new(),
            };
            if r.status == Status::Applied {
                let changed =
                    if r.counters.is_empty() { String::new() } else { format!(", {}", r.counters.describe()) };
                line.push_str(&format!(
                    "  ({} by {}, {} ms{changed}{batched})",
                    r.applied_at.as_deref().unwrap_or("?"),
                    r.applied_by.as_deref().unwrap_or("?"),
                    r.execution_ms.unwrap_or(0)
                ));
            } else if r.status == Status::Failed && !batched.is_empty() {
                line.push_str(&format!("  (committed before it failed: {})", batched.trim_start_matches(", ")));
            }
            if r.status == Status::Running {
                line.push_str(&format!(
                    "  (step {} of {} in flight, {})",
                    r.steps_done + 1,
                    r.steps_total,
                    r.direction.as_str()
                ));
            }
        }
        if let Some(why) = &e.skipped {
            line.push_str(&format!("  ({why})"));
        }
        if let Some(file) = &e.alternative {
            line.push_str(&format!("  (alternative: {file})"));
        }
        if e.drift {
            if let Some(r) = &e.record {
                line.push_str(&format!("  CHECKSUM DRIFT: recorded {}", short(&r.checksum)));
            }
        }
        out.push_str(&line);
        out.push('\n');
        // Once rolled back, what its up did no longer describes the database.
        let applied = e.record.as_ref().filter(|r| r.status == Status::Applied);
        if let Some(effects) = applied.and_then(|r| r.schema_effects.as_ref()).filter(|x| !x.is_empty()) {
            let described: Vec<String> = effects.iter().map(|x| x.describe()).collect();
            out.push_str(&format!("             schema: {}\n", described.join(", ")));
        }
        if let (Some(r), Some(cmd)) = (&e.record, &e.recovery) {
            if show_failed || r.status == Status::Running {
                if let Some(err) = &r.error {
                    out.push_str(&format!("             error: {err}\n"));
                }
            }
            out.push_str(&format!("             recover with: {cmd}\n"));
        }
    }
    for r in &report.missing_locally {
        if report.missing.contains(&r.key) {
            out.push_str(&format!(
                "  {:<10} {:<22} {}  (applied; its file is gone: `validate` fails and `down` stops before it)\n\
                 {:13}recover with: restore the file, or cymig repair --reason \"<why it can be forgotten>\"\n",
                r.key, "missing", r.description, ""
            ));
            continue;
        }
        out.push_str(&format!(
            "  {:<10} {:<22} {}  (in the database, no file here)\n",
            r.key,
            r.status.as_str(),
            r.description
        ));
    }
    if report.drifted() {
        out.push_str("checksum drift: revert the edits, or accept them with `cymig repair --reason \"…\"`\n");
    }
    match &report.lock {
        Some(l) if l.holder_gone => out.push_str(&format!(
            "lock: held by {}, whose process no longer exists on this host (lease until {}); the next run \
             takes it over at once\n{}",
            l.owner,
            l.expires_at.as_deref().unwrap_or("?"),
            interrupted_run(report)
        )),
        Some(l) if l.expired => out.push_str(&format!(
            "lock: STALE, held by {} (lease expired {}); the next run takes it over, or `cymig unlock`\n{}",
            l.owner,
            l.expires_at.as_deref().unwrap_or("?"),
            interrupted_run(report)
        )),
        Some(l) => {
            out.push_str(&format!("lock: held by {} until {}\n", l.owner, l.expires_at.as_deref().unwrap_or("?")))
        }
        None => out.push_str("lock: free\n"),
    }
    out
}

/// A lock left by a run that stopped: unless a migration says `recover with: cymig retry …`,
/// the step in flight was explicit and rolled back, so running the command again recovers.
fn interrupted_run(report: &StatusReport) -> String {
    if report.blocked() {
        return String::new();
    }
    "             recover with: cymig up (or the interrupted `cymig down …` again): the step in flight \
     rolled back with its history record\n"
        .to_string()
}

pub fn render_json(report: &StatusReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `cymig status --format html`: the history as one self-contained page.
pub fn render_html(report: &StatusReport, database: &str) -> String {
    use crate::report::html::{badge, escape, page};
    let class = |state: &str| match state {
        "applied" => "ok",
        "running" | "failed" => "error",
        _ => "muted",
    };
    let mut body = String::from(
        "<table>\n<tr><th>Version</th><th>State</th><th>Description</th><th>Applied</th><th>Changes</th></tr>\n",
    );
    for e in &report.migrations {
        let mut state = badge(class(&e.state), &e.state);
        if e.drift {
            state.push(' ');
            state.push_str(&badge("warning", "checksum drift"));
        }
        let (applied, changes) = match &e.record {
            Some(r) if r.status == Status::Applied => (
                format!(
                    "{} by {} in {} ms",
                    r.applied_at.as_deref().unwrap_or("?"),
                    r.applied_by.as_deref().unwrap_or("?"),
                    r.execution_ms.unwrap_or(0)
                ),
                if r.counters.is_empty() { String::new() } else { r.counters.describe() },
            ),
            _ => (String::new(), String::new()),
        };
        let mut description = escape(&e.description);
        if let Some(r) = &e.record {
            if let Some(err) = r.error.as_deref().filter(|_| r.status != Status::Applied) {
                description.push_str(&format!("<br><span class=\"error\">error: {}</span>", escape(err)));
            }
        }
        if let Some(cmd) = &e.recovery {
            description.push_str(&format!("<br>recover with: <code>{}</code>", escape(cmd)));
        }
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{state}</td><td>{description}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&e.key),
            escape(&applied),
            escape(&changes)
        ));
    }
    for r in &report.missing_locally {
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{} {}</td><td>{}</td><td>{}</td><td></td></tr>\n",
            escape(&r.key),
            badge(class(r.status.as_str()), r.status.as_str()),
            badge("warning", "no file here"),
            escape(&r.description),
            escape(r.applied_at.as_deref().unwrap_or("")),
        ));
    }
    body.push_str("</table>\n");
    let lock = match &report.lock {
        Some(l) if l.expired => format!("lock: stale, held by {} (lease expired)", l.owner),
        Some(l) => format!("lock: held by {} until {}", l.owner, l.expires_at.as_deref().unwrap_or("?")),
        None => "lock: free".to_string(),
    };
    body.push_str(&format!("<p class=\"muted\">{}</p>\n", escape(&lock)));
    let subtitle = format!("{database} · schema version {}", report.schema_version.as_deref().unwrap_or("(none)"));
    page("cymig status", &subtitle, &body)
}
