//! The naming convention a migration set is read with: detected from its files (`auto`, the
//! default), or told in `cymig.toml` (`[migrations] layout = "flyway"`, or custom patterns)
//! where detection is ambiguous. A told convention classifies every file of the set by itself:
//! a file that does not follow it is a `migration-naming` finding naming that layout, never a
//! migration of another convention.

use super::naming::{self, parse_dashed_version, FileName, Style};
use super::Version;
use std::fmt;

/// How the files of a set are classified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Convention {
    /// Every convention cymig knows, as found ([`naming::classify`]).
    #[default]
    Auto,
    /// One convention, set in the configuration.
    Named(LayoutKind),
    /// The configuration's own file-name patterns.
    Custom(Patterns),
}

/// The conventions the detector reports and the configuration can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LayoutKind {
    Flyway,
    Neo4jMigrations,
    GolangMigrate,
    Numbered,
    Timestamp,
    Liquibase,
}

/// The values `[migrations] layout` accepts (`custom` with patterns).
pub const LAYOUT_NAMES: [&str; 8] =
    ["auto", "flyway", "neo4j-migrations", "golang-migrate", "numbered", "timestamp", "liquibase", "custom"];

impl LayoutKind {
    const ALL: [LayoutKind; 6] = [
        LayoutKind::Flyway,
        LayoutKind::Neo4jMigrations,
        LayoutKind::GolangMigrate,
        LayoutKind::Numbered,
        LayoutKind::Timestamp,
        LayoutKind::Liquibase,
    ];

    /// The name written in `cymig.toml` and printed by `cymig lint -v`.
    pub fn id(self) -> &'static str {
        match self {
            LayoutKind::Flyway => "flyway",
            LayoutKind::Neo4jMigrations => "neo4j-migrations",
            LayoutKind::GolangMigrate => "golang-migrate",
            LayoutKind::Numbered => "numbered",
            LayoutKind::Timestamp => "timestamp",
            LayoutKind::Liquibase => "liquibase",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            LayoutKind::Flyway => "Flyway naming",
            LayoutKind::Neo4jMigrations => "Flyway naming with callbacks",
            LayoutKind::GolangMigrate => "golang-migrate .up/.down",
            LayoutKind::Numbered => "numbered files",
            LayoutKind::Timestamp => "timestamped files",
            LayoutKind::Liquibase => "Liquibase / Liquigraph changelogs",
        }
    }

    pub fn parse(text: &str) -> Option<LayoutKind> {
        LayoutKind::ALL.into_iter().find(|k| k.id() == text)
    }

    /// What to name a file of this layout, for the help of a naming finding.
    fn naming_help(self) -> &'static str {
        match self {
            LayoutKind::Flyway | LayoutKind::Neo4jMigrations => {
                "name it `V<version>__<description>.cypher` (`U…` for its down script, `R__<description>.cypher` for a repeatable migration)"
            }
            LayoutKind::GolangMigrate => "name it `<version>_<name>.up.cypher` (and `<version>_<name>.down.cypher`)",
            LayoutKind::Numbered => "name it `<number>_<name>.cypher` (and `<number>_<name>.down.cypher`)",
            LayoutKind::Timestamp => {
                "name it `<timestamp>_<name>.cypher`, e.g. `20240115123000_add_x.cypher` (and `….down.cypher`)"
            }
            LayoutKind::Liquibase => "make it a changelog: start it with `-- liquibase formatted cypher`",
        }
    }

    /// Whether a file the built-in conventions read as `name` follows this layout.
    fn accepts(self, name: &FileName) -> bool {
        let flyway = matches!(self, LayoutKind::Flyway | LayoutKind::Neo4jMigrations);
        match name {
            FileName::Up { style, version, .. } => self.accepts_versioned(*style, version, true),
            FileName::Down { style, version, .. } => self.accepts_versioned(*style, version, false),
            FileName::Repeatable { .. } | FileName::Callback { .. } => flyway,
            FileName::Verify { .. } | FileName::XmlChangelog | FileName::NotCypher => true,
            FileName::Unconventional { .. } => false,
        }
    }

    fn accepts_versioned(self, style: Style, version: &Version, up: bool) -> bool {
        match self {
            LayoutKind::Flyway | LayoutKind::Neo4jMigrations => style == Style::Flyway,
            LayoutKind::GolangMigrate => style == Style::UpDown,
            // A numbered set's down script can only be named the `.down` way.
            LayoutKind::Numbered => style == if up { Style::Numbered } else { Style::UpDown },
            LayoutKind::Timestamp => style != Style::Flyway && is_timestamp(version),
            LayoutKind::Liquibase => false,
        }
    }

    /// The name this layout gives a versioned file, when it has one for it.
    fn name_for(self, version: &Version, description: &str, up: bool) -> Option<String> {
        let v = &version.raw;
        match (self, up) {
            (LayoutKind::Flyway | LayoutKind::Neo4jMigrations, true) => Some(format!("V{v}__{description}.cypher")),
            (LayoutKind::Flyway | LayoutKind::Neo4jMigrations, false) => Some(format!("U{v}__{description}.cypher")),
            (LayoutKind::GolangMigrate, true) => Some(format!("{v}_{description}.up.cypher")),
            (LayoutKind::Numbered, true) => Some(format!("{v}_{description}.cypher")),
            (LayoutKind::Timestamp, true) if is_timestamp(version) => Some(format!("{v}_{description}.cypher")),
            (LayoutKind::GolangMigrate | LayoutKind::Numbered, false) => Some(format!("{v}_{description}.down.cypher")),
            (LayoutKind::Timestamp, false) if is_timestamp(version) => Some(format!("{v}_{description}.down.cypher")),
            _ => None,
        }
    }
}

