//! File-name conventions of a migration set.
//!
//! | file name                              | meaning                                      |
//! |----------------------------------------|----------------------------------------------|
//! | `V<version>__<description>.cypher`     | versioned migration (Flyway style)           |
//! | `U<version>__<description>.cypher`     | explicit down script of `V<version>`         |
//! | `R__<description>.cypher`              | repeatable migration                         |
//! | `<version>_<name>.up.cypher`           | versioned migration (golang-migrate style)   |
//! | `<version>_<name>.down.cypher`         | its down script                              |
//! | `<stem>.verify.cypher`                 | verify queries of the migration `<stem>`     |
//!
//! `<version>` is digits in parts separated by `_` or `.` for the `V`/`U` forms (the version ends at
//! the first `__`); for the `.up`/`.down` form it is digits and dots up to the first `_`.
//! Only the extension `.cypher` (lower case) is recognised; other files are not migrations.

use super::version::{Version, VersionError};

/// What a file name says a file is.
#[derive(Clone, Debug, PartialEq)]
pub enum FileName {
    /// `V1__desc.cypher` or `1_desc.up.cypher`.
    Up { version: Version, description: String, style: Style },
    /// `U1__desc.cypher` or `1_desc.down.cypher`.
    Down { version: Version, description: String, style: Style },
    /// `R__desc.cypher`.
    Repeatable { description: String },
    /// `<stem>.verify.cypher`: verify queries for the migration whose stem is `stem`.
    Verify { stem: String },
    /// `beforeMigrate.cypher`, `afterMigrate__seed.cypher`, …: a neo4j-migrations lifecycle
    /// callback, run by that tool at `phase`; not a migration.
    Callback { phase: String },
    /// A `.cypher` file that follows no convention.
    Unconventional { reason: String, suggestion: Option<String> },
    /// A Liquibase or Liquigraph XML changelog: never returned by [`classify`] (a changelog is
    /// known by its content, see [`super::changelog_xml`]); linted, not a versioned migration.
    XmlChangelog,
    /// Not a `.cypher` file: not part of the set.
    NotCypher,
}

/// Which family of conventions a versioned file follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// `V1__desc.cypher` / `U1__desc.cypher`.
    Flyway,
    /// `1_desc.up.cypher` / `1_desc.down.cypher`.
    UpDown,
    /// `0001_desc.cypher`, `001-desc.cypher`: numbered files, no down scripts by name.
    Numbered,
    /// Named by the patterns of `[migrations]` in `cymig.toml`.
    Custom,
}

const EXTENSION: &str = ".cypher";

/// Classifies one file name (no directory part).
pub fn classify(file_name: &str) -> FileName {
    let Some(stem) = strip_suffix_ignore_case(file_name, EXTENSION) else {
        return FileName::NotCypher;
    };
    if !file_name.ends_with(EXTENSION) {
        return unconventional("the extension must be `.cypher` in lower case", Some(format!("{stem}{EXTENSION}")));
    }
    if let Some(base) = stem.strip_suffix(".verify") {
        return classify_verify(base);
    }
    if let Some(base) = stem.strip_suffix(".up") {
        return classify_up_down(base, true);
    }
    if let Some(base) = stem.strip_suffix(".down") {
        return classify_up_down(base, false);
    }
    classify_prefixed(stem)
}

/// The stem a verify companion must repeat: `V1__x` for `V1__x.cypher`, `1_x` for
/// `1_x.up.cypher`.
pub fn verify_stem(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(EXTENSION)?;
    Some(stem.strip_suffix(".up").unwrap_or(stem))
}

fn classify_verify(base: &str) -> FileName {
    if base.is_empty() {
        return unconventional("a verify file needs the name of its migration before `.verify.cypher`", None);
    }
    FileName::Verify { stem: base.to_string() }
}

fn classify_up_down(base: &str, up: bool) -> FileName {
    let kind = if up { "up" } else { "down" };
    let Some((raw_version, name)) = split_up_down(base) else {
        return unconventional(
            &format!("a `.{kind}.cypher` file must be named `<version>_<name>.{kind}.cypher`"),
            suggest_from_words(base).map(|(v, d)| format!("{v}_{d}.{kind}.cypher")),
        );
    };
    let version = match parse_dashed_version(raw_version) {
        Ok(v) => v,
        Err(e) => return bad_version(e, None),
    };
    let description = name.to_string();
    let style = Style::UpDown;
    if up {
        FileName::Up { version, description, style }
    } else {
        FileName::Down { version, description, style }
    }
}

