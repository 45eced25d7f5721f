//! The effective settings for `cymig config --show`: every key of `keys::KEYS`, in its order,
//! with a value safe to print and where it came from.

use super::keys::{dotted, Kind, KEYS};
use super::{Config, Origin};
use std::path::Path;

/// One shown setting.
pub struct Shown {
    /// `""` for top-level keys, else the TOML table, e.g. `lint.batching`.
    pub table: String,
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
    let mut out = Vec::new();
    show_table(config, "", &mut out);
    out
}

/// The plain keys of `table`, then its tables, as TOML needs them.
fn show_table(config: &Config, table: &str, out: &mut Vec<Shown>) {
    let keys = || KEYS.iter().filter(|k| k.table == table);
    for key in keys() {
        let Kind::Setting { show, .. } = key.kind else { continue };
        if let Some(value) = show(config) {
            let origin = config.origin(&dotted(table, key.name));
            out.push(Shown { table: table.to_string(), key: key.name.to_string(), value, origin });
        }
    }
    for key in keys() {
        let name = dotted(table, key.name);
        match key.kind {
            Kind::Table { .. } => show_table(config, &name, out),
            Kind::Map { show: Some(show), .. } => {
                let origin = config.origin(&name);
                let entries = show(config).into_iter();
                out.extend(entries.map(|(key, value)| Shown {
                    table: name.clone(),
                    key,
                    value,
                    origin: origin.clone(),
                }));
            }
            _ => {}
        }
    }
}

/// `lint.severity` keys and glob patterns need quotes unless they are bare TOML keys.
pub(super) fn quoted_key(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        toml_edit::Value::from(key).to_string()
    }
}

/// Paths relative to the current directory when below it (stable output in scripts and tests).
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Some(relative) => relative.to_string_lossy().replace('\\', "/"),
        None => path.to_string_lossy().replace('\\', "/"),
    }
}