/// A version that reads as a date or a date and time: at least 8 digits, starting with a
/// century (`20240115`, `20240115_123000`, `2024-01-15-123000`).
pub fn is_timestamp(version: &Version) -> bool {
    let digits: String = version.raw.chars().filter(char::is_ascii_digit).collect();
    digits.len() >= 8 && (digits.starts_with("19") || digits.starts_with("20"))
}

impl Convention {
    /// Whether the configuration chose the convention (not detection).
    pub fn is_configured(&self) -> bool {
        *self != Convention::Auto
    }

    /// The name shown by `cymig config --show` and written in `cymig.toml`.
    pub fn id(&self) -> &'static str {
        match self {
            Convention::Auto => "auto",
            Convention::Named(kind) => kind.id(),
            Convention::Custom(_) => "custom",
        }
    }

    pub fn description(&self) -> String {
        match self {
            Convention::Auto => "detected from the files".to_string(),
            Convention::Named(kind) => kind.description().to_string(),
            Convention::Custom(p) => format!("up = \"{}\"", p.up.as_str()),
        }
    }

    /// What a file at `relative` (`/`-separated, relative to the set's root) is under this
    /// convention.
    pub fn classify(&self, relative: &str) -> FileName {
        let file_name = relative.rsplit('/').next().unwrap_or(relative);
        let detected = naming::classify(file_name);
        match self {
            Convention::Auto => detected,
            Convention::Named(kind) if kind.accepts(&detected) => detected,
            Convention::Named(kind) => self.not_following(&detected, |v, d, up| kind.name_for(v, d, up)),
            // `.verify.cypher` is cymig's own suffix: never an up migration whose description
            // ends in `.verify`.
            Convention::Custom(_) if matches!(detected, FileName::Verify { .. } | FileName::NotCypher) => detected,
            Convention::Custom(patterns) => match patterns.classify(relative, file_name) {
                Some(name) => name,
                None => self.not_following(&detected, |v, d, up| patterns.name_for(v, d, up)),
            },
        }
    }

    /// An unconventional name under this convention, with the name it gives the same version
    /// and description when the file has them.
    fn not_following(&self, detected: &FileName, rename: impl Fn(&Version, &str, bool) -> Option<String>) -> FileName {
        let mut reason = format!("it does not follow the configured layout `{}` ({})", self.id(), self.description());
        let suggestion = match detected {
            FileName::Up { version, description, .. } => rename(version, description, true),
            FileName::Down { version, description, .. } => rename(version, description, false),
            FileName::Unconventional { reason: why, suggestion } => {
                reason.push_str(&format!("; {why}"));
                // The built-in suggestion is kept when it is a name of this convention.
                suggestion.clone().filter(|name| self.follows(name))
            }
            _ => None,
        };
        FileName::Unconventional { reason, suggestion }
    }

    fn follows(&self, file_name: &str) -> bool {
        match self {
            Convention::Auto => true,
            Convention::Named(kind) => kind.accepts(&naming::classify(file_name)),
            Convention::Custom(patterns) => patterns.classify(file_name, file_name).is_some(),
        }
    }

    /// The help of a naming finding, when no new name can be suggested.
    pub fn naming_help(&self) -> Option<String> {
        match self {
            Convention::Auto => None,
            Convention::Named(kind) => Some(kind.naming_help().to_string()),
            Convention::Custom(p) => Some(format!("name it after the configured pattern `{}`", p.up.as_str())),
        }
    }
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// `[migrations] up / down / repeatable / callback`: file-name patterns with `{version}` and
/// `{description}` placeholders. A pattern with a `/` matches the path relative to the set's
/// root, one without matches the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patterns {
    pub up: Pattern,
    pub down: Option<Pattern>,
    pub repeatable: Option<Pattern>,
    pub callback: Option<Pattern>,
}