/// `001_add_x` -> (`001`, `add_x`); `20260505_100000_add_x` -> (`20260505_100000`, `add_x`);
/// `2024-01-15-123456_x` -> (`2024-01-15-123456`, `x`): the version is every leading group of
/// digits (separated by `_`, `-` or `.`), so a timestamp is one version, not a date and a name.
fn split_up_down(base: &str) -> Option<(&str, &str)> {
    let bytes = base.as_bytes();
    let mut end = 0;
    let mut i = 0;
    loop {
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            break;
        }
        let after = i + digits;
        match bytes.get(after) {
            Some(b'_' | b'-' | b'.') => {
                end = after;
                i = after + 1;
            }
            _ => break,
        }
    }
    let (version, rest) = base.split_at(end);
    let name = rest.get(1..)?;
    if version.is_empty() || name.is_empty() || !rest.starts_with(['_', '-']) {
        return None;
    }
    Some((version, name))
}

/// A version written with `-` between its parts (timestamps): parsed like `_`, kept as written.
pub(super) fn parse_dashed_version(raw: &str) -> Result<Version, VersionError> {
    let mut version = Version::parse(&raw.replace('-', "_"))?;
    version.raw = raw.to_string();
    Ok(version)
}

/// neo4j-migrations' lifecycle phases; a callback file is `<phase>.cypher` or
/// `<phase>__<description>.cypher`.
pub const CALLBACK_PHASES: [&str; 9] = [
    "beforeFirstUse",
    "beforeMigrate",
    "afterMigrate",
    "beforeClean",
    "afterClean",
    "beforeValidate",
    "afterValidate",
    "beforeInfo",
    "afterInfo",
];

fn classify_callback(stem: &str) -> Option<FileName> {
    let phase = stem.split_once("__").map_or(stem, |(phase, _)| phase);
    CALLBACK_PHASES.contains(&phase).then(|| FileName::Callback { phase: phase.to_string() })
}

fn classify_prefixed(stem: &str) -> FileName {
    if let Some(callback) = classify_callback(stem) {
        return callback;
    }
    match stem.chars().next() {
        Some('R') if stem.starts_with("R__") => classify_repeatable(&stem[3..]),
        Some('V') | Some('U') => classify_versioned(stem),
        Some('0'..='9') => classify_numbered(stem).unwrap_or_else(|| unconventional_guess(stem)),
        _ => unconventional_guess(stem),
    }
}

/// `0004_add_x`, `001-add-x`, `20240115_123456_add_x`: a numbered set, the leading digits
/// being the version.
fn classify_numbered(stem: &str) -> Option<FileName> {
    let (raw_version, name) = split_up_down(stem)?;
    let version = parse_dashed_version(raw_version).ok()?;
    Some(FileName::Up { version, description: name.to_string(), style: Style::Numbered })
}

fn classify_repeatable(description: &str) -> FileName {
    if description.is_empty() {
        return unconventional(
            "a repeatable migration needs a description after `R__`",
            Some("R__<description>.cypher".into()),
        );
    }
    FileName::Repeatable { description: description.to_string() }
}

fn classify_versioned(stem: &str) -> FileName {
    let mut up = stem.starts_with('V');
    let prefix = &stem[..1];
    let mut rest = std::borrow::Cow::Borrowed(&stem[1..]);
    // `V12_R__name`: the rollback twin of `V12__name` (an explicit down, never an up).
    if let Some((raw_version, description)) = rest.split_once("_R__").filter(|_| up) {
        if Version::parse(raw_version).is_ok() {
            up = false;
            rest = std::borrow::Cow::Owned(format!("{raw_version}__{description}"));
        }
    }
    let rest = rest.as_ref();
    let Some((raw_version, description)) = rest.split_once("__") else {
        return unconventional(
            &format!("a versioned file must be named `{prefix}<version>__<description>.cypher` (two underscores before the description)"),
            suggest_from_words(rest).map(|(v, d)| format!("{prefix}{v}__{d}.cypher")),
        );
    };
    let version = match Version::parse(raw_version) {
        Ok(v) => v,
        Err(e) => {
            let suggestion = suggest_from_words(rest).map(|(v, d)| format!("{prefix}{v}__{d}.cypher"));
            return bad_version(e, suggestion);
        }
    };
    if description.is_empty() {
        return unconventional(
            &format!("`{prefix}{raw_version}__` needs a description after the two underscores"),
            Some(format!("{prefix}{raw_version}__<description>.cypher")),
        );
    }
    let description = description.to_string();
    let style = Style::Flyway;
    if up {
        FileName::Up { version, description, style }
    } else {
        FileName::Down { version, description, style }
    }
}

