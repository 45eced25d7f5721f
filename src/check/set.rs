//! What the checker needs around the files it lints, on top of the migration-set loader
//! ([`crate::migration::load_paths`]): each file's role, the schema before it, and set-level
//! facts (naming, duplicate versions, `cymig.sum`). Findings are reported only for the files
//! the set's focus names (every file when a directory was given).

use super::recorded::{AppliedHistory, RecordedIn};
use super::{FileResult, FileView, LintOptions};
use crate::ast::Script;
use crate::error::Result;
use crate::migration::sum::{self, SumStatus};
use crate::migration::{Directive, Migration, MigrationFile, MigrationSet};
use crate::rules::context::{SetFacts, SetFinding};
use crate::rules::FileRole;
use crate::schema::Catalog;
use crate::source::SourceFile;
use crate::span::Span;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file's text, AST and directives.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: Arc<SourceFile>,
    pub script: Script,
    pub directives: Vec<Directive>,
    /// A changelog's change sets (see `MigrationFile::change_sets`).
    pub change_sets: Vec<crate::migration::changelog_xml::ChangeSet>,
}

impl ParsedFile {
    /// Parses a text outside any set (standalone linting, and re-linting after fixes).
    pub fn parse(path: PathBuf, text: String) -> ParsedFile {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let masked = crate::migration::changelog_xml::is_xml_name(&name)
            .then(|| crate::migration::changelog_xml::mask(&text))
            .flatten();
        if let Some(masked) = masked {
            let script = crate::syntax::parse(&masked.up);
            let directives = crate::migration::directive::parse_directives(&masked.up, &script.comments);
            let change_sets = masked.change_sets;
            return ParsedFile { source: Arc::new(SourceFile::new(path, text)), script, directives, change_sets };
        }
        let script = crate::syntax::parse(&text);
        let directives = if script.comments.is_empty() && text.contains("cymig:") {
            // The parser records comments; this covers a parser that found none.
            let comments = super::directives::scan_comments(&text);
            crate::migration::directive::parse_directives(&text, &comments)
        } else {
            crate::migration::directive::parse_directives(&text, &script.comments)
        };
        let change_sets = crate::migration::load::formatted_change_sets_of(&text, &script);
        ParsedFile { source: Arc::new(SourceFile::new(path, text)), script, directives, change_sets }
    }

    fn from_migration_file(f: MigrationFile) -> ParsedFile {
        ParsedFile { source: f.source, script: f.script, directives: f.directives, change_sets: f.change_sets }
    }
}

/// A migration set, parsed, with what the rules need about each file.
pub struct LoadedSet {
    pub root: PathBuf,
    pub files: Vec<ParsedFile>,
    pub roles: Vec<FileRole>,
    pub catalogs: Vec<Catalog>,
    pub facts: Vec<SetFacts>,
    /// Indexes into `files` of the files to report on.
    pub reported: Vec<usize>,
    /// Findings about `cymig.sum` itself (tampered, removed migrations), when it is reported.
    pub sum_findings: Option<FileResult>,
    /// The conventions detected in the set, in one line (`cymig lint -v`).
    pub layout: String,
    /// Per file: where it is recorded as a migration that may have run (such a file is never
    /// rewritten by `--fix`).
    pub recorded: Vec<Option<RecordedIn>>,
    pub sum_path: PathBuf,
}

impl LoadedSet {
    pub fn view_of(&self, i: usize) -> FileView<'_> {
        FileView {
            script: &self.files[i].script,
            directives: &self.files[i].directives,
            role: self.roles[i].clone(),
            catalog_before: &self.catalogs[i],
            set_facts: self.facts[i].clone(),
        }
    }
}

/// The data touches of the set's up migrations in order, and where each migration's end in
/// them (none when no migration has a down script: only down-mismatch reads them).
fn touches_of_set(migrations: &[Migration], any_down: bool) -> (Arc<crate::undo::compare::TouchLog>, Vec<usize>) {
    let mut touches = Vec::new();
    let mut ends = Vec::new();
    for m in migrations.iter().filter(|_| any_down) {
        touches.extend(crate::schema::effects::touches_of_statements(m.up.migration_statements(), &m.up.source.text));
        ends.push(touches.len());
    }
    (Arc::new(crate::undo::compare::TouchLog::new(touches)), ends)
}

/// Loads the set around every path given.
pub fn load(paths: &[PathBuf], options: &LintOptions) -> Result<Vec<LoadedSet>> {
    load_overlaid(paths, options, &crate::migration::Overlay::new())
}

