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
//! Keys are validated with their exact position: an unknown key is a configuration error
//! (exit 2) naming the key, file, line and column and listing the valid keys. Error messages
//! never echo values from the file (a typo'd key may hold a secret).

use crate::error::{Error, Result};
use crate::migration::convention::{Convention, LayoutKind, Pattern, PatternRole, Patterns, LAYOUT_NAMES};
use crate::suggest::edit_distance;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml_edit::{Item, TableLike, Value};

pub const CONFIG_FILE: &str = "cymig.toml";

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
        let reader = Reader { text, path: &path };
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| reader.syntax_error(&e))?;
        reader.read_into(doc.as_table(), &mut config)?;
        Ok(config)
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

// ---------------------------------------------------------------------------------------------
// Reading the TOML document with exact positions
// ---------------------------------------------------------------------------------------------

/// Every table of `cymig.toml` with the keys it accepts, in file order: what the reader checks
/// keys against, and what `cymig config --show` prints (a test holds the two together).
/// `migrations` is a directory or a table; `lint.per-path-ignores` and `lint.severity` take any
/// glob or rule as a key.
pub const KEYS: &[(&str, &[&str])] = &[
    ("", &["migrations", "target", "edition", "lint", "database", "hooks"]),
    ("migrations", &["dir", "layout", "up", "down", "repeatable", "callback", "placeholders"]),
    ("lint", &["select", "ignore", "per-path-ignores", "severity", "batching", "exclude", "extend-exclude"]),
    // `max-unbatched-rows` is read by `cymig up` (it counts a step's driving rows), not by the
    // `unbatched-write` rule, which flags unbounded drivers whatever their size.
    ("lint.batching", &["default-batch-size", "max-unbatched-rows"]),
    (
        "database",
        &["uri", "user", "database", "password-file", "lock-timeout", "lease", "connect-timeout", "request-timeout"],
    ),
    ("hooks", &["pre-up"]),
];

/// The keys `table` accepts (none for a table [`KEYS`] does not list).
fn keys_of(table: &str) -> &'static [&'static str] {
    KEYS.iter().find(|(name, _)| *name == table).map_or(&[], |(_, keys)| keys)
}

