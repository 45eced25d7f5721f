//! The checker: runs the rules over migration files, applies suppressions, configuration and
//! fixes. [`lint`] is the driver behind `cymig lint`; [`lint_source`] lints one text on its own.

mod directives;
mod embedded;
mod engine;
pub mod fix;
mod gate;
pub mod options;
pub(crate) mod parallel;
pub mod recorded;
pub mod set;
mod suppress;

pub use gate::{check_set, Passed};
pub use options::{FixMode, LintOptions};

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Result;
use crate::rules::{self, FileContext, FileRole};
use crate::schema::Catalog;
use crate::source::SourceFile;
use engine::RuleSet;
use std::path::PathBuf;
use std::sync::Arc;

/// The findings for one file.
#[derive(Clone, Debug)]
pub struct FileResult {
    pub source: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What `cymig lint` found (and fixed).
#[derive(Clone, Debug, Default)]
pub struct LintOutcome {
    /// One entry per linted file, sorted by path; diagnostics sorted by position.
    pub files: Vec<FileResult>,
    /// Each set read, with the conventions detected in it (`Layout::summary`).
    pub layouts: Vec<(PathBuf, String)>,
    /// Files whose text the fixes changed (written unless `--diff`).
    pub fixed: Vec<FixedFile>,
    /// Migrations recorded in `cymig.sum` that had fixes, left as they are.
    pub held_back: Vec<recorded::HeldBack>,
    /// The reported files that `cymig.sum` lists: `--fix` never rewrites them.
    pub frozen: std::collections::BTreeSet<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct FixedFile {
    pub path: PathBuf,
    pub original: String,
    pub fixed: String,
    /// How many fixes were applied.
    pub applied: usize,
}

impl LintOutcome {
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| f.diagnostics.iter())
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics().any(|d| d.severity == Severity::Error)
    }

    /// 0 clean, 1 findings at error severity (or any finding with `strict`).
    pub fn exit_code(&self, strict: bool) -> i32 {
        let failing =
            if strict { self.diagnostics().any(|d| d.severity >= Severity::Warning) } else { self.has_errors() };
        i32::from(failing)
    }
}

/// Lints files and directories: loads the whole migration set of each, reports findings only
/// for the files given (every file of a directory given), applies fixes when asked.
pub fn lint(paths: &[PathBuf], options: &LintOptions) -> Result<LintOutcome> {
    lint_overlaid(paths, options, &crate::migration::Overlay::new())
}

/// [`lint`], reading the files `overlay` holds from it instead of the disk (an editor's open
/// buffers).
pub fn lint_overlaid(
    paths: &[PathBuf],
    options: &LintOptions,
    overlay: &crate::migration::Overlay,
) -> Result<LintOutcome> {
    let sets = set::load_overlaid(paths, options, overlay)?;
    let jobs: Vec<(usize, usize)> =
        sets.iter().enumerate().flat_map(|(si, s)| s.reported.iter().map(move |&fi| (si, fi))).collect();
    let results = parallel::map(&jobs, |&(si, fi)| lint_in_set(&sets[si], fi, options));
    let layouts = sets.iter().map(|s| (s.root.clone(), s.layout.clone())).collect();
    let frozen = sets
        .iter()
        .flat_map(|s| s.reported.iter().filter(|&&i| s.recorded[i].is_some()).map(|&i| s.files[i].source.path.clone()))
        .collect();
    let mut outcome = LintOutcome { layouts, frozen, ..LintOutcome::default() };
    outcome.files.extend(sets.iter().filter_map(|s| s.sum_findings.clone()));
    for (file, fixed, held) in results {
        outcome.files.push(file);
        outcome.fixed.extend(fixed);
        outcome.held_back.extend(held);
    }
    drop_in_background(sets);
    outcome.files.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    outcome.fixed.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.held_back.sort_by(|a, b| a.path.cmp(&b.path));
    if options.fix != FixMode::None && !options.diff {
        for f in &outcome.fixed {
            std::fs::write(&f.path, &f.fixed)
                .map_err(|source| crate::error::Error::Io { path: f.path.clone(), source })?;
        }
    }
    Ok(outcome)
}