/// [`load`], reading the files `overlay` holds from it instead of the disk.
pub fn load_overlaid(
    paths: &[PathBuf],
    options: &LintOptions,
    overlay: &crate::migration::Overlay,
) -> Result<Vec<LoadedSet>> {
    let walk = crate::migration::Walk::excluding(&options.exclude);
    let migrations_dir = options.migrations_dir.as_deref();
    let sets = crate::migration::load_paths_walking(paths, migrations_dir, &options.layout, &walk, overlay)?;
    sets.into_iter().map(|s| adapt(s, options)).collect()
}

/// Whether a directory is a migration set at all: it holds a recognised migration, or it is
/// the configured migrations directory. A directory of ad-hoc scripts is not, and its file
/// names are not held to the layout.
/// Where a misnamed `.cypher` file is a `migration-naming` finding: anywhere in the configured
/// migrations directory, else only in a directory that itself holds a recognised migration (a
/// numbered file in `migrations/` does not make the schema scripts at the repository root
/// misnamed migrations).
enum NamingScope {
    All,
    Dirs(BTreeSet<PathBuf>),
}

impl NamingScope {
    fn of(set: &MigrationSet, options: &LintOptions) -> NamingScope {
        use crate::migration::convention::{Convention, LayoutKind};
        if set.convention == Convention::Named(LayoutKind::Liquibase) {
            // Liquibase names no file: the set's other `.cypher` files are scripts.
            return NamingScope::Dirs(BTreeSet::new());
        }
        let configured = options.migrations_dir.as_ref().is_some_and(|m| {
            std::fs::canonicalize(m).ok().is_some_and(|m| std::fs::canonicalize(&set.root).ok() == Some(m))
        });
        if configured || set.convention.is_configured() {
            return NamingScope::All;
        }
        let ups = set.migrations.iter().map(|m| &m.up);
        let dirs = ups.chain(set.repeatables.iter().map(|r| &r.file)).filter_map(|f| f.path().parent());
        NamingScope::Dirs(dirs.map(Path::to_path_buf).collect())
    }

    fn applies_to(&self, path: &Path) -> bool {
        match self {
            NamingScope::All => true,
            NamingScope::Dirs(dirs) => path.parent().is_some_and(|d| dirs.contains(d)),
        }
    }
}