impl Patterns {
    fn classify(&self, relative: &str, file_name: &str) -> Option<FileName> {
        let versioned = |pattern: &Pattern| {
            let captures = pattern.matches(relative, file_name)?;
            let version = parse_dashed_version(captures.version?).ok()?;
            Some((version, captures.description.unwrap_or_default().to_string()))
        };
        if let Some((version, description)) = versioned(&self.up) {
            return Some(FileName::Up { version, description, style: Style::Custom });
        }
        if let Some((version, description)) = self.down.as_ref().and_then(versioned) {
            return Some(FileName::Down { version, description, style: Style::Custom });
        }
        if let Some(c) = self.repeatable.as_ref().and_then(|p| p.matches(relative, file_name)) {
            let description = c.description.unwrap_or(file_name).to_string();
            return Some(FileName::Repeatable { description });
        }
        let callback = self.callback.as_ref().and_then(|p| p.matches(relative, file_name))?;
        Some(FileName::Callback { phase: callback.description.unwrap_or(file_name).to_string() })
    }

    fn name_for(&self, version: &Version, description: &str, up: bool) -> Option<String> {
        let pattern = if up { Some(&self.up) } else { self.down.as_ref() };
        pattern?.render(&version.raw, description)
    }
}

/// Which pattern a text is, for its validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternRole {
    Up,
    Down,
    Repeatable,
    Callback,
}

/// One file-name pattern: literal text and `{version}` / `{description}` placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// Digits in groups separated by `_`, `.` or `-`.
    Version,
    /// Any non-empty text without `/`.
    Description,
}

struct Captures<'a> {
    version: Option<&'a str>,
    description: Option<&'a str>,
}

impl Pattern {
    /// Parses and validates a pattern; the error says what is wrong in user terms.
    pub fn parse(text: &str, role: PatternRole) -> Result<Pattern, String> {
        let parts = split_parts(text)?;
        let count = |p: &Part| parts.iter().filter(|q| *q == p).count();
        let (versions, descriptions) = (count(&Part::Version), count(&Part::Description));
        if !text.ends_with(".cypher") {
            return Err("must end with `.cypher`".into());
        }
        if text.starts_with('/') || text.split('/').any(|s| s == ".." || s.is_empty()) {
            return Err("must be a path relative to the migrations directory, without `..` or empty parts".into());
        }
        if versions > 1 || descriptions > 1 {
            return Err("may hold `{version}` and `{description}` once each".into());
        }
        let versioned = matches!(role, PatternRole::Up | PatternRole::Down);
        if versioned && versions == 0 {
            return Err("must hold a `{version}` placeholder".into());
        }
        if !versioned && versions == 1 {
            return Err("must not hold `{version}` (only up and down migrations have versions)".into());
        }
        if parts.windows(2).any(|w| !matches!(w[0], Part::Literal(_)) && !matches!(w[1], Part::Literal(_))) {
            return Err("needs literal text between `{version}` and `{description}`".into());
        }
        Ok(Pattern { text: text.to_string(), parts })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn matches<'a>(&self, relative: &'a str, file_name: &'a str) -> Option<Captures<'a>> {
        let subject = if self.text.contains('/') { relative } else { file_name };
        let mut captures = Captures { version: None, description: None };
        match_parts(&self.parts, subject, &mut captures).then_some(captures)
    }

    fn render(&self, version: &str, description: &str) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Version => out.push_str(version),
                Part::Description => out.push_str(description),
            }
        }
        // Only a file name can be suggested as a rename beside the file.
        (!out.contains('/')).then_some(out)
    }
}

fn split_parts(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_string()));
        }
        let close = rest[open..].find('}').ok_or("has a `{` without its `}`")? + open;
        parts.push(match &rest[open + 1..close] {
            "version" => Part::Version,
            "description" => Part::Description,
            _ => return Err("knows only the placeholders `{version}` and `{description}`".into()),
        });
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err("has a `}` without its `{`".into());
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    Ok(parts)
}

