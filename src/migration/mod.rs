//! Migration sets: discovering migration files in a directory, their naming conventions and
//! versions, companion down scripts, `cymig:` directives and the `cymig.sum` integrity file.
//!
//! - [`changelog_xml`]: the Cypher of Liquibase / Liquigraph XML changelogs;
//! - [`naming`]: what a file name means; [`version`]: version parsing and ordering;
//! - [`directive`]: `// cymig:…` comments;
//! - [`load`]: reading a directory (or the sets some changed files belong to) into a
//!   [`MigrationSet`], parsing every file in parallel;
//! - [`sum`]: writing and verifying `cymig.sum`.
//!
//! Nothing here reports diagnostics: naming, duplicate-version and encoding problems are
//! collected as [`SetProblem`]s and `cymig.sum` results as [`sum::SumCheck`], for the checker
//! to turn into findings of its rules.

pub mod catalog_xml;
pub mod changelog_xml;
pub mod convention;
pub mod directive;
pub mod glob;
pub mod layout;
pub mod load;
pub mod naming;
pub mod precondition;
pub mod sum;
pub mod version;

use crate::ast::{Script, Statement};
use crate::source::SourceFile;
use crate::span::Span;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use load::{
    convention_for, discover_set_roots, load_for_files, load_paths, load_paths_walking, load_paths_with, LoadError,
    Overlay, Walk,
};
pub use naming::Style;

/// A migration version such as `1_10` or `2.1`, ordered numerically part by part; trailing
/// zero parts do not count (`2` == `2.0`). See [`version`].
#[derive(Clone, Debug)]
pub struct Version {
    /// As written in the file name.
    pub raw: String,
    pub parts: Vec<u64>,
}

/// What a file is within its set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileRole {
    /// `V…` or `….up.cypher`.
    Up,
    /// `U…` or `….down.cypher`.
    Down,
    /// `R__…`.
    Repeatable,
    /// `….verify.cypher`.
    Verify,
    /// A neo4j-migrations lifecycle callback (`beforeMigrate.cypher`, …): linted, not a migration.
    Callback,
    /// A Liquibase / Liquigraph changelog (XML, or `-- liquibase formatted cypher`): a series of
    /// change sets, each a migration of its own, in one file that follows no naming convention.
    Changelog,
    /// A `.cypher` file that follows no naming convention, or an XML changelog (still parsed
    /// and linted).
    Unrecognised,
}

/// One parsed migration file.
#[derive(Clone, Debug)]
pub struct MigrationFile {
    /// The path as found (the set's root as given, joined with the file's relative path).
    pub source: Arc<SourceFile>,
    pub script: Script,
    pub directives: Vec<Directive>,
    /// The path relative to the set's root, with `/` separators (as in `cymig.sum`).
    pub relative_path: String,
    pub role: FileRole,
    /// Index into `script.statements` of the first verify query: the statements after a
    /// `// cymig:verify` comment (or all of a `.verify.cypher` file). `None`: no verify section.
    pub verify_start: Option<usize>,
    /// Index into `script.statements` of the first statement of a down section written in the
    /// file itself, after a `-- +migrate Down` (golang-migrate, sql-migrate, neo4go) marker.
    pub down_start: Option<usize>,
    /// The change sets of a changelog (XML, or Liquibase formatted Cypher), found once when the
    /// file is read; empty for other files.
    pub change_sets: Vec<changelog_xml::ChangeSet>,
    /// Byte offset of the first invalid UTF-8 sequence; the file was then not parsed and
    /// `source.text` is a lossy copy (a [`ProblemKind::InvalidUtf8`] problem is recorded).
    pub invalid_utf8_at: Option<usize>,
    /// sha256 of the raw bytes with CRLF normalised to LF (see [`sum`]).
    pub content_hash: [u8; 32],
    /// For a neo4j-migrations catalog migration (`V1__x.xml`): the schema commands it stands
    /// for, which the schema model replays in its place (see [`catalog_xml`]). Its `script`
    /// holds no statement: there is no Cypher in the file to lint.
    pub catalog: Option<Arc<CatalogCypher>>,
}