struct Reader<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Reader<'_> {
    fn read_into(&self, top: &toml_edit::Table, config: &mut Config) -> Result<()> {
        self.check_keys(top, "")?;
        if let Some((key, item)) = top.get_key_value("migrations") {
            match item.as_table_like() {
                Some(table) => self.read_migrations(table, config)?,
                None if item.is_str() => self.read_migrations_dir(item, key, config)?,
                None => return Err(self.type_error(item, "migrations", key, "a directory or a [migrations] table")),
            }
        }
        if let Some((key, item)) = top.get_key_value("target") {
            config.target = self.target(item, key)?;
            self.mark(config, "target");
        }
        if let Some((key, item)) = top.get_key_value("edition") {
            let text = self.string(item, "edition", key)?;
            config.edition = Edition::parse(&text).ok_or_else(|| {
                self.error_at(item_span(item, key), "`edition` must be \"community\" or \"enterprise\"")
            })?;
            self.mark(config, "edition");
        }
        if let Some((key, item)) = top.get_key_value("lint") {
            let lint = self.table(item, "lint", key)?;
            self.read_lint(lint, config)?;
        }
        if let Some((key, item)) = top.get_key_value("database") {
            let database = self.table(item, "database", key)?;
            self.read_database(database, config)?;
        }
        if let Some((key, item)) = top.get_key_value("hooks") {
            let hooks = self.table(item, "hooks", key)?;
            self.check_keys(hooks, "hooks")?;
            if let Some((key, item)) = hooks.get_key_value("pre-up") {
                config.hooks.pre_up = Some(self.string(item, "hooks.pre-up", key)?);
                self.mark(config, "hooks.pre-up");
            }
        }
        Ok(())
    }

    fn read_migrations_dir(&self, item: &Item, key: &toml_edit::Key, config: &mut Config) -> Result<()> {
        let dir = self.string(item, "migrations.dir", key)?;
        config.migrations = config.base_dir.join(dir);
        self.mark(config, "migrations.dir");
        Ok(())
    }

    /// `[migrations]`: `dir`, and `layout` or custom patterns (which imply `layout = "custom"`).
    fn read_migrations(&self, table: &dyn TableLike, config: &mut Config) -> Result<()> {
        self.check_keys(table, "migrations")?;
        if let Some((key, item)) = table.get_key_value("dir") {
            self.read_migrations_dir(item, key, config)?;
        }
        if let Some((key, item)) = table.get_key_value("placeholders") {
            let placeholders = self.table(item, "migrations.placeholders", key)?;
            for (name, _) in placeholders.iter() {
                let Some((key, item)) = placeholders.get_key_value(name) else { continue };
                let value = self.string(item, &format!("migrations.placeholders.{name}"), key)?;
                config.placeholders.insert(name.to_string(), value);
            }
            self.mark(config, "migrations.placeholders");
        }
        let layout = match table.get_key_value("layout") {
            Some((key, item)) => Some((self.layout_name(item, key)?, item_span(item, key))),
            None => None,
        };
        let patterns = self.patterns(table)?;
        config.layout = match (layout, patterns) {
            (None, None) => return Ok(()),
            (Some((name, _)), None) if name != "custom" => {
                LayoutKind::parse(&name).map_or(Convention::Auto, Convention::Named)
            }
            (Some((_, span)), None) => {
                return Err(self.error_at(span, "`migrations.layout = \"custom\"` needs an `up` pattern"));
            }
            (Some((name, span)), Some(_)) if name != "custom" => {
                return Err(self.error_at(
                    span,
                    "`migrations.layout` names a built-in layout, which cannot be combined with the patterns \
                     `up`, `down`, `repeatable`, `callback`: remove it, or set it to \"custom\"",
                ));
            }
            (_, Some(patterns)) => Convention::Custom(patterns),
        };
        self.mark(config, "migrations.layout");
        Ok(())
    }

    /// The value of `migrations.layout`: one of [`LAYOUT_CHOICES`], or `custom`.
    fn layout_name(&self, item: &Item, key: &toml_edit::Key) -> Result<String> {
        let name = self.string(item, "migrations.layout", key)?;
        if LAYOUT_NAMES.contains(&name.as_str()) {
            return Ok(name);
        }
        let mut message = format!(
            "`migrations.layout` must be one of {} (\"custom\" goes with `up`, `down`, `repeatable` and `callback` patterns)",
            LAYOUT_NAMES.map(|n| format!("\"{n}\"")).join(", ")
        );
        if let Some(close) = closest(&name, &LAYOUT_NAMES) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        }
        Err(self.error_at(item_span(item, key), &message))
    }

    /// The custom patterns, if any is given; `up` is required with the others.
    fn patterns(&self, table: &dyn TableLike) -> Result<Option<Patterns>> {
        let read = |name: &str, role: PatternRole| -> Result<Option<Pattern>> {
            let Some((key, item)) = table.get_key_value(name) else { return Ok(None) };
            let dotted = format!("migrations.{name}");
            let text = self.string(item, &dotted, key)?;
            let pattern = Pattern::parse(&text, role).map_err(|why| {
                self.error_at(
                    item_span(item, key),
                    &format!("`{dotted}` {why} (a pattern is a file name, or a path relative to the migrations directory, with `{{version}}` and `{{description}}` placeholders)"),
                )
            })?;
            Ok(Some(pattern))
        };
        let up = read("up", PatternRole::Up)?;
        let down = read("down", PatternRole::Down)?;
        let repeatable = read("repeatable", PatternRole::Repeatable)?;
        let callback = read("callback", PatternRole::Callback)?;
        match up {
            Some(up) => Ok(Some(Patterns { up, down, repeatable, callback })),
            None => match ["down", "repeatable", "callback"].iter().find_map(|k| table.get_key_value(k)) {
                Some((key, _)) => Err(self.error_at(
                    key_span(key),
                    "custom patterns need an `up` pattern in [migrations], e.g. `up = \"V{version}__{description}.cypher\"`",
                )),
                None => Ok(None),
            },
        }
    }

    fn read_lint(&self, lint: &dyn TableLike, config: &mut Config) -> Result<()> {
        self.check_keys(lint, "lint")?;
        for list in ["select", "ignore"] {
            if let Some((key, item)) = lint.get_key_value(list) {
                let dotted = format!("lint.{list}");
                let rules = self.rule_list(item, &dotted, key, config)?;
                if list == "select" {
                    config.lint.select = rules;
                } else {
                    config.lint.ignore = rules;
                }
                self.mark(config, &dotted);
            }
        }
        for list in ["exclude", "extend-exclude"] {
            if let Some((key, item)) = lint.get_key_value(list) {
                let dotted = format!("lint.{list}");
                let globs = self.glob_list(item, &dotted, key)?;
                if list == "exclude" {
                    config.lint.exclude = globs;
                } else {
                    config.lint.extend_exclude = globs;
                }
                self.mark(config, &dotted);
            }
        }
        if let Some((key, item)) = lint.get_key_value("per-path-ignores") {
            let table = self.table(item, "lint.per-path-ignores", key)?;
            for (pattern, item) in table.iter() {
                let Some((pattern_key, _)) = table.get_key_value(pattern) else { continue };
                let dotted = format!("lint.per-path-ignores.\"{pattern}\"");
                let rules = self.rule_list(item, &dotted, pattern_key, config)?;
                config.lint.per_path_ignores.push(PerPathIgnore { pattern: pattern.to_string(), rules });
            }
            self.mark(config, "lint.per-path-ignores");
        }
        if let Some((key, item)) = lint.get_key_value("severity") {
            let table = self.table(item, "lint.severity", key)?;
            for (rule, item) in table.iter() {
                let Some((rule_key, _)) = table.get_key_value(rule) else { continue };
                let dotted = format!("lint.severity.{rule}");
                let text = self.string(item, &dotted, rule_key)?;
                let severity = RuleSeverity::parse(&text).ok_or_else(|| {
                    self.error_at(
                        item_span(item, rule_key),
                        &format!("`{dotted}` must be \"error\", \"warning\", \"info\" or \"off\""),
                    )
                })?;
                self.reference(config, rule, "lint.severity", key_span(rule_key));
                config.lint.severity.insert(rule.to_string(), severity);
            }
            self.mark(config, "lint.severity");
        }
        if let Some((key, item)) = lint.get_key_value("batching") {
            let table = self.table(item, "lint.batching", key)?;
            self.check_keys(table, "lint.batching")?;
            if let Some((key, item)) = table.get_key_value("default-batch-size") {
                config.lint.batching.default_batch_size =
                    self.positive(item, "lint.batching.default-batch-size", key)?;
                self.mark(config, "lint.batching.default-batch-size");
            }
            if let Some((key, item)) = table.get_key_value("max-unbatched-rows") {
                config.lint.batching.max_unbatched_rows =
                    self.positive(item, "lint.batching.max-unbatched-rows", key)?;
                self.mark(config, "lint.batching.max-unbatched-rows");
            }
        }
        Ok(())
    }

    fn read_database(&self, db: &dyn TableLike, config: &mut Config) -> Result<()> {
        if let Some((key, _)) = db.get_key_value("password") {
            return Err(self.error_at(
                key_span(key),
                "`database.password` is not allowed: a password in a file that is committed \
                 leaks; set NEO4J_PASSWORD or point `database.password-file` at a file outside \
                 the repository",
            ));
        }
        self.check_keys(db, "database")?;
        if let Some((key, item)) = db.get_key_value("uri") {
            let uri = self.string(item, "database.uri", key)?;
            if uri_has_password(&uri) {
                return Err(self.error_at(
                    item_span(item, key),
                    "`database.uri` must not contain a password; set NEO4J_PASSWORD or use `database.password-file`",
                ));
            }
            config.database.uri = uri;
            self.mark(config, "database.uri");
        }
        if let Some((key, item)) = db.get_key_value("user") {
            config.database.user = self.string(item, "database.user", key)?;
            self.mark(config, "database.user");
        }
        if let Some((key, item)) = db.get_key_value("database") {
            config.database.database = Some(self.string(item, "database.database", key)?);
            self.mark(config, "database.database");
        }
        if let Some((key, item)) = db.get_key_value("password-file") {
            let file = self.string(item, "database.password-file", key)?;
            config.database.password_file = Some(config.base_dir.join(file));
            self.mark(config, "database.password-file");
        }
        if let Some((key, item)) = db.get_key_value("lock-timeout") {
            config.database.lock_timeout = self.duration(item, "database.lock-timeout", key)?;
            self.mark(config, "database.lock-timeout");
        }
        if let Some((key, item)) = db.get_key_value("lease") {
            config.database.lease = self.duration(item, "database.lease", key)?;
            self.mark(config, "database.lease");
        }
        if let Some((key, item)) = db.get_key_value("connect-timeout") {
            config.database.connect_timeout = self.positive_duration(item, "database.connect-timeout", key)?;
            self.mark(config, "database.connect-timeout");
        }
        if let Some((key, item)) = db.get_key_value("request-timeout") {
            config.database.request_timeout = self.positive_duration(item, "database.request-timeout", key)?;
            self.mark(config, "database.request-timeout");
        }
        Ok(())
    }

    fn mark(&self, config: &mut Config, key: &str) {
        config.set_origin(key, Origin::File(self.path.to_path_buf()));
    }

    fn reference(&self, config: &mut Config, name: &str, key: &str, span: Option<std::ops::Range<usize>>) {
        let (line, column) = span.map_or((0, 0), |s| self.line_col(s.start));
        config.rule_references.push(RuleReference {
            name: name.to_string(),
            key: key.to_string(),
            origin: Origin::File(self.path.to_path_buf()),
            line,
            column,
        });
    }

    /// Unknown keys are errors with their position and the list of valid keys.
    fn check_keys(&self, table: &dyn TableLike, name: &str) -> Result<()> {
        let valid = keys_of(name);
        for (key, _) in table.iter() {
            if valid.contains(&key) {
                continue;
            }
            let span = table.get_key_value(key).and_then(|(k, _)| key_span(k));
            let place = if name.is_empty() { "at the top level".to_string() } else { format!("in [{name}]") };
            let mut message = format!("unknown key `{key}` {place}; valid keys: {}", valid.join(", "));
            if let Some(close) = closest(key, valid) {
                message.push_str(&format!(" (did you mean `{close}`?)"));
            }
            return Err(self.error_at(span, &message));
        }
        Ok(())
    }

    fn string(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<String> {
        match item.as_str() {
            Some(s) => Ok(s.to_string()),
            None => Err(self.type_error(item, name, key, "a string")),
        }
    }

    fn table<'t>(&self, item: &'t Item, name: &str, key: &toml_edit::Key) -> Result<&'t dyn TableLike> {
        item.as_table_like().ok_or_else(|| self.type_error(item, name, key, "a table"))
    }

    fn rule_list(&self, item: &Item, name: &str, key: &toml_edit::Key, config: &mut Config) -> Result<Vec<String>> {
        let Some(array) = item.as_array() else {
            return Err(self.type_error(item, name, key, "an array of rule names"));
        };
        let mut rules = Vec::new();
        for value in array.iter() {
            let Some(rule) = value.as_str() else {
                return Err(self.error_at(value.span(), &format!("`{name}` must hold rule names (strings)")));
            };
            let list_key = name.split(".\"").next().unwrap_or(name);
            self.reference(config, rule, list_key, value.span());
            rules.push(rule.to_string());
        }
        Ok(rules)
    }

    fn glob_list(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Vec<String>> {
        let Some(array) = item.as_array() else {
            return Err(self.type_error(item, name, key, "an array of globs"));
        };
        array
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.error_at(value.span(), &format!("`{name}` must hold globs (strings)")))
            })
            .collect()
    }

    fn positive(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<u64> {
        match item.as_integer() {
            Some(n) if n > 0 => Ok(n as u64),
            Some(_) => Err(self.error_at(item_span(item, key), &format!("`{name}` must be a positive integer"))),
            None => Err(self.type_error(item, name, key, "a positive integer")),
        }
    }

    fn duration(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Duration> {
        let parsed = match item.as_value() {
            Some(Value::Integer(n)) if *n.value() >= 0 => Some(Duration::from_secs(*n.value() as u64)),
            Some(Value::String(s)) => parse_duration(s.value()),
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.error_at(
                item_span(item, key),
                &format!(
                    "`{name}` must be a duration such as \"30s\", \"5m\", \"1h\", \"500ms\" or a number of seconds"
                ),
            )
        })
    }

    /// A timeout: zero would fail every request at once.
    fn positive_duration(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Duration> {
        match self.duration(item, name, key)? {
            d if d.is_zero() => Err(self.error_at(item_span(item, key), &format!("`{name}` must be more than zero"))),
            d => Ok(d),
        }
    }

    fn target(&self, item: &Item, key: &toml_edit::Key) -> Result<TargetVersion> {
        let text = match item.as_value() {
            Some(Value::String(s)) => Some(s.value().clone()),
            Some(Value::Integer(n)) => Some(n.value().to_string()),
            // `target = 4.4` without quotes: a TOML float; its source text is what was meant.
            Some(Value::Float(_)) => item.span().and_then(|s| self.text.get(s)).map(|t| t.trim().to_string()),
            _ => None,
        };
        text.as_deref().and_then(TargetVersion::parse).ok_or_else(|| {
            self.error_at(item_span(item, key), &format!("`target` must be a Neo4j version: {}", TargetVersion::VALID))
        })
    }

    fn type_error(&self, item: &Item, name: &str, key: &toml_edit::Key, expected: &str) -> Error {
        self.error_at(item_span(item, key), &format!("`{name}` must be {expected}, found {}", item.type_name()))
    }

    fn syntax_error(&self, e: &toml_edit::TomlError) -> Error {
        // The message only: TomlError's Display quotes the source line, which may hold a secret.
        let mut message = e.message().trim_end().replace('\n', "; ");
        if message.contains("duplicate key `migrations`") {
            message.push_str(" (write either `migrations = \"dir\"` or a [migrations] table with `dir = \"…\"`)");
        }
        self.error_at(e.span(), &format!("invalid TOML: {message}"))
    }

    fn error_at(&self, span: Option<std::ops::Range<usize>>, message: &str) -> Error {
        let message = match span {
            Some(s) => {
                let (line, column) = self.line_col(s.start);
                format!("line {line}, column {column}: {message}")
            }
            None => message.to_string(),
        };
        Error::Config { path: Some(self.path.to_path_buf()), message }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let lc = crate::source::SourceFile::new(self.path, self.text).line_col(offset);
        (lc.line, lc.column)
    }
}

fn key_span(key: &toml_edit::Key) -> Option<std::ops::Range<usize>> {
    key.span()
}

fn item_span(item: &Item, key: &toml_edit::Key) -> Option<std::ops::Range<usize>> {
    item.span().or_else(|| key.span())
}

/// `user:pass@host` in a URI.
fn uri_has_password(uri: &str) -> bool {
    let Some((_, rest)) = uri.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// The URI with any user information replaced, for display.
pub fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else { return uri.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{}", &rest[end..]),
        None => uri.to_string(),
    }
}

/// A shell command for display: the value of any word naming a password, secret or token
/// (`--password=x`, `--password x`, `NEO4J_PASSWORD=x`) is masked.
pub fn redact_command(command: &str) -> String {
    let sensitive = |word: &str| {
        let lower = word.to_ascii_lowercase();
        ["password", "passwd", "secret", "token"].iter().any(|s| lower.contains(s))
    };
    let mut out = Vec::new();
    let mut mask_next = false;
    for word in command.split(' ') {
        if mask_next && !word.is_empty() {
            out.push("***".to_string());
            mask_next = false;
            continue;
        }
        match word.split_once('=') {
            Some((name, _)) if sensitive(name) => out.push(format!("{name}=***")),
            None if sensitive(word) && word.starts_with('-') => {
                out.push(word.to_string());
                mask_next = true;
            }
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// `30s`, `5m`, `1h`, `500ms`, `90` (seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "s" => Some(Duration::from_secs(n)),
        "ms" => Some(Duration::from_millis(n)),
        "m" | "min" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        _ => None,
    }
}

/// `90s` -> "90s", `300s` -> "5m", `3600s` -> "1h", `1500ms` -> "1500ms".
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    if s != 0 && s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s != 0 && s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

fn serialize_duration<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format_duration(*d))
}

/// The valid key within edit distance 2 of `key`, for "did you mean".
fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid.iter().map(|v| (edit_distance(key, v), *v)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, v)| v)
}

#[cfg(test)]
mod tests;
