//! The migration lock: one `(:__CymigLock {name: 'cymig'})` node (unique by the `cymig_lock_name`
//! constraint) holding `owner`, `acquired_at` and `expires_at`.
//!
//! A holder renews its lease in the background; a lock whose lease expired belongs to a process
//! that died (or lost the database) and may be taken over. Every read-and-write of the lock first
//! sets a property on the node, which takes Neo4j's exclusive lock on it, so two contenders are
//! serialised and never both see it free. Every history write of a run re-checks ownership in
//! its own transaction ([`Lock::owned`]), so a process whose lock was taken over cannot commit
//! a step.
//!
//! The lock also records where its holder runs (`host`, `pid_ns`, `pid`): a process on the same
//! host, in the same PID namespace, that finds the holder's PID gone knows it died, and takes the
//! lock over at once instead of waiting out the lease. Anywhere else, only the lease tells.

use super::connect::{is_transient, txn_rows, Db};
use super::history::REUSE_PLAN;
use crate::error::{Error, Result};
use neo4rs::query;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// See [`Lock::owned`].
const OWNERSHIP_CHECK: &str = "MATCH (l:__CymigLock {name: 'cymig'}) SET l.touched_at = datetime() \
     WITH l WHERE l.owner = $owner \
     SET l.expires_at = datetime() + duration({milliseconds: $lease_ms}) RETURN l.owner AS owner";
const OWNER_RETURNED: &str = "RETURN l.owner AS owner";

/// The text of [`Lock::owned`]: the ownership check, then `write` in a unit subquery, which runs
/// once per row the check returns and keeps that row.
fn owned_text(write: &str) -> String {
    owned_text_after("", write)
}

/// [`owned_text`] with `first` (a void procedure call) run before the ownership check, so the
/// lock node is not held while it runs.
fn owned_text_after(first: &str, write: &str) -> String {
    let body = write.strip_prefix(REUSE_PLAN).unwrap_or(write);
    let check = OWNERSHIP_CHECK.strip_suffix(OWNER_RETURNED).unwrap_or(OWNERSHIP_CHECK);
    format!("{REUSE_PLAN}{first}{check} WITH l CALL {{\n{body}\n}} {OWNER_RETURNED}")
}

/// Who holds the lock, as stored.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LockInfo {
    pub owner: String,
    pub acquired_at: Option<String>,
    pub expires_at: Option<String>,
    pub expired: bool,
    /// Its holder ran on this host and its process no longer exists.
    pub holder_gone: bool,
}

/// A held lock; renewed until [`Lock::release`] (or until the process dies).
pub struct Lock {
    db: Db,
    pub owner: String,
    lease: Duration,
    lost: Arc<AtomicBool>,
    /// The lock of a dead process this one took over before its lease expired.
    pub took_over_from: Option<LockInfo>,
    /// Tells the renewer to stop. Never abort it: cancelling a neo4rs query mid-flight leaves
    /// an unread response on a pooled connection, and the next query on it reads the wrong reply.
    stop: Arc<tokio::sync::Notify>,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

/// A process-unique owner name: user, host, pid and a random suffix.
pub fn owner_name(applied_by: &str) -> String {
    format!("{applied_by}@{} pid {} #{:08x}", host_name(), std::process::id(), super::random_u32())
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into())
}

/// The PID namespace (`pid:[4026531836]`): two containers may share a host name, never one.
fn pid_namespace() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid").ok().map(|p| p.to_string_lossy().into_owned())
}

/// `true` only when the holder is known to be dead: it recorded this host and PID namespace,
/// and `/proc` (which this process can read) has no such PID. Anything unknown says no.
fn holder_gone(host: Option<&str>, pid_ns: Option<&str>, pid: Option<i64>) -> bool {
    let (Some(host), Some(pid_ns), Some(pid)) = (host, pid_ns, pid) else { return false };
    let proc = std::path::Path::new("/proc");
    host == host_name()
        && pid_namespace().as_deref() == Some(pid_ns)
        && pid > 0
        && proc.join("self").exists()
        && !proc.join(pid.to_string()).exists()
}

/// Reads the lock without taking it (for `status`).
pub async fn current(db: &Db) -> Result<Option<LockInfo>> {
    let rows = db
        .rows(query(
            "MATCH (l:__CymigLock {name: 'cymig'}) WHERE l.owner IS NOT NULL \
             RETURN l.owner AS owner, toString(l.acquired_at) AS acquired_at, \
             toString(l.expires_at) AS expires_at, l.expires_at < datetime() AS expired, \
             l.host AS host, l.pid_ns AS pid_ns, l.pid AS pid",
        ))
        .await?;
    Ok(rows.first().map(|r| LockInfo {
        owner: r.get("owner").unwrap_or_default(),
        acquired_at: r.get("acquired_at").ok(),
        expires_at: r.get("expires_at").ok(),
        expired: r.get("expired").unwrap_or(false),
        holder_gone: holder_gone(
            r.get::<String>("host").ok().as_deref(),
            r.get::<String>("pid_ns").ok().as_deref(),
            r.get("pid").ok(),
        ),
    }))
}

