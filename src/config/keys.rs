//! The keys of `cymig.toml`: one table that the reader checks and reads every key by, and that
//! `config --show` prints every setting by, so a key cannot be accepted without being read, nor
//! shown without being accepted.

use super::read::Reader;
use super::redact::{redact_command, redact_uri};
use super::show::{display_path, quoted_key, ShownValue};
use super::{format_duration, Config, PerPathIgnore};
use crate::error::Result;
use crate::migration::convention::{Convention, PatternRole};
use crate::suggest::edit_distance;
use toml_edit::Item;

/// One key of `cymig.toml`.
pub(super) struct Key {
    /// The dotted table the key is in; `""` at the top level.
    pub table: &'static str,
    pub name: &'static str,
    pub kind: Kind,
}

/// Reads a key's value (the item, and the key for positions) into the reader's `Config`.
pub(super) type Read = fn(&mut Reader, &Item, &toml_edit::Key) -> Result<()>;
/// Reads one entry, named by its key, of a table of any names.
pub(super) type ReadEntry = fn(&mut Reader, &str, &Item, &toml_edit::Key) -> Result<()>;
/// A setting's value for `config --show`, safe to print; `None`: not shown in this configuration.
pub(super) type Show = fn(&Config) -> Option<ShownValue>;
/// The entries of a table of any names for `config --show`, keys quoted as TOML needs.
pub(super) type ShowEntries = fn(&Config) -> Vec<(String, ShownValue)>;