/// The Cypher a catalog migration stands for, parsed.
#[derive(Clone, Debug)]
pub struct CatalogCypher {
    pub text: String,
    pub script: Script,
}

impl MigrationFile {
    /// The schema statements the schema model replays for this file, with the text their
    /// spans index and the comments that say which database each runs against.
    pub fn schema_input(&self) -> (&str, &[Statement], &[crate::ast::Comment]) {
        match &self.catalog {
            Some(c) => (&c.text, &c.script.statements, &c.script.comments),
            None => (&self.source.text, self.migration_statements(), &self.script.comments),
        }
    }
}

impl MigrationFile {
    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// The statements to migrate with: everything before the verify section.
    pub fn migration_statements(&self) -> &[Statement] {
        let all = self.script.statements.len();
        let end = self.verify_start.unwrap_or(all).min(self.down_start.unwrap_or(all));
        &self.script.statements[..end.min(all)]
    }

    /// Whether the file is a Liquibase formatted-Cypher changelog (`-- liquibase formatted …`
    /// on its first line, read as framing).
    pub fn is_liquibase_formatted(&self) -> bool {
        is_liquibase_formatted(&self.script)
    }

    /// Whether the file is a formatted-Cypher changelog whose change sets `cymig up` may apply
    /// ([`MigrationSet::applies_change_sets`]).
    pub fn is_formatted_changelog(&self) -> bool {
        self.role == FileRole::Changelog && self.is_liquibase_formatted()
    }

    /// The statements of the file's own down section (`-- +migrate Down`), if it has one.
    pub fn in_file_down_statements(&self) -> &[Statement] {
        let all = self.script.statements.len();
        let Some(start) = self.down_start else { return &[] };
        let end = self.verify_start.filter(|v| *v > start).unwrap_or(all);
        &self.script.statements[start.min(all)..end.min(all)]
    }

    /// The verify queries (each must return `true`): the statements after `// cymig:verify`.
    pub fn verify_statements(&self) -> &[Statement] {
        match self.verify_start {
            Some(start) => &self.script.statements[start.min(self.script.statements.len())..],
            None => &[],
        }
    }

    /// The directive applying to statement `index` of this file (`ignore` / `irreversible`).
    pub fn directives_for_statement(&self, index: usize) -> impl Iterator<Item = &Directive> {
        self.directives.iter().filter(move |d| d.target_statement(&self.script.statements) == Some(index))
    }
}

/// Whether a parsed file is a Liquibase formatted-Cypher changelog: its first comment is the
/// `-- liquibase formatted cypher` line (read as framing).
pub fn is_liquibase_formatted(script: &Script) -> bool {
    script.comments.first().is_some_and(|c| {
        c.kind == crate::ast::CommentKind::Framing && c.text.to_ascii_lowercase().contains("liquibase formatted")
    })
}

/// A versioned migration with its optional explicit down script and verify companion.
#[derive(Clone, Debug)]
pub struct Migration {
    pub version: Version,
    pub description: String,
    pub style: Style,
    pub up: MigrationFile,
    pub down: Option<MigrationFile>,
    /// `<stem>.verify.cypher`.
    pub verify: Option<MigrationFile>,
    /// Other files of this version whose neo4j-migrations assumptions exclude this one's
    /// (`// assume that edition is community` / `… enterprise`): `up` applies the one whose
    /// assumptions hold. They are also in [`MigrationSet::unrecognised`], linted as files.
    pub alternatives: Vec<Migration>,
}

impl Migration {
    /// Up, down, verify, in that order.
    pub fn files(&self) -> impl Iterator<Item = &MigrationFile> {
        std::iter::once(&self.up).chain(self.down.as_ref()).chain(self.verify.as_ref())
    }
}

