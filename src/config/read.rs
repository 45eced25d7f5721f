//! Reading the TOML document with exact positions.

use super::duration::parse_duration;
use super::keys::{closest, keys_of};
use super::{Config, Edition, Origin, PerPathIgnore, RuleReference, RuleSeverity, TargetVersion};
use crate::error::{Error, Result};
use crate::migration::convention::{Convention, LayoutKind, Pattern, PatternRole, Patterns, LAYOUT_NAMES};
use std::path::Path;
use std::time::Duration;
use toml_edit::{Item, TableLike, Value};

pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Reader<'_> {
    pub(super) fn read_into(&self, top: &toml_edit::Table, config: &mut Config) -> Result<()> {
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

    pub(super) fn syntax_error(&self, e: &toml_edit::TomlError) -> Error {
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
pub(super) fn uri_has_password(uri: &str) -> bool {
    let Some((_, rest)) = uri.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
}
