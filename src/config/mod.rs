//! `cymig.toml`: found by walking up from the linted path (the first one found wins;
//! `--config <file>` overrides the search); CLI flags override it.
//!
//! ```toml
//! migrations = "migrations"      # relative to this file; or the [migrations] table below
//! target = "5"                   # Neo4j version: "4.4", "5" or "2025" (2025.x and later)
//! edition = "community"          # or "enterprise"
//!
//! [migrations]                   # instead of the `migrations` string
//! dir = "migrations"
//! layout = "auto"                # or "flyway", "neo4j-migrations", "golang-migrate", "numbered",
//!                                # "timestamp", "liquibase"; "custom" with the patterns:
//! up = "{version}-{description}.cypher"   # down, repeatable, callback likewise
//!
//! [lint]
//! select = []                    # rules to run; empty = all
//! ignore = ["label-less-scan"]
//!
//! [lint.per-path-ignores]
//! "legacy/**" = ["exists-function", "legacy-index-syntax"]
//!
//! [lint.severity]
//! cartesian-product = "error"    # "error" | "warning" | "info" | "off"
//!
//! [lint.batching]
//! default-batch-size = 10000
//! max-unbatched-rows = 100000    # `up` refuses an unbatched data step driven by more rows
//!
//! [database]
//! uri = "neo4j://localhost:7687"
//! user = "neo4j"
//! database = "neo4j"
//! password-file = "/run/secrets/neo4j"   # or NEO4J_PASSWORD; never a password key
//! lock-timeout = "60s"
//! lease = "5m"
//! connect-timeout = "15s"        # TCP connect + Bolt handshake + login
//! request-timeout = "60s"        # each of cymig's own queries (history, lock, status)
//!
//! [hooks]
//! pre-up = "neo4j-admin database dump neo4j --to-path=backups"
//! ```
//!
//! The keys are one table (`keys::KEYS`): each is declared once with how it is read and how
//! `cymig config --show` prints it, and the reader accepts no other key. Keys are validated with
//! their exact position: an unknown key is a configuration error (exit 2) naming the key, file,
//! line and column and listing the valid keys. Error messages never echo values from the file
//! (a typo'd key may hold a secret).

mod duration;
mod keys;
mod read;
mod redact;
mod settings;
mod show;

pub use duration::{format_duration, parse_duration};
pub use redact::{
    mask_cypher_passwords, password_literals, redact_command, redact_cypher_passwords, redact_uri, Secrets, TextKind,
};
pub use settings::*;
pub use show::{display_path, effective_settings, Shown, ShownValue};

use crate::error::{Error, Result};
use crate::migration::convention::Convention;
use read::Reader;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const CONFIG_FILE: &str = "cymig.toml";

/// The effective settings: defaults, then `cymig.toml`, then command-line flags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// The `cymig.toml` in effect, if any.
    pub file: Option<PathBuf>,
    /// The directory relative paths in the config are resolved against: the config file's
    /// directory, or the current directory without one.
    pub base_dir: PathBuf,
    /// The migrations directory (resolved against `base_dir`).
    pub migrations: PathBuf,
    /// How its files are named: detected (`auto`), a named layout or custom patterns.
    #[serde(skip)]
    pub layout: Convention,
    pub target: TargetVersion,
    pub edition: Edition,
    pub lint: LintSettings,
    pub database: DatabaseSettings,
    pub hooks: Hooks,
    /// `[migrations.placeholders]`: values of the neo4j-migrations `${name}` placeholders.
    pub placeholders: BTreeMap<String, String>,
    /// Where each setting (dotted key, e.g. `lint.select`) came from; absent = default.
    #[serde(skip)]
    pub origins: BTreeMap<String, Origin>,
    /// Every rule name written in the config, with its position, for validation against the
    /// rule registry.
    #[serde(skip)]
    pub rule_references: Vec<RuleReference>,
}

/// A rule name in `cymig.toml` and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleReference {
    pub name: String,
    /// `lint.select`, `lint.severity`, …
    pub key: String,
    pub origin: Origin,
    /// 1-based line and column in the config file (0 for command-line flags).
    pub line: usize,
    pub column: usize,
}

impl Default for Config {
    fn default() -> Self {
        let base_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Config::defaults_in(base_dir)
    }
}

/// Command-line flags that override `cymig.toml` (each `None`/empty = not given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliOverrides {
    /// `--config <file>`: use this file instead of searching.
    pub config: Option<PathBuf>,
    /// `--no-config`: ignore every `cymig.toml`.
    pub no_config: bool,
    pub migrations: Option<PathBuf>,
    pub target: Option<TargetVersion>,
    pub edition: Option<Edition>,
    /// Replaces `lint.select`.
    pub select: Vec<String>,
    /// Added to `lint.select` (after `select` replaced it, if given).
    pub extend_select: Vec<String>,
    /// Added to `lint.ignore`.
    pub ignore: Vec<String>,
    pub uri: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub password_file: Option<PathBuf>,
    pub lock_timeout: Option<Duration>,
    pub lease: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
}

impl Config {
    /// Built-in defaults, with relative paths resolved against `base_dir`.
    pub fn defaults_in(base_dir: PathBuf) -> Config {
        Config {
            file: None,
            migrations: base_dir.join("migrations"),
            layout: Convention::Auto,
            base_dir,
            target: TargetVersion::default(),
            edition: Edition::default(),
            lint: LintSettings::default(),
            database: DatabaseSettings::default(),
            hooks: Hooks::default(),
            placeholders: BTreeMap::new(),
            origins: BTreeMap::new(),
            rule_references: Vec::new(),
        }
    }