/// Names like `v1__x`, `001_add_x`, `1-add-x`, `add_x`: say what is wrong and propose the
/// conventional name.
fn unconventional_guess(stem: &str) -> FileName {
    if let Some(rest) = stem.strip_prefix('v').or_else(|| stem.strip_prefix('u')) {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let prefix = stem[..1].to_ascii_uppercase();
            let suggestion = suggest_from_words(rest).map(|(v, d)| format!("{prefix}{v}__{d}.cypher"));
            return unconventional(&format!("the prefix must be an upper-case `{prefix}`"), suggestion);
        }
    }
    if let Some(rest) = stem.strip_prefix("r__") {
        return unconventional("the prefix must be an upper-case `R`", Some(format!("R__{rest}.cypher")));
    }
    if let Some((v, d)) = suggest_from_words(stem) {
        return unconventional(
            "a versioned migration needs the `V` prefix and two underscores before the description",
            Some(format!("V{v}__{d}.cypher")),
        );
    }
    unconventional(
        "the name follows no migration convention (`V<version>__<description>.cypher`, `R__<description>.cypher`, `<version>_<name>.up.cypher`)",
        Some(format!("V<version>__{}.cypher", sanitize_description(stem))),
    )
}

/// Splits `1_2_add_x` / `001-add-x` / `1.2 add x` into a version (`1_2`) and a description
/// (`add_x`), for suggestions only.
fn suggest_from_words(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text.split(['_', '-', ' ', '.']).filter(|w| !w.is_empty()).collect();
    let digits = words.iter().take_while(|w| w.bytes().all(|b| b.is_ascii_digit())).count();
    if digits == 0 {
        return None;
    }
    let version = words[..digits].join("_");
    let description = if digits == words.len() {
        "<description>".to_string()
    } else {
        sanitize_description(&words[digits..].join("_"))
    };
    Some((version, description))
}

fn sanitize_description(text: &str) -> String {
    text.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect()
}

fn bad_version(error: VersionError, suggestion: Option<String>) -> FileName {
    unconventional(&format!("{error}: version parts are numbers separated by `_` or `.`"), suggestion)
}

