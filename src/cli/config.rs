//! `cymig config --show`: the effective settings and where each came from. Also the flags that
//! override `cymig.toml`, shared by every command that reads it.

use super::CommandResult;
use crate::config::{
    format_duration, redact_command, redact_uri, CliOverrides, Config, Edition, Origin, TargetVersion,
};
use crate::migration::convention::Convention;
use std::path::{Path, PathBuf};

/// Flags that override `cymig.toml` (flatten into a command's args).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConfigFlags {
    /// Use this configuration file instead of searching for cymig.toml upwards from the path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every cymig.toml; use defaults and flags only.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// The Neo4j version the migrations target: 4.4, 5 or 2025.
    #[arg(long, value_name = "VERSION")]
    pub target: Option<TargetVersion>,
    /// The Neo4j edition: community or enterprise.
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<Edition>,
    /// Run only these rules (comma-separated; replaces `lint.select`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Run these rules too (comma-separated; added to `lint.select`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Do not run these rules (comma-separated; added to `lint.ignore`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// The migrations directory (overrides `migrations`).
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
}

impl ConfigFlags {
    pub fn overrides(&self) -> CliOverrides {
        self.over(CliOverrides::default())
    }

    /// These flags over a command's own (the connection's).
    fn over(&self, command: CliOverrides) -> CliOverrides {
        CliOverrides {
            config: self.config.clone(),
            no_config: self.no_config,
            migrations: self.migrations.clone(),
            target: self.target,
            edition: self.edition,
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
            ..command
        }
    }

    /// The effective configuration for `start`.
    pub fn load(&self, start: &Path) -> crate::error::Result<Config> {
        self.load_with(start, CliOverrides::default())
    }