/// `R__<description>.cypher`: applied after the versioned migrations, again whenever edited.
#[derive(Clone, Debug)]
pub struct Repeatable {
    pub description: String,
    pub file: MigrationFile,
}

/// A directory of migrations, in version order.
#[derive(Clone, Debug, Default)]
pub struct MigrationSet {
    /// The directory as given (or as found from a changed file).
    pub root: PathBuf,
    /// Versioned migrations, ascending. A duplicate version keeps the first file (by path)
    /// here; the other is in `unrecognised` with a [`ProblemKind::DuplicateVersion`] problem.
    pub migrations: Vec<Migration>,
    /// Repeatable migrations, by description.
    pub repeatables: Vec<Repeatable>,
    /// `.cypher` files that are part of no migration (bad names, orphan down/verify files,
    /// duplicates): still parsed, so their statements are linted too.
    pub unrecognised: Vec<MigrationFile>,
    pub problems: Vec<SetProblem>,
    /// When the set was loaded for some changed files: those files (canonical paths).
    /// Findings are reported only for them; `None` means every file.
    pub focus: Option<BTreeSet<PathBuf>>,
    /// How the files were classified: detected, or the layout the configuration sets.
    pub convention: convention::Convention,
    /// Only the root's own files were read (a file's directory that is no migration set).
    pub top_only: bool,
}

impl MigrationSet {
    /// Whether `cymig up` applies the set's formatted-Cypher changelogs change set by change
    /// set: only where the set has no versioned migrations, whose versions would otherwise meet
    /// the change sets' numbers in one history (the changelogs are then linted only).
    pub fn applies_change_sets(&self) -> bool {
        self.migrations.is_empty()
    }

    /// Every file of the set in `cymig.sum` order: each migration's up, down and verify file by
    /// version, then repeatables, then unrecognised files.
    pub fn files(&self) -> impl Iterator<Item = &MigrationFile> {
        self.migrations
            .iter()
            .flat_map(Migration::files)
            .chain(self.repeatables.iter().map(|r| &r.file))
            .chain(self.unrecognised.iter())
    }

    /// The files `cymig.sum` covers: versioned (with down and verify files) and repeatable.
    pub fn summed_files(&self) -> impl Iterator<Item = &MigrationFile> {
        self.migrations.iter().flat_map(Migration::files).chain(self.repeatables.iter().map(|r| &r.file))
    }

    /// Whether findings in `path` should be reported (see `focus`).
    pub fn is_reported(&self, path: &Path) -> bool {
        match &self.focus {
            None => true,
            Some(focus) => {
                let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                focus.contains(&canonical)
            }
        }
    }

    /// The files to report findings for.
    pub fn reported_files(&self) -> impl Iterator<Item = &MigrationFile> {
        self.files().filter(|f| self.is_reported(f.path()))
    }

    /// `cymig.sum` of this set.
    pub fn sum_path(&self) -> PathBuf {
        self.root.join(sum::SUM_FILE)
    }

    /// The layout problems of one file (as found, e.g. `MigrationFile::path`).
    pub fn problems_for<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a SetProblem> + 'a {
        self.problems.iter().filter(move |p| p.path == path)
    }

    /// The migration a file belongs to (as its up, down or verify file), if any.
    pub fn migration_of(&self, path: &Path) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.files().any(|f| f.path() == path))
    }

    pub fn migration(&self, version: &Version) -> Option<&Migration> {
        self.migrations.iter().find(|m| &m.version == version)
    }
}