enum Attempt {
    /// Taken; from a dead holder when it says so.
    Acquired(Option<LockInfo>),
    Held(LockInfo),
}

async fn try_acquire(db: &Db, owner: &str, lease: Duration) -> Result<Attempt> {
    // Read first: while the holder commits a step, its transaction keeps the lock node
    // write-locked (see [`Lock::owned`]), so writing it now would wait inside the database,
    // past `--lock-timeout`, instead of polling.
    let mut dead = None;
    if let Some(info) = current(db).await? {
        if info.holder_gone && info.owner != owner {
            dead = Some(info);
        } else if !info.expired && info.owner != owner {
            return Ok(Attempt::Held(info));
        }
    }
    let cypher = "MERGE (l:__CymigLock {name: 'cymig'}) \
         SET l.touched_at = datetime() \
         WITH l, l.owner AS previous, l.expires_at AS previous_expiry, \
              (l.owner IS NULL OR l.owner = $owner OR l.expires_at < datetime() OR coalesce(l.owner = $dead, false)) AS free \
         FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END | \
             SET l.owner = $owner, l.acquired_at = datetime(), \
                 l.expires_at = datetime() + duration({milliseconds: $lease_ms}), \
                 l.host = $host, l.pid_ns = $pid_ns, l.pid = $pid) \
         RETURN free, previous, toString(previous_expiry) AS previous_expiry";
    let q = query(cypher)
        .param("owner", owner)
        .param("lease_ms", lease.as_millis() as i64)
        .param("dead", dead.as_ref().map(|d| d.owner.clone()))
        .param("host", host_name())
        .param("pid_ns", pid_namespace())
        .param("pid", i64::from(std::process::id()));
    let mut txn = db.begin().await.map_err(|e| db.error("could not start the lock transaction", e))?;
    let rows = match db.within(txn_rows(&mut txn, q)).await {
        Ok(rows) => rows,
        // The server gave up waiting for the lock node (its holder is mid-write): poll again.
        Err(e) if is_transient(&e) => {
            let _ = txn.rollback().await;
            return Ok(Attempt::Held(LockInfo {
                owner: "another process".into(),
                acquired_at: None,
                expires_at: None,
                expired: false,
                holder_gone: false,
            }));
        }
        Err(e) => {
            let _ = txn.rollback().await;
            return Err(db.error("could not take the migration lock", e));
        }
    };
    db.within(txn.commit()).await.map_err(|e| db.error("could not take the migration lock", e))?;
    let row = rows.first().ok_or_else(|| Error::Internal("lock query returned no row".into()))?;
    let previous: Option<String> = row.get("previous").ok();
    if row.get::<bool>("free").unwrap_or(false) {
        Ok(Attempt::Acquired(dead.filter(|d| previous.as_deref() == Some(d.owner.as_str()))))
    } else {
        Ok(Attempt::Held(LockInfo {
            owner: previous.unwrap_or_default(),
            acquired_at: None,
            expires_at: row.get("previous_expiry").ok(),
            expired: false,
            holder_gone: false,
        }))
    }
}