pub(crate) fn adapt(set: MigrationSet, options: &LintOptions) -> Result<LoadedSet> {
    let naming = NamingScope::of(&set, options);
    let mut layout = crate::migration::layout::Layout::of(&set, |p| naming.applies_to(p)).summary();
    layout.push_str(&placeholder_note(&set));
    layout.push_str(&scope_note(&set));
    let sum_check = sum::verify(&set)?;
    let sum_path = set.sum_path();
    let root = set.root.clone();
    let sum_reported = set.is_reported(&set.sum_path());
    let mut files = Vec::new();
    let mut roles = Vec::new();
    let mut catalogs = Vec::new();
    let mut reported = Vec::new();
    let mut running = Catalog::default();
    let problems = set.problems.clone();
    let focus_check = |set: &MigrationSet, f: &MigrationFile| set.is_reported(f.path());
    let mut is_reported = Vec::new();
    // Decide reporting before the set is taken apart.
    for f in set.files() {
        is_reported.push(focus_check(&set, f));
    }
    let changelogs_applied = set.applies_change_sets();
    let MigrationSet { migrations, repeatables, unrecognised, .. } = set;
    let mut down_facts: Vec<(usize, SetFacts)> = Vec::new();
    // Only sets with a down script pay for the data touches down-mismatch compares with.
    let any_down = migrations.iter().any(|m| m.down.is_some() || m.up.down_start.is_some());
    let (touch_log, touch_ends) = touches_of_set(&migrations, any_down);
    let mut touches_before = 0;
    for (index, m) in migrations.into_iter().enumerate() {
        let version = m.version.raw.clone();
        let before = running.clone();
        let (text, statements, comments) = m.up.schema_input();
        running.apply_script_statements(comments, statements, text, Some(&version));
        let empty_down = empty_down(&m);
        let has_down = (m.down.is_some() || m.up.down_start.is_some()) && empty_down.is_none();
        roles.push(FileRole::Up { version: version.clone(), has_down });
        let down_history = has_down.then(|| {
            Arc::new(crate::rules::context::DownHistory {
                up: m.down.as_ref().map(|_| {
                    let up = &m.up;
                    let statements =
                        crate::undo::compare::to_undo(up.migration_statements(), &up.script.statements, &up.directives);
                    (up.source.text.clone(), statements, up.script.comments.clone())
                }),
                earlier: touch_log.prefix(touches_before),
            })
        });
        touches_before = touch_ends.get(index).copied().unwrap_or(0);
        down_facts
            .push((files.len(), SetFacts { empty_down, down_history: down_history.clone(), ..SetFacts::default() }));
        let before_up = Arc::new(before.clone());
        catalogs.push(before);
        files.push(ParsedFile::from_migration_file(m.up));
        if let Some(down) = m.down {
            roles.push(FileRole::Down { version: version.clone() });
            catalogs.push(running.clone());
            down_facts
                .push((files.len(), SetFacts { before_up: Some(before_up), down_history, ..SetFacts::default() }));
            files.push(ParsedFile::from_migration_file(down));
        }
        if let Some(verify) = m.verify {
            roles.push(FileRole::Verify);
            catalogs.push(running.clone());
            files.push(ParsedFile::from_migration_file(verify));
        }
    }
    for r in repeatables {
        roles.push(FileRole::Repeatable);
        catalogs.push(running.clone());
        files.push(ParsedFile::from_migration_file(r.file));
    }
    let mut scripts_catalog = Catalog::default();
    for u in &unrecognised {
        scripts_catalog.apply_script_statements(&u.script.comments, u.migration_statements(), &u.source.text, None);
    }
    let scripts_catalog = Arc::new(scripts_catalog);
    let mut applied_changelogs = Vec::new();
    for u in unrecognised {
        roles.push(if u.role == crate::migration::FileRole::Callback {
            FileRole::Callback
        } else if u.role == crate::migration::FileRole::Changelog || naming.applies_to(u.path()) {
            FileRole::Standalone
        } else {
            FileRole::Script
        });
        catalogs.push(running.clone());
        // XML changelogs run in the order their master changelog includes them, which cymig
        // does not read: file-name order stands in for it, so the schema one changelog creates
        // is known to the ones after it.
        let name = u.relative_path.rsplit('/').next().unwrap_or("");
        if crate::migration::changelog_xml::is_xml_name(name) {
            running.apply_script_statements(&u.script.comments, u.migration_statements(), &u.source.text, None);
        }
        if changelogs_applied && u.is_formatted_changelog() {
            applied_changelogs.push(files.len());
        }
        files.push(ParsedFile::from_migration_file(u));
    }
    let mut facts = vec![SetFacts::default(); files.len()];
    for (i, fact) in down_facts {
        facts[i] = fact;
    }
    for i in applied_changelogs {
        facts[i].applied_change_sets = true;
    }
    for (f, fact) in files.iter().zip(&mut facts) {
        fact.change_sets = f.change_sets.clone();
    }
    let index_of: HashMap<&Path, usize> = files.iter().enumerate().map(|(i, f)| (f.source.path.as_path(), i)).collect();
    for (f, role) in facts.iter_mut().zip(&roles) {
        if matches!(role, FileRole::Standalone | FileRole::Script) {
            f.scripts_catalog = Arc::clone(&scripts_catalog);
        }
    }
    for p in &problems {
        if p.kind == crate::migration::ProblemKind::Naming && !naming.applies_to(&p.path) {
            continue;
        }
        if let Some(&i) = index_of.get(p.path.as_path()) {
            facts[i].problems.push(SetFinding {
                rule: p.kind.rule_name(),
                span: p.span.unwrap_or(Span::at(0)),
                message: p.message.clone(),
                help: p.help.clone(),
            });
        }
    }
    let mut sum_findings = None;
    if let Some(check) = &sum_check {
        let mut rechained_reported = false;
        for e in check.problems() {
            let message = match e.status {
                SumStatus::Edited => (
                    format!("`{}` changed after cymig.sum recorded it", e.relative_path),
                    "add a new migration instead of editing an applied one; if the edit is intended (a comment, formatting), run `cymig hash` and commit cymig.sum".to_string(),
                ),
                SumStatus::NotInSum => (
                    format!("`{}` is not in cymig.sum", e.relative_path),
                    "run `cymig hash` and commit cymig.sum with the new migration".to_string(),
                ),
                SumStatus::Rechained if !rechained_reported => {
                    rechained_reported = true;
                    (
                        format!(
                            "the migrations before `{}` changed since cymig.sum was written (a migration was added, removed or edited before it — often two branches each adding one)",
                            e.relative_path
                        ),
                        "renumber your migration after the ones merged before it, then run `cymig hash`".to_string(),
                    )
                }
                _ => continue,
            };
            if let Some(i) = files.iter().position(|f| f.source.path == e.path) {
                facts[i].edited = Some(message);
            }
        }
        if sum_reported {
            sum_findings = sum_file_findings(check);
        }
    }
    for (i, r) in is_reported.into_iter().enumerate() {
        if r && i < files.len() {
            reported.push(i);
        }
    }
    let recorded = files
        .iter()
        .zip(&roles)
        .map(|(f, role)| recorded_in(sum_check.as_ref(), &f.source.path, role, options.applied.as_ref()))
        .collect();
    Ok(LoadedSet { root, files, roles, catalogs, facts, reported, sum_findings, layout, recorded, sum_path })
}

