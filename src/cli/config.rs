//! `cymig config --show`: the effective settings and where each came from. Also the flags that
//! override `cymig.toml`, shared by every command that reads it.

use super::CommandResult;
use crate::config::{
    display_path, effective_settings, CliOverrides, Config, Edition, Origin, Shown, ShownValue, TargetVersion,
};
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
            (s.table.as_str(), line, origin_text(&s.origin))
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