/// Lints one text of no migration set (standard input), with its fixes applied when
/// `options.fix` asks for them; nothing is written.
pub fn lint_text(path: &str, text: &str, options: &LintOptions) -> LintOutcome {
    let first = lint_source(path, text, options);
    let mut outcome = LintOutcome::default();
    if options.fix == FixMode::None {
        outcome.files.push(first);
        return outcome;
    }
    let source = first.source.clone();
    let (result, fixed) = fix::fix_until_stable(&source, first, options, |s| lint_source(path, &s.text, options));
    outcome.files.push(result);
    outcome.fixed.extend(fixed);
    outcome
}

/// Freeing every file's AST is a few milliseconds for a large set, all on the caller's thread
/// right when it has a report to render: a thread of its own does it meanwhile.
/// (When no thread can be started, the closure and so the sets are dropped here.)
fn drop_in_background(sets: Vec<set::LoadedSet>) {
    let _ = std::thread::Builder::new().name("cymig-free".into()).spawn(move || drop(sets));
}

type Linted = (FileResult, Option<FixedFile>, Option<recorded::HeldBack>);

fn lint_in_set(set: &set::LoadedSet, index: usize, options: &LintOptions) -> Linted {
    let file = &set.files[index];
    let view = set.view_of(index);
    let first = lint_file(&file.source, &view, options);
    if options.fix == FixMode::None {
        return (first, None, None);
    }
    if let Some(recorded) = &set.recorded[index] {
        let fixable: Vec<&Diagnostic> = first.diagnostics.iter().filter(|d| fix::fixable(d, options.fix)).collect();
        let held = (!fixable.is_empty()).then(|| recorded::held_back(file, recorded, &set.sum_path, &fixable));
        return (first, None, held);
    }
    let (result, fixed) = fix::fix_until_stable(&file.source, first, options, |source| {
        let reparsed = set::ParsedFile::parse(source.path.clone(), source.text.clone());
        let mut view = set.view_of(index);
        view.script = &reparsed.script;
        view.directives = &reparsed.directives;
        lint_file(&reparsed.source, &view, options)
    });
    (result, fixed, None)
}

/// Everything the rules need about one file, borrowed from its loaded set.
pub struct FileView<'a> {
    pub script: &'a crate::ast::Script,
    pub directives: &'a [crate::migration::Directive],
    pub role: FileRole,
    pub catalog_before: &'a Catalog,
    pub set_facts: rules::context::SetFacts,
}

/// The settings a file is linted with: its neo4j-migrations preconditions
/// (`// assume that edition is enterprise`, `// assert that version is 4.3`) narrow the
/// configured edition and target to where the file runs.
fn guarded_settings(settings: &rules::Settings, script: &crate::ast::Script) -> rules::Settings {
    use crate::migration::precondition;
    let conditions = precondition::parse(&script.comments);
    let mut narrowed = settings.clone();
    if let Some(edition) = precondition::edition(&conditions) {
        narrowed.edition = edition;
        narrowed.edition_stated = true;
    }
    narrowed.target = precondition::target_for(settings.target, &conditions);
    narrowed.before_4_4 = precondition::only_before(&conditions, &[4, 4]);
    narrowed
}

/// Runs the selected rules, suppressions and severity overrides over one parsed file; fixes that
/// would not re-lint clean are withdrawn (see [`fix::keep_clean_fixes`]).
pub fn lint_file(source: &Arc<SourceFile>, view: &FileView, options: &LintOptions) -> FileResult {
    let mut result = run_rules(source, view, options);
    if result.diagnostics.iter().any(|d| d.fix.is_some()) {
        let path = source.path.clone();
        fix::keep_clean_fixes(&source.text, view.script, &mut result.diagnostics, |text| {
            standalone(path.clone(), text, options).diagnostics
        });
    }
    result
}

/// One text linted on its own, with its fixes as the rules wrote them.
fn standalone(path: PathBuf, text: &str, options: &LintOptions) -> FileResult {
    as_standalone_file(path, text, |source, view| run_rules(source, view, options))
}