impl Lock {
    /// Takes the lock, waiting up to `timeout` for its holder to release it or for its lease to
    /// expire. `lease` is how long the lock outlives this process if it dies.
    pub async fn acquire(db: &Db, owner: &str, lease: Duration, timeout: Duration) -> Result<Lock> {
        let started = Instant::now();
        loop {
            match try_acquire(db, owner, lease).await? {
                Attempt::Acquired(dead) => {
                    let mut lock = Lock::hold(db.clone(), owner.to_string(), lease);
                    lock.took_over_from = dead;
                    return Ok(lock);
                }
                Attempt::Held(info) if started.elapsed() >= timeout => {
                    return Err(Error::Database(format!(
                        "the migration lock is held by `{}` (lease until {}); waited {}s (--lock-timeout). \
                         If that process is gone, its lock is taken over automatically once the lease \
                         expires, or run `cymig unlock` after it expired",
                        info.owner,
                        info.expires_at.as_deref().unwrap_or("?"),
                        timeout.as_secs()
                    )))
                }
                Attempt::Held(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    fn hold(db: Db, owner: String, lease: Duration) -> Lock {
        let lost = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(tokio::sync::Notify::new());
        let renewer = tokio::spawn(renew_forever(db.clone(), owner.clone(), lease, lost.clone(), stop.clone()));
        Lock { db, owner, lease, lost, took_over_from: None, stop, renewer: Some(renewer) }
    }

    /// `write` (one of cymig's own history statements) behind the ownership check: the statement
    /// takes the lock node's write lock (held until its transaction commits), renews the lease,
    /// and returns one row, with `write` done, only while this process is still the owner; no row
    /// and nothing written otherwise.
    ///
    /// The owner, not the lease, is the fence: a lease that ran out while nobody took the lock
    /// over (a paused process) still belongs to us, and taking it over means writing `owner`,
    /// which the write lock excludes until commit. Run last in an explicit step's transaction
    /// (so the step adds one request to its statements), or alone in auto-commit mode around an
    /// auto-commit step: one request instead of four (begin, check, write, commit).
    pub fn owned(&self, write: neo4rs::Query) -> neo4rs::Query {
        query(&owned_text(write.query()))
            .with_params(write.get_params().clone())
            .param("owner", self.owner.as_str())
            .param("lease_ms", self.lease.as_millis() as i64)
    }

    /// Whether a [`Lock::owned`] write whose rows were discarded (one round trip inside a
    /// transaction: [`super::connect::txn_run`]) ran as the owner. The check sets `touched_at`
    /// whoever runs it and `expires_at` only for the owner, and Neo4j counts a SET even when the
    /// value is unchanged, so only the owner's run sets two properties or more.
    pub fn ran_owned(changed: &super::counters::Counters) -> bool {
        changed.properties_set >= 2
    }

    /// [`Lock::owned`] that first waits up to `secs` for every index to come online
    /// (`db.awaitIndexes`): when the wait fails, nothing is written.
    pub fn owned_after_index_wait(&self, secs: i64, write: neo4rs::Query) -> neo4rs::Query {
        query(&owned_text_after("CALL db.awaitIndexes($__cymig_await_secs) ", write.query()))
            .with_params(write.get_params().clone())
            .param("owner", self.owner.as_str())
            .param("lease_ms", self.lease.as_millis() as i64)
            .param("__cymig_await_secs", secs)
    }

    /// `false` once a renewal found the lock taken by someone else.
    pub fn still_held(&self) -> bool {
        !self.lost.load(Ordering::SeqCst)
    }

    /// Releases the lock once the work done under it has ended, whatever its outcome; the work's
    /// own error is the one reported when both fail.
    pub async fn release_after<T>(self, outcome: Result<T>) -> Result<T> {
        let released = self.release().await;
        let value = outcome?;
        released?;
        Ok(value)
    }

    pub async fn release(mut self) -> Result<()> {
        self.stop.notify_one();
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.await;
        }
        self.db
            .run(
                query(
                    "MATCH (l:__CymigLock {name: 'cymig'}) WHERE l.owner = $owner \
                     SET l.owner = null, l.expires_at = null, l.released_at = datetime()",
                )
                .param("owner", self.owner.as_str()),
            )
            .await
            .map(drop)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

async fn renew_forever(db: Db, owner: String, lease: Duration, lost: Arc<AtomicBool>, stop: Arc<tokio::sync::Notify>) {
    let period = (lease / 3).max(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.notified() => return,
        }
        let q = query(&format!(
            "{REUSE_PLAN}MATCH (l:__CymigLock {{name: 'cymig'}}) WHERE l.owner = $owner \
             SET l.expires_at = datetime() + duration({{milliseconds: $lease_ms}}) RETURN l.owner AS owner",
        ))
        .param("owner", owner.as_str())
        .param("lease_ms", lease.as_millis() as i64);
        match db.rows(q).await {
            Ok(rows) if rows.is_empty() => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // A failed renewal is retried; the lease covers a few missed periods.
            _ => {}
        }
    }
}

/// `cymig unlock`: clears the lock only when its lease has expired or its holder is known dead.
pub async fn unlock_stale(db: &Db) -> Result<Option<LockInfo>> {
    let Some(info) = current(db).await? else { return Ok(None) };
    if !info.expired && !info.holder_gone {
        return Err(Error::Usage(format!(
            "the migration lock is held by `{}` and its lease runs until {}; it is not stale. \
             Stop that process, or wait for the lease to expire",
            info.owner,
            info.expires_at.as_deref().unwrap_or("?")
        )));
    }
    db.run(
        query(
            "MATCH (l:__CymigLock {name: 'cymig'}) SET l.touched_at = datetime() \
             WITH l WHERE l.expires_at < datetime() OR (l.owner = $owner AND $gone) \
             SET l.owner = null, l.expires_at = null, l.released_at = datetime()",
        )
        .param("owner", info.owner.as_str())
        .param("gone", info.holder_gone),
    )
    .await?;
    Ok(Some(info))
}

#[cfg(test)]
mod tests {
    use super::owned_text;
    use crate::exec::history::REUSE_PLAN;

    #[test]
    fn an_owned_write_is_one_statement_that_parses() {
        let write = format!("{REUSE_PLAN}MERGE (m:__CymigMigration {{key: $key}}) SET m.status = $status");
        let text = owned_text(&write);
        let script = crate::syntax::parse(&text);
        assert!(script.errors.is_empty(), "{text}: {:?}", script.errors);
        assert_eq!(script.statements.len(), 1, "{text}");
        assert_eq!(text.matches("CYPHER").count(), 1, "{text}");
        assert!(text.ends_with("RETURN l.owner AS owner"), "{text}");
        let awaiting = super::owned_text_after("CALL db.awaitIndexes($s) ", &write);
        assert!(crate::syntax::parse(&awaiting).errors.is_empty(), "{awaiting}");
        assert!(awaiting.starts_with(&format!("{REUSE_PLAN}CALL db.awaitIndexes($s) MATCH (l:")), "{awaiting}");
    }
}
