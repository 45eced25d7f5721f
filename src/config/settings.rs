//! The settings' types and their defaults: what `cymig.toml` and the flags resolve to.

use super::duration::serialize_duration;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The Neo4j version migrations are written for. Ordered: `V4_4 < V5 < V2025`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TargetVersion {
    /// Neo4j 4.4 (and older 4.x).
    #[serde(rename = "4.4")]
    V4_4,
    /// Neo4j 5.x (5.26 LTS).
    #[default]
    #[serde(rename = "5")]
    V5,
    /// Neo4j 2025.01 and later calendar versions (Cypher 25 available).
    #[serde(rename = "2025")]
    V2025,
}

impl TargetVersion {
    pub const VALID: &'static str = "`4.4`, `5` or `2025` (`5.26`, `2025.06`, … are accepted too)";

    /// `4.4`, `4`, `4.x`; `5`, `5.26`; `2025`, `2025.06`, `2026`, `25`.
    pub fn parse(text: &str) -> Option<TargetVersion> {
        let text = text.trim();
        let major = text.split('.').next()?;
        let major: u32 = major.parse().ok()?;
        let rest_ok = text.split('.').skip(1).all(|p| p == "x" || p.parse::<u32>().is_ok());
        if !rest_ok {
            return None;
        }
        match major {
            4 => Some(TargetVersion::V4_4),
            5 => Some(TargetVersion::V5),
            25 => Some(TargetVersion::V2025),
            y if y >= 2025 => Some(TargetVersion::V2025),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetVersion::V4_4 => "4.4",
            TargetVersion::V5 => "5",
            TargetVersion::V2025 => "2025",
        }
    }
}

impl fmt::Display for TargetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TargetVersion {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        TargetVersion::parse(s).ok_or_else(|| format!("unknown Neo4j version `{s}`; use {}", Self::VALID))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    #[default]
    Community,
    Enterprise,
}

impl Edition {
    pub fn parse(text: &str) -> Option<Edition> {
        match text.trim().to_ascii_lowercase().as_str() {
            "community" => Some(Edition::Community),
            "enterprise" => Some(Edition::Enterprise),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::Community => "community",
            Edition::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Edition {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Edition::parse(s).ok_or_else(|| format!("unknown edition `{s}`; use `community` or `enterprise`"))
    }
}

/// A severity override in `[lint.severity]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    Error,
    Warning,
    Info,
    /// The rule does not run.
    Off,
}

impl RuleSeverity {
    pub fn parse(text: &str) -> Option<RuleSeverity> {
        match text {
            "error" => Some(RuleSeverity::Error),
            "warning" | "warn" => Some(RuleSeverity::Warning),
            "info" => Some(RuleSeverity::Info),
            "off" => Some(RuleSeverity::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleSeverity::Error => "error",
            RuleSeverity::Warning => "warning",
            RuleSeverity::Info => "info",
            RuleSeverity::Off => "off",
        }
    }

    /// The diagnostic severity, or `None` for `off`.
    pub fn severity(self) -> Option<crate::diagnostic::Severity> {
        use crate::diagnostic::Severity;
        match self {
            RuleSeverity::Error => Some(Severity::Error),
            RuleSeverity::Warning => Some(Severity::Warning),
            RuleSeverity::Info => Some(Severity::Info),
            RuleSeverity::Off => None,
        }
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "source", content = "detail")]
pub enum Origin {
    Default,
    /// A `cymig.toml`.
    File(PathBuf),
    /// A command-line flag.
    Cli,
    /// An environment variable (its name).
    Env(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Cli => f.write_str("command line"),
            Origin::Env(var) => write!(f, "${var}"),
        }
    }
}

/// `[lint.per-path-ignores]`: rules ignored in files matching a glob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PerPathIgnore {
    /// `*` matches within one path segment, `**` any number of segments, `?` one character.
    /// A pattern without `/` matches the file name in any directory; one with `/` matches the
    /// linted path from any directory boundary (`legacy/**` matches `db/legacy/V1__x.cypher`).
    /// See `migration::glob::glob_matches`, the one matcher.
    pub pattern: String,
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batching {
    /// The batch size the `unbatched-write` fix writes into `IN TRANSACTIONS OF n ROWS`.
    pub default_batch_size: u64,
    /// `cymig up` counts the driving rows of an unbatched data statement before running it and
    /// refuses above this many (`--allow-large-unbatched` overrides): one transaction holding
    /// them all is what runs Neo4j out of memory.
    pub max_unbatched_rows: u64,
}

impl Default for Batching {
    fn default() -> Self {
        Batching { default_batch_size: 10_000, max_unbatched_rows: 100_000 }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LintSettings {
    /// Rules to run; empty means every rule.
    pub select: Vec<String>,
    /// Rules not to run.
    pub ignore: Vec<String>,
    pub per_path_ignores: Vec<PerPathIgnore>,
    pub severity: BTreeMap<String, RuleSeverity>,
    pub batching: Batching,
    /// Globs of files and directories `cymig lint` does not read (besides hidden, ignored,
    /// `node_modules` and `target`), in the syntax of `per-path-ignores`.
    pub exclude: Vec<String>,
    /// More such globs, added to `exclude`.
    pub extend_exclude: Vec<String>,
    /// Signatures of the server's own procedures (plugins), as `SHOW PROCEDURES` prints them:
    /// `semantic-error` checks calls to them. Each was checked to parse when read.
    pub procedures: Vec<String>,
}

impl LintSettings {
    /// `exclude` and `extend-exclude` together.
    pub fn excluded(&self) -> Vec<String> {
        self.exclude.iter().chain(&self.extend_exclude).cloned().collect()
    }
}

/// Connection settings. There is deliberately no password: it comes from `NEO4J_PASSWORD`,
/// `password-file` or a prompt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatabaseSettings {
    pub uri: String,
    pub user: String,
    /// `None`: the server's default database.
    pub database: Option<String>,
    pub password_file: Option<PathBuf>,
    #[serde(serialize_with = "serialize_duration")]
    pub lock_timeout: Duration,
    /// How long a migration lock is valid without renewal; a dead owner's lock can be taken
    /// over after it expired.
    #[serde(serialize_with = "serialize_duration")]
    pub lease: Duration,
    /// Opening a connection: TCP connect, Bolt handshake and login.
    #[serde(serialize_with = "serialize_duration")]
    pub connect_timeout: Duration,
    /// Each of cymig's own requests (history, lock, status); migration statements are bounded
    /// by the server's `db.transaction.timeout` instead, since cancelling one client-side would
    /// leave it running on the server.
    #[serde(serialize_with = "serialize_duration")]
    pub request_timeout: Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            uri: "bolt://localhost:7687".into(),
            user: "neo4j".into(),
            database: None,
            password_file: None,
            lock_timeout: Duration::from_secs(60),
            lease: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Hooks {
    /// A shell command run before `cymig up`; `up` aborts if it fails.
    pub pre_up: Option<String>,
}