/// Parses `text` as a file of no migration set and hands it to `lint`.
fn as_standalone_file(
    path: PathBuf,
    text: &str,
    lint: impl FnOnce(&Arc<SourceFile>, &FileView) -> FileResult,
) -> FileResult {
    let parsed = set::ParsedFile::parse(path, text.to_string());
    let catalog = Catalog::default();
    let view = FileView {
        script: &parsed.script,
        directives: &parsed.directives,
        role: FileRole::Standalone,
        catalog_before: &catalog,
        set_facts: Default::default(),
    };
    lint(&parsed.source, &view)
}

fn run_rules(source: &Arc<SourceFile>, view: &FileView, options: &LintOptions) -> FileResult {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let settings = guarded_settings(&options.settings, view.script);
        let cx = FileContext {
            source,
            script: view.script,
            directives: view.directives,
            settings: &settings,
            role: view.role.clone(),
            catalog_before: view.catalog_before,
            set: view.set_facts.clone(),
            catalog_snapshots: Default::default(),
            models: Default::default(),
        };
        let path = source.display_path();
        let selected = options.rules_for(&path);
        let mut diagnostics = RuleSet::new(selected.iter().copied()).run(&cx).diagnostics;
        let enabled = |name: &str| selected.iter().any(|r| r.meta().name == name);
        let unused = suppress::apply(&mut diagnostics, view.directives, view.script, &enabled);
        diagnostics.retain(|d| !about_a_placeholder(d, view.script));
        if enabled(rules::unused_suppression::META.name) {
            diagnostics.extend(unused);
        }
        for d in &mut diagnostics {
            d.span = crate::span::tight(&source.text, d.span);
        }
        options.apply_severities(&mut diagnostics);
        keep_only_errors_on_rejected(&mut diagnostics, view.script);
        diagnostics.sort_by(|a, b| (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code)));
        diagnostics.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
        diagnostics
    }));
    let diagnostics = run.unwrap_or_else(|_| {
        vec![rules::registry::by_name("syntax-error").expect("registered").meta().diagnostic(
            crate::span::Span::at(0),
            "internal error while checking this file (please report it); the other files were checked",
        )]
    });
    FileResult { source: source.clone(), diagnostics }
}

/// A statement Neo4j rejects (a `semantic-error` inside it) runs nothing, so a warning about
/// what it would do when run (an unbatched write, a missing `IF NOT EXISTS`) is a false claim
/// beside the error that says why it fails; the errors stay.
fn keep_only_errors_on_rejected(diagnostics: &mut Vec<Diagnostic>, script: &crate::ast::Script) {
    let statement_at =
        |offset: usize| script.last_statement_starting_by(offset).filter(|&i| offset < script.statements[i].span.end);
    let rejected: std::collections::HashSet<usize> = diagnostics
        .iter()
        .filter(|d| d.rule == rules::semantic_error::META.name)
        .filter_map(|d| statement_at(d.span.start))
        .collect();
    if rejected.is_empty() {
        return;
    }
    diagnostics
        .retain(|d| d.severity == Severity::Error || statement_at(d.span.start).is_none_or(|i| !rejected.contains(&i)));
}

/// A finding on a placeholder's stand-in token (`${label}` read as `__label_`) is about a
/// name or value nobody knows until neo4j-migrations replaces it: not a claim to make.
fn about_a_placeholder(d: &crate::diagnostic::Diagnostic, script: &crate::ast::Script) -> bool {
    script
        .placeholders
        .iter()
        .filter(|p| p.in_code)
        .any(|p| (p.span.start <= d.span.start && d.span.end <= p.span.end) || d.message.contains(p.token.as_str()))
}

/// The findings, as `(rule, message)`, of the rules `select` names on one Cypher script: what
/// down derivation asks of the checker (the caller hands it over as a [`crate::derive::Checker`]).
pub fn findings_of(text: &str, select: &[&str]) -> Vec<(&'static str, String)> {
    let options = LintOptions { select: select.iter().map(|r| r.to_string()).collect(), ..Default::default() };
    // Only the findings are read: their fixes are not checked for re-linting clean.
    standalone(PathBuf::from("derived.cypher"), text, &options)
        .diagnostics
        .into_iter()
        .map(|d| (d.rule, d.message))
        .collect()
}

/// Lints one text as a standalone file (no migration set): what tests and editors use.
pub fn lint_source(path: &str, text: &str, options: &LintOptions) -> FileResult {
    as_standalone_file(PathBuf::from(path), text, |source, view| lint_file(source, view, options))
}
