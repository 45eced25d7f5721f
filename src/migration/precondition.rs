//! neo4j-migrations preconditions: `// assume that …` and `// assert that …` comments that say
//! where a migration runs (`assume`: skipped elsewhere; `assert`: fails elsewhere).
//!
//! ```text
//! // assume that edition is enterprise
//! // assert that version is 4.3, 4.4
//! // assume that version is ge 4.4        (also gt, lt, le)
//! // assume q' MATCH (v:Version) RETURN count(v) = 0
//! // assert in target q' RETURN true      (`in target`, `in schema`: where the query runs)
//! ```
//!
//! cymig reads them for three things: a guarded file is linted for the edition and the Neo4j
//! version it is guarded for, two files of one version whose guards exclude each other are
//! alternatives, not a duplicate version, and `cymig up` evaluates them on the target before it
//! applies the file ([`parse_runnable`] keeps what running needs: assume or assert, the query as
//! written, the place).

use crate::ast::{Comment, CommentKind};
use crate::config::{Edition, TargetVersion};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Edition(Edition),
    /// Any of these version tests holds.
    Version(Vec<VersionTest>),
    /// `q' <cypher>`, normalised (lower case, single spaces).
    Query(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionTest {
    pub op: VersionOp,
    pub version: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionOp {
    Is,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What an unmet precondition does (neo4j-migrations' `Precondition.Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `assume`: the migration is discarded (not applied, not recorded).
    Assume,
    /// `assert`: the run halts before anything is applied.
    Assert,
}

/// A precondition as `cymig up` runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Precondition {
    pub kind: Kind,
    pub condition: Condition,
    /// The `q'` query exactly as written (the [`Condition::Query`] text is normalised for
    /// comparison, and lower case would change string literals).
    pub query: Option<String>,
    /// The comment as written, without `//`.
    pub text: String,
    /// Byte offset of the comment in its file.
    pub offset: usize,
}

/// The preconditions of a file, in order.
pub fn parse(comments: &[Comment]) -> Vec<Condition> {
    parse_runnable(comments).into_iter().map(|p| p.condition).collect()
}

/// The preconditions of a file, in order, with what running them needs.
pub fn parse_runnable(comments: &[Comment]) -> Vec<Precondition> {
    comments
        .iter()
        .filter(|c| c.kind == CommentKind::Line)
        .filter_map(|c| {
            let (kind, condition, query) = parse_one(&c.text)?;
            Some(Precondition { kind, condition, query, text: c.text.trim().to_string(), offset: c.span.start })
        })
        .collect()
}

fn parse_one(text: &str) -> Option<(Kind, Condition, Option<String>)> {
    let text = text.trim();
    let (kind, rest) = match strip_word(text, "assume") {
        Some(rest) => (Kind::Assume, rest),
        None => (Kind::Assert, strip_word(text, "assert")?),
    };
    let rest = strip_word(rest, "in")
        .map_or(rest, |r| strip_word(r, "target").or_else(|| strip_word(r, "schema")).unwrap_or(r));
    if let Some(query) = rest.strip_prefix("q'") {
        let exact = query.trim().trim_end_matches(';').trim_end().to_string();
        return Some((kind, Condition::Query(normalise_query(query)), Some(exact)));
    }
    parse_that(rest).map(|c| (kind, c, None))
}

fn parse_that(rest: &str) -> Option<Condition> {
    let rest = strip_word(rest, "that")?;
    if let Some(edition) = strip_word(rest, "edition").and_then(|r| strip_word(r, "is")) {
        return Edition::parse(edition).map(Condition::Edition);
    }
    let versions = strip_word(rest, "version").and_then(|r| strip_word(r, "is"))?;
    let tests: Option<Vec<VersionTest>> = versions.split(',').map(version_test).collect();
    tests.filter(|t| !t.is_empty()).map(Condition::Version)
}

fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then(|| rest.trim_start())
}

fn version_test(text: &str) -> Option<VersionTest> {
    let text = text.trim();
    let (op, number) = match text.split_once(char::is_whitespace) {
        Some((op, number)) => {
            let op = match op.to_ascii_lowercase().as_str() {
                "lt" => VersionOp::Lt,
                "le" => VersionOp::Le,
                "gt" => VersionOp::Gt,
                "ge" => VersionOp::Ge,
                _ => return None,
            };
            (op, number.trim())
        }
        None => (VersionOp::Is, text),
    };
    let version: Option<Vec<u32>> = number.split('.').map(|p| p.parse().ok()).collect();
    Some(VersionTest { op, version: version.filter(|v| !v.is_empty())? })
}

fn normalise_query(query: &str) -> String {
    let lower = query.trim().trim_end_matches(';').to_ascii_lowercase();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The edition a file is guarded for, if any.
pub fn edition(conditions: &[Condition]) -> Option<Edition> {
    conditions.iter().find_map(|c| match c {
        Condition::Edition(e) => Some(*e),
        _ => None,
    })
}

/// The lint targets a file can run on, given its version guards (all of them when it has none).
pub fn allowed_targets(conditions: &[Condition]) -> Vec<TargetVersion> {
    [TargetVersion::V4_4, TargetVersion::V5, TargetVersion::V2025]
        .into_iter()
        .filter(|t| {
            let range = target_range(*t);
            conditions.iter().all(|c| match c {
                Condition::Version(tests) => tests.iter().any(|test| overlaps(&test_range(test), &range)),
                _ => true,
            })
        })
        .collect()
}

/// The target to lint a guarded file with: the configured one when the guards allow it, else the
/// allowed one nearest below it (or the lowest allowed).
pub fn target_for(configured: TargetVersion, conditions: &[Condition]) -> TargetVersion {
    let allowed = allowed_targets(conditions);
    if allowed.is_empty() || allowed.contains(&configured) {
        return configured;
    }
    allowed.iter().rev().find(|t| **t < configured).or(allowed.first()).copied().unwrap_or(configured)
}

/// Whether the version guards admit only versions below `version` (`version is 4.3`,
/// `version is lt 4.4`); false without a version guard.
pub fn only_before(conditions: &[Condition], version: &[u32]) -> bool {
    let at_or_after: Range = (version.to_vec(), vec![u32::MAX]);
    let mut guarded = false;
    for c in conditions {
        if let Condition::Version(tests) = c {
            guarded = true;
            if tests.iter().any(|t| overlaps(&test_range(t), &at_or_after)) {
                return false;
            }
        }
    }
    guarded
}

/// Whether two files' guards can never both hold, so that at most one of them runs.
pub fn exclusive(a: &[Condition], b: &[Condition]) -> bool {
    a.iter().any(|x| b.iter().any(|y| conditions_exclusive(x, y)))
}

fn conditions_exclusive(a: &Condition, b: &Condition) -> bool {
    match (a, b) {
        (Condition::Edition(x), Condition::Edition(y)) => x != y,
        (Condition::Version(x), Condition::Version(y)) => {
            x.iter().all(|p| y.iter().all(|q| !overlaps(&test_range(p), &test_range(q))))
        }
        (Condition::Query(x), Condition::Query(y)) => queries_exclusive(x, y),
        _ => false,
    }
}

/// `… RETURN true` / `… RETURN false`, `… = 0` / `… = 1`: one expression tested for equality
/// with two different literals.
fn queries_exclusive(a: &str, b: &str) -> bool {
    let (Some((pa, la)), Some((pb, lb))) = (split_literal(a), split_literal(b)) else { return false };
    pa == pb && la != lb && (pa.ends_with("return") || pa.ends_with('='))
}

fn split_literal(query: &str) -> Option<(&str, &str)> {
    let query = query.trim_end();
    let start = query.rfind(|c: char| c.is_whitespace() || c == '=').map_or(0, |i| i + 1);
    let literal = &query[start..];
    let is_literal = literal == "true" || literal == "false" || literal.parse::<f64>().is_ok();
    is_literal.then(|| (query[..start].trim_end(), literal))
}

/// Whether a server of `version` (`[5, 26, 0]`) passes any of `tests`, as neo4j-migrations
/// compares: `is 5.26` holds for every 5.26.x, `lt 4.4` for every version before 4.4.
pub fn admits(tests: &[VersionTest], version: &[u32]) -> bool {
    tests.iter().any(|t| {
        let (from, to) = test_range(t);
        from.as_slice() <= version && version < to.as_slice()
    })
}

/// Half-open ranges of versions, as `[from, to)`; `u32::MAX` parts stand for "no end".
type Range = (Vec<u32>, Vec<u32>);

fn target_range(target: TargetVersion) -> Range {
    match target {
        TargetVersion::V4_4 => (vec![0], vec![5]),
        TargetVersion::V5 => (vec![5], vec![2025]),
        TargetVersion::V2025 => (vec![2025], vec![u32::MAX]),
    }
}

fn test_range(test: &VersionTest) -> Range {
    let v = test.version.clone();
    let mut next = v.clone();
    if let Some(last) = next.last_mut() {
        *last = last.saturating_add(1);
    }
    match test.op {
        VersionOp::Is => (v, next),
        VersionOp::Lt => (vec![0], v),
        VersionOp::Le => (vec![0], next),
        VersionOp::Gt => (next, vec![u32::MAX]),
        VersionOp::Ge => (v, vec![u32::MAX]),
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn conditions(lines: &[&str]) -> Vec<Condition> {
        let comments: Vec<Comment> =
            lines.iter().map(|l| Comment { span: Span::at(0), text: l.to_string(), kind: CommentKind::Line }).collect();
        parse(&comments)
    }

    #[test]
    fn editions_versions_and_queries_are_read() {
        let c = conditions(&[" assert that edition is enterprise", " assume that version is ge 4.4", " a comment"]);
        assert_eq!(edition(&c), Some(Edition::Enterprise));
        assert_eq!(allowed_targets(&c), [TargetVersion::V4_4, TargetVersion::V5, TargetVersion::V2025]);
        let c = conditions(&[" assume that version is 4.3"]);
        assert_eq!(target_for(TargetVersion::V5, &c), TargetVersion::V4_4);
        let c = conditions(&[" assume that version is lt 4.4"]);
        assert_eq!(target_for(TargetVersion::V5, &c), TargetVersion::V4_4);
        let c = conditions(&[" assume that version is 5.26, 2025.01"]);
        assert_eq!(target_for(TargetVersion::V4_4, &c), TargetVersion::V5);
        assert_eq!(conditions(&[" assert in target q' RETURN true;"]), [Condition::Query("return true".into())]);
    }

    #[test]
    fn runnable_preconditions_keep_kind_and_exact_query() {
        let comments = [Comment {
            span: Span::at(7),
            text: " assert in target q' MATCH (n:Flag {name: 'On'}) RETURN count(n) = 1;".into(),
            kind: CommentKind::Line,
        }];
        let p = parse_runnable(&comments);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, Kind::Assert);
        assert_eq!(p[0].query.as_deref(), Some("MATCH (n:Flag {name: 'On'}) RETURN count(n) = 1"));
        assert_eq!(p[0].offset, 7);
        let assume =
            Comment { span: Span::at(0), text: " assume that edition is community".into(), kind: CommentKind::Line };
        assert_eq!(parse_runnable(&[assume])[0].kind, Kind::Assume);
    }

    #[test]
    fn server_versions_are_admitted_as_neo4j_migrations_compares() {
        let tests = |line: &str| match conditions(&[line]).pop() {
            Some(Condition::Version(t)) => t,
            other => panic!("{other:?}"),
        };
        assert!(admits(&tests(" assume that version is 5.26"), &[5, 26, 0]));
        assert!(!admits(&tests(" assume that version is 5.26"), &[5, 27, 0]));
        assert!(admits(&tests(" assume that version is ge 5"), &[2025, 1, 0]));
        assert!(!admits(&tests(" assume that version is lt 4.4"), &[4, 4, 0]));
        assert!(admits(&tests(" assume that version is lt 4.4"), &[4, 3, 9]));
        assert!(admits(&tests(" assume that version is 4.3, 5"), &[5, 1, 0]));
    }

    #[test]
    fn opposite_guards_are_exclusive() {
        let t = conditions(&[" assume q' RETURN true"]);
        let f = conditions(&[" assume q' RETURN false"]);
        assert!(exclusive(&t, &f));
        assert!(!exclusive(&t, &t));
        let one = conditions(&[" assume q'MATCH(v:Version {name:'4.1'}) RETURN count(v) = 1"]);
        let zero = conditions(&[" assume q'MATCH(v:Version {name:'4.1'}) RETURN count(v) = 0"]);
        assert!(exclusive(&one, &zero));
        let ee = conditions(&[" assume that edition is enterprise"]);
        let ce = conditions(&[" assume that edition is community"]);
        assert!(exclusive(&ee, &ce));
        let old = conditions(&[" assume that version is lt 4.4"]);
        let new = conditions(&[" assume that version is ge 4.4"]);
        assert!(exclusive(&old, &new));
        assert!(!exclusive(&old, &conditions(&[" assume that version is 4.3"])));
        assert!(!exclusive(&[], &t));
    }
}