    /// The effective configuration for `start` with the command's own flags too: the one place
    /// a command resolves its configuration, once, before passing it down.
    pub fn load_with(&self, start: &Path, command: CliOverrides) -> crate::error::Result<Config> {
        Config::load(start, &self.over(command))
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShowFormat {
    #[default]
    Toml,
    Json,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Secrets are never printed: the password's source is shown, not its value; \
                        passwords in URIs and password/secret/token arguments of hook commands are masked.")]
pub struct ConfigArgs {
    /// Print the effective settings, each with where it came from (the default action).
    #[arg(long)]
    pub show: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Toml)]
    pub format: ShowFormat,
    /// The path whose configuration to show (cymig.toml is searched upwards from it).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub flags: ConfigFlags,
}

pub fn run(args: ConfigArgs) -> CommandResult {
    if !args.path.exists() {
        return Err(crate::error::Error::Io {
            path: args.path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
        });
    }
    let config = args.flags.load(&args.path)?;
    let settings = effective_settings(&config);
    let out = match args.format {
        ShowFormat::Toml => render_toml(&config, &settings),
        ShowFormat::Json => render_json(&config, &settings),
    };
    super::write_stdout(out.as_bytes())
}

/// One shown setting.
pub struct Shown {
    /// `""` for top-level keys, else the TOML table, e.g. `lint.batching`.
    pub table: &'static str,
    pub key: String,
    pub value: ShownValue,
    pub origin: Origin,
}

pub enum ShownValue {
    Str(String),
    Int(u64),
    List(Vec<String>),
    /// Not set (e.g. the server's default database).
    Unset,
}

/// Every setting in `cymig.toml` order, values safe to print.
pub fn effective_settings(config: &Config) -> Vec<Shown> {
    let c = config;
    let mut out = Vec::new();
    let mut push = |table: &'static str, key: &str, value: ShownValue, origin_key: &str| {
        out.push(Shown { table, key: key.to_string(), value, origin: c.origin(origin_key) });
    };
    push("", "target", ShownValue::Str(c.target.to_string()), "target");
    push("", "edition", ShownValue::Str(c.edition.to_string()), "edition");
    push("migrations", "dir", ShownValue::Str(display_path(&c.migrations)), "migrations.dir");
    push("migrations", "layout", ShownValue::Str(c.layout.id().to_string()), "migrations.layout");
    if let Convention::Custom(p) = &c.layout {
        let patterns = [
            ("up", Some(&p.up)),
            ("down", p.down.as_ref()),
            ("repeatable", p.repeatable.as_ref()),
            ("callback", p.callback.as_ref()),
        ];
        for (key, pattern) in patterns {
            match pattern {
                Some(p) => push("migrations", key, ShownValue::Str(p.as_str().to_string()), "migrations.layout"),
                None => push("migrations", key, ShownValue::Unset, "(not set)"),
            }
        }
    }
    push("lint", "select", ShownValue::List(c.lint.select.clone()), "lint.select");
    push("lint", "ignore", ShownValue::List(c.lint.ignore.clone()), "lint.ignore");
    push("lint", "exclude", ShownValue::List(c.lint.exclude.clone()), "lint.exclude");
    push("lint", "extend-exclude", ShownValue::List(c.lint.extend_exclude.clone()), "lint.extend-exclude");
    for p in &c.lint.per_path_ignores {
        push(
            "lint.per-path-ignores",
            &quoted_key(&p.pattern),
            ShownValue::List(p.rules.clone()),
            "lint.per-path-ignores",
        );
    }
    for (rule, severity) in &c.lint.severity {
        push("lint.severity", &quoted_key(rule), ShownValue::Str(severity.as_str().into()), "lint.severity");
    }
    let b = &c.lint.batching;
    push(
        "lint.batching",
        "default-batch-size",
        ShownValue::Int(b.default_batch_size),
        "lint.batching.default-batch-size",
    );
    push(
        "lint.batching",
        "max-unbatched-rows",
        ShownValue::Int(b.max_unbatched_rows),
        "lint.batching.max-unbatched-rows",
    );
    let d = &c.database;
    push("database", "uri", ShownValue::Str(redact_uri(&d.uri)), "database.uri");
    push("database", "user", ShownValue::Str(d.user.clone()), "database.user");
    let database = d.database.clone().map_or(ShownValue::Unset, ShownValue::Str);
    push("database", "database", database, "database.database");
    let password_file = d.password_file.as_deref().map_or(ShownValue::Unset, |p| ShownValue::Str(display_path(p)));
    push("database", "password-file", password_file, "database.password-file");
    push("database", "lock-timeout", ShownValue::Str(format_duration(d.lock_timeout)), "database.lock-timeout");
    push("database", "lease", ShownValue::Str(format_duration(d.lease)), "database.lease");
    let connect = ShownValue::Str(format_duration(d.connect_timeout));
    push("database", "connect-timeout", connect, "database.connect-timeout");
    let request = ShownValue::Str(format_duration(d.request_timeout));
    push("database", "request-timeout", request, "database.request-timeout");
    let pre_up = c.hooks.pre_up.as_deref().map_or(ShownValue::Unset, |cmd| ShownValue::Str(redact_command(cmd)));
    push("hooks", "pre-up", pre_up, "hooks.pre-up");
    out
}

/// `lint.severity` keys and glob patterns need quotes unless they are bare TOML keys.
fn quoted_key(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        toml_edit::Value::from(key).to_string()
    }
}

/// Paths relative to the current directory when below it (stable output in scripts and tests).
fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Some(relative) => relative.to_string_lossy().replace('\\', "/"),
        None => path.to_string_lossy().replace('\\', "/"),
    }
}

/// Where the password comes from, with the path shown like the others (never the value).
fn password_source(config: &Config) -> String {
    match (&config.database.password_file, crate::config::env_password().is_some()) {
        (Some(file), false) => format!("password-file {}", display_path(file)),
        _ => config.password_source(),
    }
}

fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::File(p) => display_path(p),
        other => other.to_string(),
    }
}