fn unconventional(reason: &str, suggestion: Option<String>) -> FileName {
    FileName::Unconventional { reason: reason.to_string(), suggestion }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..split)?, text.get(split..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(name: &str) -> (String, String, Style) {
        match classify(name) {
            FileName::Up { version, description, style } => (version.raw, description, style),
            other => panic!("{name}: {other:?}"),
        }
    }

    fn suggestion(name: &str) -> Option<String> {
        match classify(name) {
            FileName::Unconventional { suggestion, .. } => suggestion,
            other => panic!("{name} should be unconventional, is {other:?}"),
        }
    }

    #[test]
    fn flyway_versioned_files() {
        assert_eq!(up("V1__init.cypher"), ("1".into(), "init".into(), Style::Flyway));
        assert_eq!(up("V1_10__add_x.cypher"), ("1_10".into(), "add_x".into(), Style::Flyway));
        assert_eq!(up("V2.1__a__b.cypher"), ("2.1".into(), "a__b".into(), Style::Flyway));
        assert_eq!(up("V2025_01_08_001__add_risk.cypher"), ("2025_01_08_001".into(), "add_risk".into(), Style::Flyway));
    }

    #[test]
    fn down_scripts_repeatables_and_verify_files() {
        assert!(matches!(classify("U3__x.cypher"), FileName::Down { style: Style::Flyway, .. }));
        assert_eq!(classify("R__views.cypher"), FileName::Repeatable { description: "views".into() });
        assert_eq!(classify("V3__x.verify.cypher"), FileName::Verify { stem: "V3__x".into() });
        assert_eq!(verify_stem("V3__x.cypher"), Some("V3__x"));
        assert_eq!(verify_stem("003_x.up.cypher"), Some("003_x"));
    }

    #[test]
    fn odd_names_never_panic() {
        for name in [
            ".cypher",
            "..cypher",
            "V.cypher",
            "V__x.cypher",
            "U__x.cypher",
            "R__.cypher",
            "é.cypher",
            "V€__x.cypher",
            "Vé.cypher",
            "𝒱1__x.cypher",
            "v€.cypher",
            "1é_x.up.cypher",
            "_.up.cypher",
            ".up.cypher",
            ".down.cypher",
            "x.verify.verify.cypher",
            "V1__x.up.cypher",
            "ß.CYPHER",
            "V1__x.cyphe",
            "€cypher",
            "V99999999999999999999999__x.cypher",
        ] {
            let _ = classify(name);
            let _ = verify_stem(name);
        }
        assert!(matches!(classify("V__x.cypher"), FileName::Unconventional { .. }));
        assert!(matches!(classify("V99999999999999999999999__x.cypher"), FileName::Unconventional { .. }));
    }

    #[test]
    fn up_down_pairs() {
        assert_eq!(up("001_add_x.up.cypher"), ("001".into(), "add_x".into(), Style::UpDown));
        assert_eq!(up("1.2_add_x.up.cypher"), ("1.2".into(), "add_x".into(), Style::UpDown));
        assert!(matches!(classify("20240101_add_x.down.cypher"), FileName::Down { style: Style::UpDown, .. }));
    }

    #[test]
    fn numbered_sets_timestamps_and_rollback_twins() {
        assert_eq!(up("0004_add_x.cypher"), ("0004".into(), "add_x".into(), Style::Numbered));
        assert_eq!(up("001-add-x.cypher"), ("001".into(), "add-x".into(), Style::Numbered));
        assert_eq!(up("20260505_100000_add_x.up.cypher"), ("20260505_100000".into(), "add_x".into(), Style::UpDown));
        assert_eq!(up("2024-01-15-123456_x.cypher"), ("2024-01-15-123456".into(), "x".into(), Style::Numbered));
        match classify("20260505_100000_add_x.down.cypher") {
            FileName::Down { version, .. } => assert_eq!(version.parts, [20260505, 100000]),
            other => panic!("{other:?}"),
        }
        match classify("V12_R__add_x.cypher") {
            FileName::Down { version, description, style: Style::Flyway } => {
                assert_eq!((version.raw.as_str(), description.as_str()), ("12", "add_x"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify("2024.cypher"), FileName::Unconventional { .. }));
    }

    #[test]
    fn neo4j_migrations_callbacks_are_not_migrations() {
        assert_eq!(classify("beforeMigrate.cypher"), FileName::Callback { phase: "beforeMigrate".into() });
        assert_eq!(classify("afterMigrate__002.cypher"), FileName::Callback { phase: "afterMigrate".into() });
        assert!(matches!(classify("beforeMigration.cypher"), FileName::Unconventional { .. }));
    }

    #[test]
    fn other_files_are_not_migrations() {
        assert_eq!(classify("README.md"), FileName::NotCypher);
        assert_eq!(classify("cymig.sum"), FileName::NotCypher);
        assert_eq!(classify("cypher"), FileName::NotCypher);
    }

    #[test]
    fn unconventional_names_get_the_conventional_name_suggested() {
        assert_eq!(suggestion("V1_add_x.cypher").as_deref(), Some("V1__add_x.cypher"));
        assert_eq!(suggestion("v1__add_x.cypher").as_deref(), Some("V1__add_x.cypher"));
        assert_eq!(suggestion("V1.cypher").as_deref(), Some("V1__<description>.cypher"));
        assert_eq!(suggestion("V1__.cypher").as_deref(), Some("V1__<description>.cypher"));
        assert_eq!(suggestion("V1__x.CYPHER").as_deref(), Some("V1__x.cypher"));
        assert_eq!(suggestion("r__views.cypher").as_deref(), Some("R__views.cypher"));
        assert_eq!(suggestion("R__.cypher").as_deref(), Some("R__<description>.cypher"));
        assert_eq!(suggestion("Va__x.cypher"), None);
        assert_eq!(suggestion("add_x.up.cypher"), None);
        assert_eq!(suggestion("seed data.cypher").as_deref(), Some("V<version>__seed_data.cypher"));
        assert!(matches!(classify(".verify.cypher"), FileName::Unconventional { .. }));
        assert!(matches!(classify("V1..2__x.cypher"), FileName::Unconventional { .. }));
    }
}