/// Matches `subject` against the parts, trying the longest placeholder first.
fn match_parts<'a>(parts: &[Part], subject: &'a str, captures: &mut Captures<'a>) -> bool {
    let Some((first, rest)) = parts.split_first() else { return subject.is_empty() };
    match first {
        Part::Literal(text) => subject.strip_prefix(text.as_str()).is_some_and(|s| match_parts(rest, s, captures)),
        Part::Version | Part::Description => {
            let ends: Vec<usize> = subject.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
            ends.into_iter().rev().any(|end| {
                let taken = &subject[..end];
                let fits = if *first == Part::Version { is_version_text(taken) } else { !taken.contains('/') };
                if !fits || !match_parts(rest, &subject[end..], captures) {
                    return false;
                }
                if *first == Part::Version {
                    captures.version = Some(taken);
                } else {
                    captures.description = Some(taken);
                }
                true
            })
        }
    }
}

/// `1`, `1_10`, `2.1`, `2024-01-15-123000`: digit groups separated by `_`, `.` or `-`.
fn is_version_text(text: &str) -> bool {
    text.split(['_', '.', '-']).all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(up: &str, down: Option<&str>) -> Convention {
        Convention::Custom(Patterns {
            up: Pattern::parse(up, PatternRole::Up).unwrap(),
            down: down.map(|d| Pattern::parse(d, PatternRole::Down).unwrap()),
            repeatable: None,
            callback: None,
        })
    }

    #[test]
    fn a_named_layout_refuses_the_other_conventions() {
        let numbered = Convention::Named(LayoutKind::Numbered);
        assert!(matches!(numbered.classify("0001_init.cypher"), FileName::Up { style: Style::Numbered, .. }));
        match numbered.classify("V2__add_x.cypher") {
            FileName::Unconventional { reason, suggestion } => {
                assert!(reason.contains("configured layout `numbered`"), "{reason}");
                assert_eq!(suggestion.as_deref(), Some("2_add_x.cypher"));
            }
            other => panic!("{other:?}"),
        }
        let flyway = Convention::Named(LayoutKind::Flyway);
        assert!(matches!(flyway.classify("beforeMigrate.cypher"), FileName::Callback { .. }));
        assert!(matches!(flyway.classify("V1__a.verify.cypher"), FileName::Verify { .. }));
        let golang = Convention::Named(LayoutKind::GolangMigrate);
        assert!(matches!(golang.classify("R__views.cypher"), FileName::Unconventional { suggestion: None, .. }));
    }

    #[test]
    fn timestamps_are_dates() {
        let ts = Convention::Named(LayoutKind::Timestamp);
        assert!(matches!(ts.classify("20240115123000_add_x.cypher"), FileName::Up { .. }));
        assert!(matches!(ts.classify("20240115_add_x.down.cypher"), FileName::Down { .. }));
        assert!(matches!(ts.classify("0001_add_x.cypher"), FileName::Unconventional { suggestion: None, .. }));
    }

    #[test]
    fn custom_patterns_capture_version_and_description() {
        let c = custom("migrate-{version}-{description}.cypher", Some("rollback/{version}-{description}.cypher"));
        match c.classify("migrate-2024.01-add_x.cypher") {
            FileName::Up { version, description, style: Style::Custom } => {
                assert_eq!((version.raw.as_str(), description.as_str()), ("2024.01", "add_x"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.classify("rollback/3-add_x.cypher"), FileName::Down { .. }));
        assert!(matches!(c.classify("3-add_x.cypher"), FileName::Unconventional { .. }));
        match c.classify("V4__add_y.cypher") {
            FileName::Unconventional { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some("migrate-4-add_y.cypher"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.classify("migrate-4-add_y.verify.cypher"), FileName::Verify { .. }));
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        for (text, role) in [
            ("V{version}__{description}.sql", PatternRole::Up),
            ("{description}.cypher", PatternRole::Up),
            ("R{version}.cypher", PatternRole::Repeatable),
            ("{version}{description}.cypher", PatternRole::Up),
            ("{version}_{name}.cypher", PatternRole::Up),
            ("{version.cypher", PatternRole::Up),
            ("../{version}.cypher", PatternRole::Up),
        ] {
            assert!(Pattern::parse(text, role).is_err(), "{text}");
        }
    }
}