/// Where a file is recorded as having (perhaps) run: `cymig.sum` lists it, or the history of
/// the database given to `lint --uri` holds its version.
fn recorded_in(
    sum: Option<&sum::SumCheck>,
    path: &Path,
    role: &FileRole,
    applied: Option<&AppliedHistory>,
) -> Option<RecordedIn> {
    if listed_in(sum, path) {
        return Some(RecordedIn::Sum);
    }
    let FileRole::Up { version, .. } = role else { return None };
    let applied = applied?;
    let key = crate::migration::Version::parse(version).ok()?.history_key();
    applied.keys.contains(&key).then(|| RecordedIn::Database(applied.database.clone()))
}

/// Whether `cymig.sum` has a line for the file (matching or not: either way it may have run).
fn listed_in(check: Option<&sum::SumCheck>, path: &Path) -> bool {
    check.is_some_and(|c| c.entries.iter().any(|e| e.line_span.is_some() && e.path == path))
}

/// `; placeholders ${env} (2 files), ${label} (1 file)`: the neo4j-migrations placeholders the
/// set uses, which cymig lints around without knowing their values.
/// For a set brought in by files given on the command line: how many, and whether the set's
/// subdirectories were read, so `-v` says which set a file was linted with.
fn scope_note(set: &MigrationSet) -> String {
    let Some(focus) = &set.focus else { return String::new() };
    let given = if focus.len() == 1 { "1 file given".to_string() } else { format!("{} files given", focus.len()) };
    let reach = if set.top_only {
        "this directory only: it holds no versioned migration, changelog or cymig.sum"
    } else {
        "subdirectories included"
    };
    format!("; the set of the {given} ({reach})")
}

fn placeholder_note(set: &MigrationSet) -> String {
    let mut files_using: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in set.files() {
        let names: BTreeSet<&str> = f.script.placeholders.iter().map(|p| p.name.as_str()).collect();
        for name in names {
            *files_using.entry(name).or_default() += 1;
        }
    }
    if files_using.is_empty() {
        return String::new();
    }
    let each = files_using.iter().map(|(name, n)| format!("${{{name}}} ({n} file{})", if *n == 1 { "" } else { "s" }));
    format!("; placeholders {}", each.collect::<Vec<_>>().join(", "))
}

/// The explicit down script of `m` when it holds no statement (empty, or comments only) and
/// no syntax error either: it undoes nothing, so the up migration counts as having no down.
fn empty_down(m: &Migration) -> Option<String> {
    let holds_nothing = |f: &MigrationFile, statements: &[crate::ast::Statement]| {
        statements.is_empty() && f.script.errors.is_empty() && f.invalid_utf8_at.is_none()
    };
    if let Some(down) = &m.down {
        let name = down.relative_path.rsplit('/').next().unwrap_or(&down.relative_path);
        return holds_nothing(down, down.migration_statements()).then(|| format!("the down script `{name}`"));
    }
    let marker_only = m.up.down_start.is_some() && holds_nothing(&m.up, m.up.in_file_down_statements());
    marker_only.then(|| "the down section of this file".to_string())
}

/// Findings on `cymig.sum` itself: a tampered file, or migrations it lists that are gone.
fn sum_file_findings(check: &sum::SumCheck) -> Option<FileResult> {
    let meta = crate::rules::registry::by_name("edited-migration")?.meta();
    let mut diagnostics = Vec::new();
    if let Some(t) = &check.tampered {
        diagnostics.push(meta.diagnostic(t.span, t.message.clone()));
    }
    for e in check.entries.iter().filter(|e| e.status == SumStatus::Removed) {
        let mut d = meta.diagnostic(
            e.line_span.unwrap_or(Span::at(0)),
            format!("`{}` is in cymig.sum but no longer exists", e.relative_path),
        );
        d.help =
            Some("applied migrations must not be deleted; if it was never applied anywhere, run `cymig hash`".into());
        diagnostics.push(d);
    }
    (!diagnostics.is_empty()).then(|| FileResult { source: check.source.clone(), diagnostics })
}
