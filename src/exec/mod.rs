//! The executor: applies a checked plan to Neo4j over Bolt, with history, locking and recovery.
//!
//! Contract with the compiler: the [`CheckedPlan`] holds *every* migration of the set in version
//! order (applied ones included, so checksums can be compared); the executor decides what is
//! pending from the history in the database. Each migration's `steps` are its up transaction
//! units; its `down` is the whole down script (explicit or derived), which the executor splits
//! into units itself; `verify` holds queries that must return `true`.
//!
//! - [`connect`]: options, the connection, secrets kept out of messages;
//! - [`history`]: the history nodes (documented in the README, queryable with plain Cypher);
//! - [`lock`]: the lease-based migration lock;
//! - [`apply`]: `up`, `down`, `retry` with crash-safe bookkeeping;
//! - [`dryrun`]: run-and-roll-back previews; [`fingerprint`]: schema + data snapshots;
//! - [`status`]: what is applied, pending, failed, running, drifted; [`admin`]: `mark-applied`,
//!   `repair`, `validate`, `baseline`, `unlock`; [`adopt`]: `baseline --from neo4j-migrations`;
//!   [`prove`]: `cymig verify`, against [`decoy`] data;
//! - [`missing`]: applied migrations whose file is gone;
//! - [`schema_effects`]: what each schema statement really did, and the `down` that undoes that.
//! - [`preconditions`], [`callbacks`]: neo4j-migrations' `// assume` / `// assert` and lifecycle
//!   callbacks, run as that tool runs them.

pub mod admin;
pub mod adopt;
pub mod apply;
pub mod callbacks;
pub mod connect;
pub mod counters;
pub mod decoy;
pub mod dryrun;
pub mod fingerprint;
pub mod history;
pub mod lock;
pub mod missing;
pub mod pipeline;
pub mod placeholders;
pub mod preconditions;
pub mod progress;
pub mod prove;
pub mod schema_effects;
pub mod status;

#[cfg(test)]
mod tests;

pub use apply::{Applied, DownSelection};
pub use connect::{ConnectionOptions, Db, Secret};

use crate::plan::MigrationPlan;
use std::time::Duration;

/// How the executor behaves; the CLI fills it from flags and `cymig.toml`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Recorded as `applied_by` and in the lock owner.
    pub applied_by: String,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
    /// How long a lock outlives a process that died without releasing it.
    pub lock_lease: Duration,
    /// `db.awaitIndexes` timeout after schema steps.
    pub index_timeout: Duration,
    /// Retries of an explicit step after `Neo.TransientError.*`.
    pub max_retries: u32,
    /// Shell command run before `up` applies anything; a non-zero exit aborts.
    pub pre_up_hook: Option<String>,
    /// Show spinners (on a terminal only).
    pub progress: bool,
    /// Off a terminal, print a line this often while a step runs (zero: never).
    pub progress_every: Duration,
    /// Print one line per migration to stderr.
    pub verbose: bool,
    /// Refuse an unbatched data statement whose driving query counts more rows (`None`: no
    /// limit, as with `--allow-large-unbatched`).
    pub max_unbatched_rows: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            applied_by: std::env::var("USER").unwrap_or_else(|_| "cymig".into()),
            lock_timeout: Duration::from_secs(60),
            lock_lease: Duration::from_secs(30),
            index_timeout: Duration::from_secs(300),
            max_retries: 5,
            pre_up_hook: None,
            progress: true,
            progress_every: Duration::from_secs(10),
            verbose: true,
            max_unbatched_rows: None,
        }
    }
}

/// Applies plans to one database.
pub struct Executor {
    pub db: Db,
    pub options: Options,
    owner: String,
}

impl Executor {
    pub fn new(db: Db, options: Options) -> Self {
        let owner = lock::owner_name(&options.applied_by);
        Executor { db, options, owner }
    }

    pub(crate) fn say(&self, line: &str) {
        if self.options.verbose {
            eprintln!("cymig: {line}");
        }
    }
}

/// The history key of a migration: its normalised version, or `R:<description>` when repeatable.
/// Normalised so that renaming `V5__x` to `V005__x` or `V5.0__x` names the same migration.
pub fn migration_key(m: &MigrationPlan) -> String {
    match &m.version {
        Some(v) => v.history_key(),
        None => format!("R:{}", m.description),
    }
}

/// A version as the history stores and compares it: numeric parts without leading zeros or
/// trailing zero parts, joined by `.` (`005` -> `5`, `1_10_0` -> `1.10`, `0` -> `0`). A string
/// that is not a version (a hand-written record, a repeatable's `R:` key) is kept as it is.
pub fn normalise_version(raw: &str) -> String {
    let trimmed = raw.strip_prefix(['V', 'v']).unwrap_or(raw);
    crate::migration::Version::parse(trimmed).map_or_else(|_| raw.to_string(), |v| v.history_key())
}

/// A random number for owner names (no `rand` dependency for four bytes).
pub(crate) fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish() as u32
}

#[cfg(test)]
mod version_tests {
    use super::normalise_version;

    #[test]
    fn spellings_of_one_version_normalise_alike() {
        for raw in ["5", "005", "5.0", "5_0", "V5", "05_0_0"] {
            assert_eq!(normalise_version(raw), "5", "{raw}");
        }
        assert_eq!(normalise_version("1_010"), "1.10");
        assert_eq!(normalise_version("0_0"), "0");
        assert_eq!(normalise_version("R:seed"), "R:seed");
        assert_eq!(normalise_version("1..2"), "1..2");
    }
}