pub(super) enum Kind {
    /// A table of the keys whose `table` is this key's dotted name.
    Table {
        /// A string written in place of the table is this key of it, described so
        /// (`migrations = "db"` is `[migrations] dir = "db"`).
        shorthand: Option<(&'static str, &'static str)>,
        /// Checks what the table's keys say together, once all are read.
        finish: Option<fn(&mut Reader) -> Result<()>>,
    },
    /// A table whose keys are any names (globs, rules, placeholders). `show: None`: its values
    /// are never printed (a placeholder value may be a secret).
    Map {
        read: ReadEntry,
        show: Option<ShowEntries>,
    },
    Setting {
        read: Read,
        show: Show,
    },
    /// Not accepted, for this reason: the key would hold a secret in a file that is committed.
    Refused(&'static str),
}

const fn table(table: &'static str, name: &'static str) -> Key {
    Key { table, name, kind: Kind::Table { shorthand: None, finish: None } }
}

const fn setting(table: &'static str, name: &'static str, read: Read, show: Show) -> Key {
    Key { table, name, kind: Kind::Setting { read, show } }
}

const fn pattern(name: &'static str, read: Read, show: Show) -> Key {
    setting("migrations", name, read, show)
}

/// Every key, tables in file order. `config --show` prints the plain keys of a table before its
/// sub-tables, as TOML requires.
pub(super) const KEYS: &[Key] = &[
    Key {
        table: "",
        name: "migrations",
        kind: Kind::Table { shorthand: Some(("dir", "a directory")), finish: Some(Reader::finish_layout) },
    },
    setting("", "target", |r, item, key| put(r.target(item, key), &mut r.config.target), |c| str(c.target.as_str())),
    setting(
        "",
        "edition",
        |r, item, key| put(r.edition(item, key), &mut r.config.edition),
        |c| str(c.edition.as_str()),
    ),
    table("", "lint"),
    table("", "database"),
    table("", "hooks"),
    setting(
        "migrations",
        "dir",
        |r, item, key| {
            put(r.string(item, "migrations.dir", key).map(|dir| r.config.base_dir.join(dir)), &mut r.config.migrations)
        },
        |c| str(&display_path(&c.migrations)),
    ),
    setting("migrations", "layout", Reader::read_layout, |c| str(c.layout.id())),
    pattern("up", |r, item, key| r.read_pattern(item, key, PatternRole::Up), |c| shown_pattern(c, PatternRole::Up)),
    pattern(
        "down",
        |r, item, key| r.read_pattern(item, key, PatternRole::Down),
        |c| shown_pattern(c, PatternRole::Down),
    ),
    pattern(
        "repeatable",
        |r, item, key| r.read_pattern(item, key, PatternRole::Repeatable),
        |c| shown_pattern(c, PatternRole::Repeatable),
    ),
    pattern(
        "callback",
        |r, item, key| r.read_pattern(item, key, PatternRole::Callback),
        |c| shown_pattern(c, PatternRole::Callback),
    ),
    Key {
        table: "migrations",
        name: "placeholders",
        kind: Kind::Map {
            read: |r, name, item, key| {
                let value = r.string(item, &format!("migrations.placeholders.{name}"), key)?;
                r.config.placeholders.insert(name.to_string(), value);
                Ok(())
            },
            show: None,
        },
    },
    setting(
        "lint",
        "select",
        |r, item, key| put(r.rule_list(item, "lint.select", key), &mut r.config.lint.select),
        |c| list(&c.lint.select),
    ),
    setting(
        "lint",
        "ignore",
        |r, item, key| put(r.rule_list(item, "lint.ignore", key), &mut r.config.lint.ignore),
        |c| list(&c.lint.ignore),
    ),
    Key {
        table: "lint",
        name: "per-path-ignores",
        kind: Kind::Map {
            read: |r, pattern, item, key| {
                let rules = r.rule_list(item, &format!("lint.per-path-ignores.\"{pattern}\""), key)?;
                r.config.lint.per_path_ignores.push(PerPathIgnore { pattern: pattern.to_string(), rules });
                Ok(())
            },
            show: Some(|c| {
                let entries = c.lint.per_path_ignores.iter();
                entries.map(|p| (quoted_key(&p.pattern), ShownValue::List(p.rules.clone()))).collect()
            }),
        },
    },
    Key {
        table: "lint",
        name: "severity",
        kind: Kind::Map {
            read: Reader::read_severity,
            show: Some(|c| {
                let entries = c.lint.severity.iter();
                entries.map(|(rule, s)| (quoted_key(rule), ShownValue::Str(s.as_str().into()))).collect()
            }),
        },
    },
    table("lint", "batching"),
    setting(
        "lint",
        "exclude",
        |r, item, key| put(r.glob_list(item, "lint.exclude", key), &mut r.config.lint.exclude),
        |c| list(&c.lint.exclude),
    ),
    setting(
        "lint",
        "extend-exclude",
        |r, item, key| put(r.glob_list(item, "lint.extend-exclude", key), &mut r.config.lint.extend_exclude),
        |c| list(&c.lint.extend_exclude),
    ),
    setting("lint", "procedures", Reader::read_procedures, |c| list(&c.lint.procedures)),
    setting(
        "lint.batching",
        "default-batch-size",
        |r, item, key| {
            put(
                r.positive(item, "lint.batching.default-batch-size", key),
                &mut r.config.lint.batching.default_batch_size,
            )
        },
        |c| Some(ShownValue::Int(c.lint.batching.default_batch_size)),
    ),
    // Read by `cymig up` (it counts a step's driving rows), not by the `unbatched-write` rule,
    // which flags unbounded drivers whatever their size.
    setting(
        "lint.batching",
        "max-unbatched-rows",
        |r, item, key| {
            put(
                r.positive(item, "lint.batching.max-unbatched-rows", key),
                &mut r.config.lint.batching.max_unbatched_rows,
            )
        },
        |c| Some(ShownValue::Int(c.lint.batching.max_unbatched_rows)),
    ),
    Key {
        table: "database",
        name: "password",
        kind: Kind::Refused(
            "`database.password` is not allowed: a password in a file that is committed leaks; set \
             NEO4J_PASSWORD or point `database.password-file` at a file outside the repository",
        ),
    },
    setting("database", "uri", Reader::read_uri, |c| str(&redact_uri(&c.database.uri))),
    setting(
        "database",
        "user",
        |r, item, key| put(r.string(item, "database.user", key), &mut r.config.database.user),
        |c| str(&c.database.user),
    ),
    setting(
        "database",
        "database",
        |r, item, key| put(r.string(item, "database.database", key).map(Some), &mut r.config.database.database),
        |c| Some(c.database.database.clone().map_or(ShownValue::Unset, ShownValue::Str)),
    ),
    setting(
        "database",
        "password-file",
        |r, item, key| {
            let file = r.string(item, "database.password-file", key).map(|file| Some(r.config.base_dir.join(file)));
            put(file, &mut r.config.database.password_file)
        },
        |c| Some(c.database.password_file.as_deref().map_or(ShownValue::Unset, |p| ShownValue::Str(display_path(p)))),
    ),
    setting(
        "database",
        "lock-timeout",
        |r, item, key| put(r.duration(item, "database.lock-timeout", key), &mut r.config.database.lock_timeout),
        |c| str(&format_duration(c.database.lock_timeout)),
    ),
    setting(
        "database",
        "lease",
        |r, item, key| put(r.duration(item, "database.lease", key), &mut r.config.database.lease),
        |c| str(&format_duration(c.database.lease)),
    ),
    setting(
        "database",
        "connect-timeout",
        |r, item, key| {
            put(r.positive_duration(item, "database.connect-timeout", key), &mut r.config.database.connect_timeout)
        },
        |c| str(&format_duration(c.database.connect_timeout)),
    ),
    setting(
        "database",
        "request-timeout",
        |r, item, key| {
            put(r.positive_duration(item, "database.request-timeout", key), &mut r.config.database.request_timeout)
        },
        |c| str(&format_duration(c.database.request_timeout)),
    ),
    setting(
        "hooks",
        "pre-up",
        |r, item, key| put(r.string(item, "hooks.pre-up", key).map(Some), &mut r.config.hooks.pre_up),
        |c| Some(c.hooks.pre_up.as_deref().map_or(ShownValue::Unset, |cmd| ShownValue::Str(redact_command(cmd)))),
    ),
];

/// Stores a value read (the value first: reading borrows the reader the place belongs to).
fn put<T>(value: Result<T>, place: &mut T) -> Result<()> {
    *place = value?;
    Ok(())
}

fn str(value: &str) -> Option<ShownValue> {
    Some(ShownValue::Str(value.to_string()))
}

fn list(values: &[String]) -> Option<ShownValue> {
    Some(ShownValue::List(values.to_vec()))
}

/// A custom pattern is shown, set or not, only when the layout is custom.
fn shown_pattern(config: &Config, role: PatternRole) -> Option<ShownValue> {
    let Convention::Custom(patterns) = &config.layout else { return None };
    let pattern = match role {
        PatternRole::Up => Some(&patterns.up),
        PatternRole::Down => patterns.down.as_ref(),
        PatternRole::Repeatable => patterns.repeatable.as_ref(),
        PatternRole::Callback => patterns.callback.as_ref(),
    };
    Some(pattern.map_or(ShownValue::Unset, |p| ShownValue::Str(p.as_str().to_string())))
}

/// `table.name`, or `name` at the top level.
pub(super) fn dotted(table: &str, name: &str) -> String {
    if table.is_empty() {
        name.to_string()
    } else {
        format!("{table}.{name}")
    }
}

/// The key `name` of `table`.
pub(super) fn find(table: &str, name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.table == table && k.name == name)
}

/// The keys `table` accepts, in file order.
pub(super) fn keys_of(table: &str) -> Vec<&'static str> {
    KEYS.iter().filter(|k| k.table == table && !matches!(k.kind, Kind::Refused(_))).map(|k| k.name).collect()
}

/// The valid key within edit distance 2 of `key`, for "did you mean".
pub(super) fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid.iter().map(|v| (edit_distance(key, v), *v)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, v)| v)
}
