//! Reading the TOML document with exact positions: the document is walked key by key, each
//! key checked against `keys::KEYS` and read by its entry there.

use super::duration::parse_duration;
use super::keys::{closest, dotted, find, keys_of, Key, Kind};
use super::{Config, Edition, Origin, RuleReference, RuleSeverity, TargetVersion};
use crate::error::{Error, Result};
use crate::migration::convention::{Convention, LayoutKind, Pattern, PatternRole, Patterns, LAYOUT_NAMES};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml_edit::{Item, TableLike, Value};

/// Reads one `cymig.toml` into a [`Config`], keeping what the keys of a table say together
/// until the table is read.
pub(super) struct Reader {
    text: String,
    path: PathBuf,
    pub(super) config: Config,
    /// `migrations.layout` as written, and where.
    layout: Option<(String, Option<Range<usize>>)>,
    /// The custom patterns by [`PatternRole`] (up, down, repeatable, callback), and where.
    patterns: [Option<(Pattern, Option<Range<usize>>)>; 4],
}

impl Reader {
    /// `text`, the file at `path`, over the defaults in `config`.
    pub(super) fn read(text: &str, path: &Path, config: Config) -> Result<Config> {
        let mut reader = Reader {
            text: text.to_string(),
            path: path.to_path_buf(),
            config,
            layout: None,
            patterns: Default::default(),
        };
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| reader.syntax_error(&e))?;
        reader.read_table(doc.as_table(), "")?;
        Ok(reader.config)
    }

    /// Checks every key of the table `name` first (so an unknown key is reported before any
    /// value), then reads them in file order.
    fn read_table(&mut self, table: &dyn TableLike, name: &str) -> Result<()> {
        self.check_keys(table, name)?;
        for (text, item) in table.iter() {
            let (Some(entry), Some((key, _))) = (find(name, text), table.get_key_value(text)) else { continue };
            self.read_key(entry, item, key)?;
        }
        Ok(())
    }

    fn read_key(&mut self, entry: &Key, item: &Item, key: &toml_edit::Key) -> Result<()> {
        let name = dotted(entry.table, entry.name);
        match entry.kind {
            Kind::Table { shorthand, finish } => self.read_table_key(&name, item, key, shorthand, finish),
            Kind::Map { read, .. } => {
                let map = self.table(item, &name, key)?;
                for (text, item) in map.iter() {
                    let Some((key, _)) = map.get_key_value(text) else { continue };
                    read(self, text, item, key)?;
                }
                self.mark(&name);
                Ok(())
            }
            Kind::Setting { read, .. } => {
                read(self, item, key)?;
                self.mark(&name);
                Ok(())
            }
            Kind::Refused(why) => Err(self.error_at(key.span(), why)),
        }
    }

    /// A table, or the string that stands for its `shorthand` key.
    fn read_table_key(
        &mut self,
        name: &str,
        item: &Item,
        key: &toml_edit::Key,
        shorthand: Option<(&str, &str)>,
        finish: Option<fn(&mut Reader) -> Result<()>>,
    ) -> Result<()> {
        if let Some(table) = item.as_table_like() {
            self.read_table(table, name)?;
            return finish.map_or(Ok(()), |finish| finish(self));
        }
        let short = shorthand.filter(|_| item.is_str()).and_then(|(short, _)| find(name, short));
        if let Some(entry) = short {
            return self.read_key(entry, item, key);
        }
        let expected = match shorthand {
            Some((_, described)) => format!("{described} or a [{name}] table"),
            None => "a table".to_string(),
        };
        Err(self.type_error(item, name, key, &expected))
    }

    /// Unknown and refused keys are errors with their position; an unknown one lists the valid
    /// keys.
    fn check_keys(&self, table: &dyn TableLike, name: &str) -> Result<()> {
        let valid = keys_of(name);
        for (text, _) in table.iter() {
            let span = table.get_key_value(text).and_then(|(k, _)| k.span());
            match find(name, text) {
                Some(Key { kind: Kind::Refused(why), .. }) => return Err(self.error_at(span, why)),
                Some(_) => continue,
                None => {}
            }
            let place = if name.is_empty() { "at the top level".to_string() } else { format!("in [{name}]") };
            let mut message = format!("unknown key `{text}` {place}; valid keys: {}", valid.join(", "));
            if let Some(close) = closest(text, &valid) {
                message.push_str(&format!(" (did you mean `{close}`?)"));
            }
            return Err(self.error_at(span, &message));
        }
        Ok(())
    }

    pub(super) fn edition(&self, item: &Item, key: &toml_edit::Key) -> Result<Edition> {
        let text = self.string(item, "edition", key)?;
        Edition::parse(&text)
            .ok_or_else(|| self.error_at(item_span(item, key), "`edition` must be \"community\" or \"enterprise\""))
    }

    /// `migrations.layout`: one of [`LAYOUT_NAMES`], or `custom`.
    pub(super) fn read_layout(&mut self, item: &Item, key: &toml_edit::Key) -> Result<()> {
        let name = self.string(item, "migrations.layout", key)?;
        if LAYOUT_NAMES.contains(&name.as_str()) {
            self.layout = Some((name, item_span(item, key)));
            return Ok(());
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

    /// A custom pattern of [migrations]; which layout it makes is decided with the others.
    pub(super) fn read_pattern(&mut self, item: &Item, key: &toml_edit::Key, role: PatternRole) -> Result<()> {
        let name = format!("migrations.{}", key.get());
        let text = self.string(item, &name, key)?;
        let pattern = Pattern::parse(&text, role).map_err(|why| {
            self.error_at(
                item_span(item, key),
                &format!("`{name}` {why} (a pattern is a file name, or a path relative to the migrations directory, with `{{version}}` and `{{description}}` placeholders)"),
            )
        })?;
        self.patterns[role as usize] = Some((pattern, key.span()));
        Ok(())
    }

    /// [migrations] read: `layout`, or custom patterns (which imply `layout = "custom"`).
    pub(super) fn finish_layout(&mut self) -> Result<()> {
        let [up, down, repeatable, callback] = std::mem::take(&mut self.patterns);
        let patterns = match up {
            Some((up, _)) => Some(Patterns {
                up,
                down: down.map(|(p, _)| p),
                repeatable: repeatable.map(|(p, _)| p),
                callback: callback.map(|(p, _)| p),
            }),
            None => match [down, repeatable, callback].into_iter().flatten().next() {
                Some((_, span)) => return Err(self.error_at(
                    span,
                    "custom patterns need an `up` pattern in [migrations], e.g. `up = \"V{version}__{description}.cypher\"`",
                )),
                None => None,
            },
        };
        self.config.layout = match (self.layout.take(), patterns) {
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
        self.mark("migrations.layout");
        Ok(())
    }

    /// An entry of [lint.severity]: a rule and its severity.
    pub(super) fn read_severity(&mut self, rule: &str, item: &Item, key: &toml_edit::Key) -> Result<()> {
        let name = format!("lint.severity.{rule}");
        let text = self.string(item, &name, key)?;
        let severity = RuleSeverity::parse(&text).ok_or_else(|| {
            self.error_at(
                item_span(item, key),
                &format!("`{name}` must be \"error\", \"warning\", \"info\" or \"off\""),
            )
        })?;
        self.reference(rule, "lint.severity", key.span());
        self.config.lint.severity.insert(rule.to_string(), severity);
        Ok(())
    }

    pub(super) fn read_uri(&mut self, item: &Item, key: &toml_edit::Key) -> Result<()> {
        let uri = self.string(item, "database.uri", key)?;
        if uri_has_password(&uri) {
            return Err(self.error_at(
                item_span(item, key),
                "`database.uri` must not contain a password; set NEO4J_PASSWORD or use `database.password-file`",
            ));
        }
        self.config.database.uri = uri;
        Ok(())
    }

    fn mark(&mut self, key: &str) {
        self.config.set_origin(key, Origin::File(self.path.clone()));
    }

    fn reference(&mut self, name: &str, key: &str, span: Option<Range<usize>>) {
        let (line, column) = span.map_or((0, 0), |s| self.line_col(s.start));
        self.config.rule_references.push(RuleReference {
            name: name.to_string(),
            key: key.to_string(),
            origin: Origin::File(self.path.clone()),
            line,
            column,
        });
    }

    pub(super) fn string(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<String> {
        match item.as_str() {
            Some(s) => Ok(s.to_string()),
            None => Err(self.type_error(item, name, key, "a string")),
        }
    }

    fn table<'t>(&self, item: &'t Item, name: &str, key: &toml_edit::Key) -> Result<&'t dyn TableLike> {
        item.as_table_like().ok_or_else(|| self.type_error(item, name, key, "a table"))
    }

    pub(super) fn rule_list(&mut self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Vec<String>> {
        let Some(array) = item.as_array() else {
            return Err(self.type_error(item, name, key, "an array of rule names"));
        };
        let mut rules = Vec::new();
        for value in array.iter() {
            let Some(rule) = value.as_str() else {
                return Err(self.error_at(value.span(), &format!("`{name}` must hold rule names (strings)")));
            };
            let list_key = name.split(".\"").next().unwrap_or(name);
            self.reference(rule, list_key, value.span());
            rules.push(rule.to_string());
        }
        Ok(rules)
    }

    pub(super) fn glob_list(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Vec<String>> {
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

    /// `lint.procedures`: each entry a signature, an error pointing into the string where it
    /// stops making sense.
    pub(super) fn read_procedures(&mut self, item: &Item, key: &toml_edit::Key) -> Result<()> {
        let name = "lint.procedures";
        let Some(array) = item.as_array() else {
            return Err(self.type_error(item, name, key, "an array of procedure signatures"));
        };
        let mut signatures = Vec::new();
        for value in array.iter() {
            let Some(text) = value.as_str() else {
                return Err(self.error_at(value.span(), &format!("`{name}` must hold procedure signatures (strings)")));
            };
            if let Err(e) = crate::semantic::ProcedureSignature::parse(text) {
                let at = value.span().map(|s| self.offset_in_string(s, text, e.offset));
                let message = format!(
                    "`{name}` holds a signature that does not read: {} (write it as `SHOW PROCEDURES` prints it: `my.proc(in :: INTEGER?) :: (out :: STRING?)`)",
                    e.message
                );
                return Err(self.error_at(at.map(|a| a..a), &message));
            }
            signatures.push(text.to_string());
        }
        self.config.lint.procedures = signatures;
        Ok(())
    }

    /// Where a byte of a string's value is in the file: exact when the string is written without
    /// escapes, its opening quote otherwise.
    fn offset_in_string(&self, span: Range<usize>, value: &str, offset: usize) -> usize {
        let written = self.text.get(span.clone()).unwrap_or("");
        let quote = if written.starts_with("\"\"\"") || written.starts_with("'''") { 3 } else { 1 };
        match written.get(quote..quote + value.len()) {
            Some(inner) if inner == value => span.start + quote + offset,
            _ => span.start,
        }
    }

    pub(super) fn positive(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<u64> {
        match item.as_integer() {
            Some(n) if n > 0 => Ok(n as u64),
            Some(_) => Err(self.error_at(item_span(item, key), &format!("`{name}` must be a positive integer"))),
            None => Err(self.type_error(item, name, key, "a positive integer")),
        }
    }

    pub(super) fn duration(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Duration> {
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
    pub(super) fn positive_duration(&self, item: &Item, name: &str, key: &toml_edit::Key) -> Result<Duration> {
        match self.duration(item, name, key)? {
            d if d.is_zero() => Err(self.error_at(item_span(item, key), &format!("`{name}` must be more than zero"))),
            d => Ok(d),
        }
    }

    pub(super) fn target(&self, item: &Item, key: &toml_edit::Key) -> Result<TargetVersion> {
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

    fn error_at(&self, span: Option<Range<usize>>, message: &str) -> Error {
        let message = match span {
            Some(s) => {
                let (line, column) = self.line_col(s.start);
                format!("line {line}, column {column}: {message}")
            }
            None => message.to_string(),
        };
        Error::Config { path: Some(self.path.clone()), message }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let lc = crate::source::SourceFile::new(&self.path, &self.text).line_col(offset);
        (lc.line, lc.column)
    }
}

fn item_span(item: &Item, key: &toml_edit::Key) -> Option<Range<usize>> {
    item.span().or_else(|| key.span())
}

/// `user:pass@host` in a URI.
pub(super) fn uri_has_password(uri: &str) -> bool {
    let Some((_, rest)) = uri.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
}