    /// The effective configuration for linting `start` (a file or directory): the
    /// `cymig.toml` found by walking up from it (or `--config`), then the flags.
    pub fn load(start: &Path, overrides: &CliOverrides) -> Result<Config> {
        let file = if overrides.no_config {
            None
        } else if let Some(explicit) = &overrides.config {
            if !explicit.is_file() {
                return Err(Error::Config {
                    path: Some(explicit.clone()),
                    message: "the configuration file given with --config does not exist".into(),
                });
            }
            Some(explicit.clone())
        } else {
            discover(start)
        };
        let mut config = match file {
            Some(path) => Config::from_file(&path)?,
            None => Config::defaults_in(absolute(Path::new("."))),
        };
        config.apply(overrides);
        Ok(config)
    }

    /// Reads and validates one `cymig.toml`.
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        Config::from_toml(&text, path)
    }

    /// Parses `text` as the `cymig.toml` at `path` (relative paths resolve against its
    /// directory).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config> {
        let path = absolute(path);
        let base_dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let mut config = Config::defaults_in(base_dir);
        config.file = Some(path.clone());
        Reader::read(text, &path, config)
    }

    /// Applies command-line flags: they win over the file.
    pub fn apply(&mut self, o: &CliOverrides) {
        if let Some(m) = &o.migrations {
            self.migrations = absolute(m);
            self.set_origin("migrations.dir", Origin::Cli);
        }
        if let Some(t) = o.target {
            self.target = t;
            self.set_origin("target", Origin::Cli);
        }
        if let Some(e) = o.edition {
            self.edition = e;
            self.set_origin("edition", Origin::Cli);
        }
        if !o.select.is_empty() {
            self.lint.select = o.select.clone();
            self.set_origin("lint.select", Origin::Cli);
        }
        // An empty selection is every rule: extending it selects nothing more, and must not
        // narrow it to the rules named.
        if !o.extend_select.is_empty() && !self.lint.select.is_empty() {
            self.lint.select.extend(o.extend_select.iter().cloned());
            self.set_origin("lint.select", Origin::Cli);
        }
        if !o.ignore.is_empty() {
            self.lint.ignore.extend(o.ignore.iter().cloned());
            self.set_origin("lint.ignore", Origin::Cli);
        }
        for name in o.select.iter().chain(&o.extend_select).chain(&o.ignore) {
            self.rule_references.push(RuleReference {
                name: name.clone(),
                key: "command line".into(),
                origin: Origin::Cli,
                line: 0,
                column: 0,
            });
        }
        let db = &mut self.database;
        let mut cli_keys = Vec::new();
        if let Some(v) = &o.uri {
            db.uri = v.clone();
            cli_keys.push("database.uri");
        }
        if let Some(v) = &o.user {
            db.user = v.clone();
            cli_keys.push("database.user");
        }
        if let Some(v) = &o.database {
            db.database = Some(v.clone());
            cli_keys.push("database.database");
        }
        if let Some(v) = &o.password_file {
            db.password_file = Some(absolute(v));
            cli_keys.push("database.password-file");
        }
        if let Some(v) = o.lock_timeout {
            db.lock_timeout = v;
            cli_keys.push("database.lock-timeout");
        }
        if let Some(v) = o.lease {
            db.lease = v;
            cli_keys.push("database.lease");
        }
        if let Some(v) = o.connect_timeout {
            db.connect_timeout = v;
            cli_keys.push("database.connect-timeout");
        }
        if let Some(v) = o.request_timeout {
            db.request_timeout = v;
            cli_keys.push("database.request-timeout");
        }
        for key in cli_keys {
            self.set_origin(key, Origin::Cli);
        }
    }

    /// Where `key` (dotted, e.g. `lint.batching.default-batch-size`) came from.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }

    fn set_origin(&mut self, key: &str, origin: Origin) {
        self.origins.insert(key.to_string(), origin);
    }

    /// The password from `NEO4J_PASSWORD` or `password-file`, never printed. `None`: prompt.
    pub fn password(&self) -> Result<Option<String>> {
        if let Some(p) = env_password() {
            return Ok(Some(p));
        }
        match &self.database.password_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.clone(), source })?;
                Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()))
            }
            None => Ok(None),
        }
    }

    /// Where the password will come from, for `config --show` (never the password itself).
    pub fn password_source(&self) -> String {
        if env_password().is_some() {
            "$NEO4J_PASSWORD (set)".into()
        } else if let Some(p) = &self.database.password_file {
            format!("password-file {}", p.display())
        } else {
            "prompt (set NEO4J_PASSWORD or database.password-file)".into()
        }
    }
}

/// `NEO4J_PASSWORD` when set and not empty: `NEO4J_PASSWORD=` (an unset variable left in a CI
/// template, say) counts as unset, as NEO4J_URI and NEO4J_USERNAME do, so the password file or
/// the prompt is used instead of an empty password.
pub fn env_password() -> Option<String> {
    std::env::var("NEO4J_PASSWORD").ok().filter(|p| !p.is_empty())
}

/// The first `cymig.toml` in `start` (or its directory, if it is a file) or any parent.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    let dir = if start.is_file() { start.parent()?.to_path_buf() } else { start };
    dir.ancestors().map(|d| d.join(CONFIG_FILE)).find(|candidate| candidate.is_file())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let joined = cwd.join(path);
    // Lexically drop `.` components so displayed paths stay tidy.
    joined.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect()
}

#[cfg(test)]
mod tests;