fn toml_value(value: &ShownValue) -> Option<String> {
    match value {
        ShownValue::Str(s) => Some(toml_edit::Value::from(s.as_str()).to_string()),
        ShownValue::Int(n) => Some(n.to_string()),
        ShownValue::List(items) => {
            let array: toml_edit::Array = items.iter().map(String::as_str).collect();
            Some(array.to_string())
        }
        ShownValue::Unset => None,
    }
}

/// TOML that could be pasted into `cymig.toml`, each line commented with its origin.
pub fn render_toml(config: &Config, settings: &[Shown]) -> String {
    let mut out = String::from("# Effective cymig configuration\n");
    out.push_str(&match &config.file {
        Some(file) => format!("# config file: {}\n", display_path(file)),
        None => "# config file: none found (defaults)\n".to_string(),
    });
    let lines: Vec<(&str, String, String)> = settings
        .iter()
        .map(|s| {
            let line = match toml_value(&s.value) {
                Some(v) => format!("{} = {v}", s.key),
                None => format!("# {} = (not set)", s.key),
            };
            (s.table, line, origin_text(&s.origin))
        })
        .collect();
    let width = lines.iter().map(|(_, l, _)| l.chars().count()).max().unwrap_or(0);
    let mut current_table = "";
    for (table, line, origin) in &lines {
        if *table != current_table {
            out.push_str(&format!("\n[{table}]\n"));
            current_table = table;
        }
        let pad = width - line.chars().count();
        out.push_str(&format!("{line}{}  # {origin}\n", " ".repeat(pad)));
    }
    out.push_str(&format!("\n# password: {}\n", password_source(config)));
    out
}

/// `{"config_file": …, "settings": [{"key", "value", "origin"}], "password_source": …}`.
pub fn render_json(config: &Config, settings: &[Shown]) -> String {
    let settings: Vec<serde_json::Value> = settings
        .iter()
        .map(|s| {
            let key = if s.table.is_empty() { s.key.clone() } else { format!("{}.{}", s.table, s.key) };
            let value = match &s.value {
                ShownValue::Str(v) => serde_json::Value::from(v.as_str()),
                ShownValue::Int(n) => serde_json::Value::from(*n),
                ShownValue::List(items) => serde_json::Value::from(items.clone()),
                ShownValue::Unset => serde_json::Value::Null,
            };
            let origin = match &s.origin {
                Origin::File(_) => "file",
                Origin::Default => "default",
                Origin::Cli => "cli",
                Origin::Env(_) => "env",
            };
            serde_json::json!({ "key": key, "value": value, "origin": origin, "from": origin_text(&s.origin) })
        })
        .collect();
    let doc = serde_json::json!({
        "config_file": config.file.as_deref().map(display_path),
        "settings": settings,
        "password_source": password_source(config),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One table of keys (`config::KEYS`): `config --show` prints every setting it lists, and
    /// nothing it does not.
    #[test]
    fn show_prints_exactly_the_keys_the_reader_accepts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let toml = "[migrations]\ndir = \"db\"\nup = \"V{version}__{description}.cypher\"\n";
        std::fs::write(dir.path().join("cymig.toml"), toml).expect("write");
        let config = Config::load(dir.path(), &CliOverrides::default()).expect("load");
        // Tables of any names; placeholder values are not shown at all (one may be a secret).
        let dynamic =
            |full: &str| matches!(full, "lint.per-path-ignores" | "lint.severity" | "migrations.placeholders");
        let full = |table: &str, key: &str| if table.is_empty() { key.to_string() } else { format!("{table}.{key}") };
        let shown: Vec<String> =
            effective_settings(&config).iter().filter(|s| !dynamic(s.table)).map(|s| full(s.table, &s.key)).collect();
        let tables: Vec<&str> = crate::config::KEYS.iter().map(|(table, _)| *table).collect();
        let settings: Vec<String> = crate::config::KEYS
            .iter()
            .flat_map(|(table, keys)| keys.iter().map(move |key| full(table, key)))
            .filter(|f| !tables.contains(&f.as_str()) && !dynamic(f))
            .collect();
        assert_eq!(shown, settings);
    }
}