/// Something wrong with the layout of a set, for the `migration-naming` and
/// `duplicate-version` rules (and an encoding finding for invalid UTF-8).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SetProblem {
    /// The file concerned, as found.
    pub path: PathBuf,
    pub kind: ProblemKind,
    /// In user terms: "`V1_add_x.cypher` does not follow …".
    pub message: String,
    /// What to do, e.g. "rename it to `V1__add_x.cypher`".
    pub help: Option<String>,
    /// The conventional file name, when one can be suggested.
    pub suggested_name: Option<String>,
    /// Where in the file, when the problem is inside it (invalid UTF-8).
    pub span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ProblemKind {
    /// A `.cypher` file that follows no naming convention.
    Naming,
    /// A down script (`U…` / `.down.cypher`) whose up migration does not exist.
    OrphanDown,
    /// A `.verify.cypher` file whose migration does not exist.
    OrphanVerify,
    /// A second down (or verify) file for one migration.
    DuplicateCompanion { of: PathBuf },
    /// A second migration with a version already taken by `other`.
    DuplicateVersion { version: String, other: PathBuf },
    /// The file is not valid UTF-8 at byte `offset`.
    InvalidUtf8 { offset: usize },
}

impl ProblemKind {
    /// The rule that reports this problem.
    pub fn rule_name(&self) -> &'static str {
        match self {
            ProblemKind::DuplicateVersion { .. } => "duplicate-version",
            ProblemKind::InvalidUtf8 { .. } => "syntax-error",
            _ => "migration-naming",
        }
    }
}

/// A `// cymig:…` directive found in a comment. See [`directive`].
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    /// The whole comment.
    pub span: Span,
    pub kind: DirectiveKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DirectiveKind {
    /// `cymig:ignore rule[, rule] -- reason`: the next statement.
    Ignore { rules: Vec<(String, Span)>, reason: Option<String> },
    /// `cymig:ignore-file rule[, rule] -- reason`.
    IgnoreFile { rules: Vec<(String, Span)>, reason: Option<String> },
    /// `cymig:irreversible -- reason`: acknowledges the next statement cannot be undone.
    Irreversible { reason: Option<String> },
    /// `cymig:verify`: the statements after it, to the end of the file, are verify queries.
    Verify,
    /// Anything else after `cymig:` (the text after `cymig:`); the checker reports it.
    Unknown { text: String },
}

/// Whether the file's name says it is a test fixture: `testPlainFormat.cypher`, `test_seed.cypher`,
/// `users_test.cypher` (but not `testimonials.cypher`). Read only for files that are not named
/// as migrations, whose name is free.
pub fn named_as_test(path: &Path) -> bool {
    let Some(stem) = path.file_stem().map(|s| s.to_string_lossy()) else { return false };
    let after_prefix = stem.strip_prefix("test").or_else(|| stem.strip_prefix("Test"));
    let prefixed = after_prefix.is_some_and(|rest| rest.chars().next().is_some_and(|c| !c.is_ascii_lowercase()));
    let lower = stem.to_ascii_lowercase();
    prefixed || lower.ends_with("_test") || lower.ends_with("-test") || lower.ends_with(".test")
}

/// Whether `path` lies in a test directory (`src/test/resources/`, `tests/`, `testdata/`, …),
/// judged on the part of the path below the working directory, so that a checkout that itself
/// sits under some `tests/` directory is not all test code.
pub fn under_test_dir(path: &Path) -> bool {
    const TEST_DIRS: [&str; 6] = ["test", "tests", "testdata", "test-resources", "test_resources", "__tests__"];
    let cwd = std::env::current_dir().ok();
    let below = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    below.components().any(|c| TEST_DIRS.contains(&c.as_os_str().to_string_lossy().to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod test_names {
    use super::named_as_test;
    use std::path::Path;

    #[test]
    fn a_name_that_says_test() {
        for name in
            ["testPlainFormat.cypher", "TestSeed.cypher", "test_seed.cypher", "test-1.cypher", "users_test.cypher"]
        {
            assert!(named_as_test(Path::new(name)), "{name}");
        }
        for name in ["testimonials.cypher", "latest.cypher", "contest_results.cypher", "seed.cypher", "test.cypher"] {
            assert!(!named_as_test(Path::new(name)), "{name}");
        }
    }
}
