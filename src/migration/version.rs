//! Migration versions: `1`, `1_10`, `2.1`, `2025_01_08_001`, compared numerically part by part.
//!
//! Two versions that differ only by trailing zero parts are the *same* version (`V2` == `V2.0`
//! == `V2_0_0`), as in Flyway: a set holding both has a duplicate version. Leading zeros inside a
//! part do not count either (`V001` == `V1`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

pub use super::Version;

/// Why a version string is not a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionError {
    Empty,
    /// A part that is not all ASCII digits, e.g. `1a`.
    NotNumeric {
        part: String,
    },
    /// An empty part, e.g. `1..2` or a trailing separator.
    EmptyPart,
    /// A part too large for 64 bits.
    TooLarge {
        part: String,
    },
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::Empty => write!(f, "the version is empty"),
            VersionError::NotNumeric { part } => {
                write!(f, "version part `{part}` is not a number")
            }
            VersionError::EmptyPart => write!(f, "the version has an empty part"),
            VersionError::TooLarge { part } => write!(f, "version part `{part}` is too large"),
        }
    }
}

impl Version {
    /// Parses `1`, `1_10`, `2.1`, `2025_01_08_001` (parts separated by `_` or `.`).
    pub fn parse(raw: &str) -> Result<Version, VersionError> {
        if raw.is_empty() {
            return Err(VersionError::Empty);
        }
        let parts = raw.split(['_', '.']).map(parse_part).collect::<Result<Vec<u64>, _>>()?;
        Ok(Version { raw: raw.to_string(), parts })
    }

    /// The parts without trailing zeros: what equality and ordering look at.
    pub fn significant_parts(&self) -> &[u64] {
        let len = self.parts.iter().rposition(|&p| p != 0).map_or(0, |i| i + 1);
        &self.parts[..len]
    }

    /// The key a migration history stores for this version: significant parts joined by `.`
    /// (`005` -> `5`, `1_10_0` -> `1.10`, `0` -> `0`), so renaming `V5__x` to `V005__x` or
    /// `V5.0__x` names the same migration.
    pub fn history_key(&self) -> String {
        match self.significant_parts() {
            [] => "0".to_string(),
            parts => parts.iter().map(u64::to_string).collect::<Vec<_>>().join("."),
        }
    }

    /// The canonical spelling: parts joined by `.`, leading zeros dropped (`1_010` -> `1.10`).
    pub fn canonical(&self) -> String {
        let parts: Vec<String> = self.parts.iter().map(u64::to_string).collect();
        parts.join(".")
    }
}

fn parse_part(part: &str) -> Result<u64, VersionError> {
    if part.is_empty() {
        return Err(VersionError::EmptyPart);
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError::NotNumeric { part: part.to_string() });
    }
    part.parse::<u64>().map_err(|_| VersionError::TooLarge { part: part.to_string() })
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.significant_parts() == other.significant_parts()
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.significant_parts().hash(state);
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Lexicographic on numbers; trailing zeros are stripped, so a shorter version sorts
        // before any longer one that extends it with a non-zero part (1 < 1.0.1).
        self.significant_parts().cmp(other.significant_parts())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    /// As written in the file name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// As written in the file name (the plan's JSON shows `"version": "1_10"`).
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect(s)
    }

    #[test]
    fn parts_compare_numerically_not_as_text() {
        assert!(v("1_10") > v("1_9"));
        assert!(v("1.10") > v("1.9"));
        assert!(v("10") > v("9"));
        assert!(v("2") > v("1_999"));
    }

    #[test]
    fn underscore_and_dot_separators_are_interchangeable() {
        assert_eq!(v("1_2"), v("1.2"));
        assert_eq!(v("2025_01_08_001"), v("2025.1.8.1"));
    }

    #[test]
    fn trailing_zero_parts_and_leading_zeros_do_not_count() {
        assert_eq!(v("2"), v("2.0"));
        assert_eq!(v("2"), v("2_0_0"));
        assert_eq!(v("001"), v("1"));
        assert!(v("1") < v("1.0.1"));
        assert!(v("0") < v("0.1"));
        let mut set = std::collections::HashSet::new();
        set.insert(v("3"));
        assert!(set.contains(&v("3.0")));
    }

    #[test]
    fn sorting_a_realistic_list() {
        let mut versions: Vec<Version> = ["1_10", "1_9", "2", "1", "1.2", "1_1_1", "10"].iter().map(|s| v(s)).collect();
        versions.sort();
        let raw: Vec<&str> = versions.iter().map(|v| v.raw.as_str()).collect();
        assert_eq!(raw, ["1", "1_1_1", "1.2", "1_9", "1_10", "2", "10"]);
    }

    #[test]
    fn bad_versions_are_errors_not_panics() {
        assert_eq!(Version::parse(""), Err(VersionError::Empty));
        assert_eq!(Version::parse("1..2"), Err(VersionError::EmptyPart));
        assert_eq!(Version::parse("1_"), Err(VersionError::EmptyPart));
        assert!(matches!(Version::parse("1a"), Err(VersionError::NotNumeric { .. })));
        assert!(matches!(Version::parse("٣"), Err(VersionError::NotNumeric { .. })));
        assert!(matches!(Version::parse("99999999999999999999999"), Err(VersionError::TooLarge { .. })));
    }

    #[test]
    fn canonical_spelling() {
        assert_eq!(v("1_010").canonical(), "1.10");
        assert_eq!(v("1_010").to_string(), "1_010");
    }
}
