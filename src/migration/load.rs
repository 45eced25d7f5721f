//! Loading migration sets: walking a directory, classifying file names, reading and parsing every
//! file in parallel, and pairing up / down / verify files.
//!
//! Set boundaries: a directory given on the command line is one set if it directly holds
//! `.cypher` files, XML changelogs (Liquibase, Liquigraph) or a `cymig.sum`; everything below it (subdirectories included) belongs to
//! that set. A directory that holds neither is searched for such directories, each its own set
//! (so `cymig lint fixtures/` lints `fixtures/a/` and `fixtures/b/` as two sets). A *file* given
//! on the command line brings in its whole set — the configured migrations directory if the
//! file is inside it, else the directory holding the file — with findings reported only for the
//! files given (pre-commit and CI pass only the changed files). Hidden directories (`.git`, …),
//! dependencies and build output (`node_modules`, `target`), what `.gitignore` ignores and the
//! configured `exclude` globs are never walked. A file's directory that holds no versioned
//! migration, changelog or `cymig.sum` is read without its subdirectories: linting one script in
//! a temporary directory or at a repository root must not read the tree below it.

use super::changelog_xml;
use super::convention::{Convention, LayoutKind};
use super::directive::{parse_directives, verify_section_start};
use super::naming::{classify, verify_stem, FileName};
use super::{FileRole, Migration, MigrationFile, MigrationSet, ProblemKind, Repeatable, SetProblem, Version};
use crate::ast::Script;
use crate::error::{Error, Result};
use crate::source::SourceFile;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Kept for callers that name the error type of loading.
pub type LoadError = Error;

impl MigrationSet {
    /// Loads every migration file under `root` (recursively) as one set, with the conventions
    /// detected from its files.
    pub fn load(root: &Path) -> Result<MigrationSet> {
        MigrationSet::load_with(root, &Convention::Auto)
    }

    /// [`MigrationSet::load`], classifying the files by `convention`.
    pub fn load_with(root: &Path, convention: &Convention) -> Result<MigrationSet> {
        MigrationSet::load_walking(root, convention, &Walk::default(), &Overlay::new())
    }

    /// [`MigrationSet::load_with`], reading the files `overlay` holds from it instead of the disk.
    pub fn load_overlaid(root: &Path, convention: &Convention, overlay: &Overlay) -> Result<MigrationSet> {
        MigrationSet::load_walking(root, convention, &Walk::default(), overlay)
    }

    /// [`MigrationSet::load_with`], reading the files `walk` allows, and those `overlay` holds
    /// from it instead of the disk.
    pub fn load_walking(root: &Path, convention: &Convention, walk: &Walk, overlay: &Overlay) -> Result<MigrationSet> {
        let found = walk_set(root, convention, walk)?;
        let files = read_and_parse_all(&found, overlay)?;
        let mut set = assemble(root, found, files, convention);
        set.top_only = walk.top_only;
        Ok(set)
    }
}

/// Directories no walk enters, whatever the configuration: dependencies and build output hold
/// copies (`target/classes/…`) or other projects' files, never a set of their own.
const NEVER_WALKED: &[&str] = &["node_modules", "target"];

/// Which files a walk reads below a set's root.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Globs (`lint.exclude`, `lint.extend-exclude`) of files and directories not read.
    pub exclude: Vec<String>,
    /// Only the root's own files, not its subdirectories.
    pub top_only: bool,
}

impl Walk {
    /// A walk that skips what `exclude` matches.
    pub fn excluding(exclude: &[String]) -> Walk {
        Walk { exclude: exclude.to_vec(), top_only: false }
    }

    fn builder(&self, root: &Path, max_depth: Option<usize>) -> ignore::WalkBuilder {
        let exclude = self.exclude.clone();
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .standard_filters(true)
            .follow_links(true)
            .max_depth(max_depth)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |e| e.depth() == 0 || !skipped(e, &exclude));
        builder
    }
}

/// Dependencies, build output and excluded paths; hidden and ignored ones are the walker's.
fn skipped(entry: &ignore::DirEntry, exclude: &[String]) -> bool {
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    if is_dir && NEVER_WALKED.iter().any(|n| entry.file_name() == std::ffi::OsStr::new(n)) {
        return true;
    }
    let path = entry.path().to_string_lossy().replace('\\', "/");
    exclude.iter().any(|glob| {
        super::glob::glob_matches(glob, &path) || (is_dir && super::glob::glob_matches(glob, &format!("{path}/")))
    })
}

/// Texts that stand in for files on disk, by canonical path: an editor's unsaved buffers, so
/// the set is linted as the user sees it.
pub type Overlay = HashMap<PathBuf, String>;

/// The convention of the set at `root`: the configured one for the configured migrations
/// directory and the sets below it, detection for any other.
pub fn convention_for<'a>(root: &Path, migrations_dir: Option<&Path>, configured: &'a Convention) -> &'a Convention {
    static AUTO: Convention = Convention::Auto;
    match migrations_dir {
        Some(dir) if canonical(root).starts_with(canonical(dir)) => configured,
        _ => &AUTO,
    }
}

/// Loads the sets for the paths given on the command line (files and directories), in the
/// order given, each set once. `migrations_dir` is the configured migrations directory (files
/// inside it belong to it). See the module docs for how set boundaries are found.
pub fn load_paths(paths: &[PathBuf], migrations_dir: Option<&Path>) -> Result<Vec<MigrationSet>> {
    load_paths_with(paths, migrations_dir, &Convention::Auto)
}

/// [`load_paths`], the sets in `migrations_dir` (and below it) classified by `convention`.
pub fn load_paths_with(
    paths: &[PathBuf],
    migrations_dir: Option<&Path>,
    convention: &Convention,
) -> Result<Vec<MigrationSet>> {
    load_paths_walking(paths, migrations_dir, convention, &Walk::default(), &Overlay::new())
}

/// [`load_paths_with`], reading the files `walk` allows, and those `overlay` holds from it
/// instead of the disk (an editor's unsaved buffers).
pub fn load_paths_walking(
    paths: &[PathBuf],
    migrations_dir: Option<&Path>,
    convention: &Convention,
    walk: &Walk,
    overlay: &Overlay,
) -> Result<Vec<MigrationSet>> {
    let mut roots: Vec<(PathBuf, Option<BTreeSet<PathBuf>>)> = Vec::new();
    let mut index_by_canonical: HashMap<PathBuf, usize> = HashMap::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
        if meta.is_dir() {
            for root in discover_roots(path, walk)? {
                add_root(&mut roots, &mut index_by_canonical, root, None);
            }
        } else {
            let root = set_root_of_file(path, migrations_dir);
            let file = canonical(path);
            add_root(&mut roots, &mut index_by_canonical, root, Some(file));
        }
    }
    roots
        .into_iter()
        .map(|(root, focus)| {
            let in_configured = migrations_dir.is_some_and(|d| canonical(&root).starts_with(canonical(d)));
            let top_only = focus.is_some() && !in_configured && !looks_like_a_set(&root);
            let walk = Walk { top_only, ..walk.clone() };
            let convention = convention_for(&root, migrations_dir, convention);
            let mut set = MigrationSet::load_walking(&root, convention, &walk, overlay)?;
            set.focus = focus;
            Ok(set)
        })
        .collect()
}

/// Whether `dir` directly holds a versioned or repeatable migration, a changelog or a
/// `cymig.sum`: a set whose subdirectories may hold more of it. A directory of scripts, a
/// temporary directory or a repository root with a stray `.cypher` file is not.
fn looks_like_a_set(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().filter(|e| e.file_type().is_ok_and(|t| !t.is_dir())).any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name == super::sum::SUM_FILE
            || matches!(
                classify_file(&name, &e.path()),
                FileName::Up { .. } | FileName::Down { .. } | FileName::Repeatable { .. } | FileName::XmlChangelog
            )
    })
}

/// Loads the whole set(s) the given changed files belong to, remembering the files so
/// findings are reported only for them. Files that are not `.cypher` or `cymig.sum` are skipped.
pub fn load_for_files(files: &[PathBuf], migrations_dir: Option<&Path>) -> Result<Vec<MigrationSet>> {
    let relevant: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name == super::sum::SUM_FILE || !matches!(classify_file(name, f), FileName::NotCypher)
        })
        .cloned()
        .collect();
    load_paths(&relevant, migrations_dir)
}

fn add_root(
    roots: &mut Vec<(PathBuf, Option<BTreeSet<PathBuf>>)>,
    index_by_canonical: &mut HashMap<PathBuf, usize>,
    root: PathBuf,
    file: Option<PathBuf>,
) {
    let key = canonical(&root);
    let index = *index_by_canonical.entry(key).or_insert_with(|| {
        roots.push((root, Some(BTreeSet::new())));
        roots.len() - 1
    });
    let focus = &mut roots[index].1;
    match (file, focus.as_mut()) {
        (Some(file), Some(files)) => {
            files.insert(file);
        }
        // A directory given outright: every file is reported.
        (None, _) => *focus = None,
        (Some(_), None) => {}
    }
}

/// The set a single file belongs to: the configured migrations directory if it holds the file,
/// else the file's directory.
fn set_root_of_file(file: &Path, migrations_dir: Option<&Path>) -> PathBuf {
    if let Some(dir) = migrations_dir {
        if canonical(file).starts_with(canonical(dir)) {
            return dir.to_path_buf();
        }
    }
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Directories under `dir` (itself included) that directly hold `.cypher` files or a
/// `cymig.sum`; the search does not descend into a root found. An empty directory is one
/// (empty) set.
pub fn discover_set_roots(dir: &Path) -> Result<Vec<PathBuf>> {
    discover_roots(dir, &Walk::default())
}

fn discover_roots(dir: &Path, walk: &Walk) -> Result<Vec<PathBuf>> {
    let mut roots = Vec::new();
    collect_roots(dir, walk, &mut roots)?;
    if roots.is_empty() {
        roots.push(dir.to_path_buf());
    }
    Ok(roots)
}

/// One directory level at a time, so the search stops at the first set on each branch; the
/// walker's filters (hidden, ignored, excluded, `node_modules`) apply at every level.
fn collect_roots(dir: &Path, walk: &Walk, roots: &mut Vec<PathBuf>) -> Result<()> {
    let mut subdirs = Vec::new();
    let mut holds_migrations = false;
    for entry in walk.builder(dir, Some(1)).build() {
        let entry = entry.map_err(|e| walk_error(dir, e))?;
        if entry.depth() == 0 {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            subdirs.push(entry.path().to_path_buf());
        } else if name == super::sum::SUM_FILE || !matches!(classify_file(&name, entry.path()), FileName::NotCypher) {
            holds_migrations = true;
        }
    }
    if holds_migrations {
        roots.push(dir.to_path_buf());
        return Ok(());
    }
    subdirs.sort();
    for sub in subdirs {
        collect_roots(&sub, walk, roots)?;
    }
    Ok(())
}

/// What a file is: [`classify`] of its name, or an XML changelog by its content.
fn classify_file(file_name: &str, path: &Path) -> FileName {
    match classify(file_name) {
        FileName::NotCypher if changelog_xml::is_xml_name(file_name) && changelog_xml::is_changelog_file(path) => {
            FileName::XmlChangelog
        }
        FileName::NotCypher if changelog_xml::is_xml_name(file_name) && is_catalog_file(path) => {
            // `V1__x.xml` is a versioned migration like `V1__x.cypher`.
            match classify(&format!("{}.cypher", &file_name[..file_name.len() - 4])) {
                up @ FileName::Up { style: super::Style::Flyway, .. } => up,
                _ => FileName::NotCypher,
            }
        }
        name => name,
    }
}

/// Whether the file at `path` is a neo4j-migrations catalog migration.
fn is_catalog_file(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| super::catalog_xml::is_catalog_migration(&String::from_utf8_lossy(&bytes)))
}

/// A `.cypher` file (or an XML changelog) found under the root.
#[derive(Debug)]
struct Found {
    path: PathBuf,
    relative: String,
    name: FileName,
}

fn walk_set(root: &Path, convention: &Convention, walk: &Walk) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    let max_depth = walk.top_only.then_some(1);
    for entry in walk.builder(root, max_depth).build() {
        let entry = entry.map_err(|e| walk_error(root, e))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let relative = relative_path(root, entry.path());
        let name = match convention.classify(&relative) {
            FileName::NotCypher => classify_file(&entry.file_name().to_string_lossy(), entry.path()),
            name => name,
        };
        if name == FileName::NotCypher {
            continue;
        }
        found.push(Found { path: entry.path().to_path_buf(), relative, name });
    }
    Ok(found)
}

fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

/// Worker stacks as large as `cymig parse` uses: the grammar recurses per nesting level.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Reads and parses every file on up to `available_parallelism` threads; results keep the
/// order of `found`. A file a worker did not get to (a thread that could not be spawned) is
/// parsed on this thread.
fn read_and_parse_all(found: &[Found], overlay: &Overlay) -> Result<Vec<MigrationFile>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(found.len());
    let mut slots: Vec<Option<Result<MigrationFile>>> = (0..found.len()).map(|_| None).collect();
    if threads > 1 {
        let next = AtomicUsize::new(0);
        let done: Vec<Vec<(usize, Result<MigrationFile>)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .name("cymig-load".into())
                        .stack_size(WORKER_STACK_BYTES)
                        .spawn_scoped(scope, || {
                            let mut out = Vec::new();
                            loop {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                let Some(f) = found.get(i) else { break out };
                                out.push((i, guarded_read_and_parse(f, overlay)));
                            }
                        })
                        .ok()
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
        });
        for (i, result) in done.into_iter().flatten() {
            slots[i] = Some(result);
        }
    }
    slots.into_iter().zip(found).map(|(slot, f)| slot.unwrap_or_else(|| guarded_read_and_parse(f, overlay))).collect()
}

/// A git symlink checked out without symlink support (`core.symlinks=false`, Windows) is a file
/// whose whole content is the relative path of its target: read the target instead, as a
/// checkout with symlinks would. One hop, and only to an existing `.cypher` file.
fn symlink_as_text(path: &Path, bytes: &[u8]) -> Option<PathBuf> {
    if bytes.len() > 1024 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty() || text.contains(char::is_whitespace) || !text.contains('/') || !text.ends_with(".cypher") {
        return None;
    }
    let target = path.parent()?.join(text);
    target.is_file().then_some(target)
}

/// A parser bug must not take the whole run down without saying which file caused it.
fn guarded_read_and_parse(found: &Found, overlay: &Overlay) -> Result<MigrationFile> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_and_parse(found, overlay)))
        .unwrap_or_else(|_| Err(Error::Internal(format!("{}: the parser panicked on this file", found.path.display()))))
}

fn read_and_parse(found: &Found, overlay: &Overlay) -> Result<MigrationFile> {
    let open = (!overlay.is_empty()).then(|| overlay.get(&canonical(&found.path))).flatten();
    let mut bytes = match open {
        Some(text) => text.clone().into_bytes(),
        None => std::fs::read(&found.path).map_err(|e| io(&found.path, e))?,
    };
    if let Some(target) = symlink_as_text(&found.path, &bytes).filter(|_| open.is_none()) {
        bytes = std::fs::read(&target).map_err(|e| io(&target, e))?;
    }
    if found.name == FileName::XmlChangelog {
        return Ok(parse_changelog_bytes(&found.path, &found.relative, bytes));
    }
    if changelog_xml::is_xml_name(&found.relative) {
        return Ok(parse_catalog_bytes(&found.path, &found.relative, bytes));
    }
    Ok(parse_bytes(&found.path, &found.relative, role_of(&found.name), bytes))
}

/// Decodes and parses an XML changelog: the Cypher of its up statements is parsed where it
/// stands in the XML (see [`changelog_xml`]), so every span points into the XML text the file
/// keeps for rendering. Rollback and precondition Cypher is not parsed.
pub fn parse_changelog_bytes(path: &Path, relative: &str, bytes: Vec<u8>) -> MigrationFile {
    parse_bytes_with(path, relative, FileRole::Changelog, bytes, |text| {
        changelog_xml::mask(text).map(|m| (m.up, m.change_sets))
    })
}

/// A neo4j-migrations catalog migration: no Cypher to lint, and the schema commands it stands
/// for, parsed for the schema model.
pub fn parse_catalog_bytes(path: &Path, relative: &str, bytes: Vec<u8>) -> MigrationFile {
    let mut file = parse_bytes_with(path, relative, FileRole::Up, bytes, |_| Some((String::new(), Vec::new())));
    if file.invalid_utf8_at.is_none() {
        let text = super::catalog_xml::cypher_of(&file.source.text);
        let script = crate::syntax::parse(&text);
        file.catalog = Some(Arc::new(super::CatalogCypher { text, script }));
    }
    file
}

/// Decodes and parses one file's bytes. Invalid UTF-8 is not parsed: the file keeps a lossy
/// copy of its text for rendering and `invalid_utf8_at` says where the first bad byte is.
pub fn parse_bytes(path: &Path, relative: &str, role: FileRole, bytes: Vec<u8>) -> MigrationFile {
    parse_bytes_with(path, relative, role, bytes, |_| None)
}

/// [`parse_bytes`], parsing the text `cypher_of` makes of the file's text (same length) when it
/// makes one.
fn parse_bytes_with(
    path: &Path,
    relative: &str,
    role: FileRole,
    bytes: Vec<u8>,
    cypher_of: impl FnOnce(&str) -> Option<(String, Vec<changelog_xml::ChangeSet>)>,
) -> MigrationFile {
    let content_hash = super::sum::content_hash(&bytes);
    let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(offset))
        }
    };
    let masked = if invalid_utf8_at.is_some() { None } else { cypher_of(&text) };
    let (cypher, xml_change_sets) = masked.map_or((None, None), |(cypher, sets)| (Some(cypher), Some(sets)));
    let parsed_text = cypher.as_deref().unwrap_or(&text);
    let script = if invalid_utf8_at.is_some() { Script::default() } else { crate::syntax::parse(parsed_text) };
    let change_sets = xml_change_sets.unwrap_or_else(|| formatted_change_sets_of(&text, &script));
    let directives = parse_directives(parsed_text, &script.comments);
    let verify_start =
        if role == FileRole::Verify { Some(0) } else { verify_section_start(&directives, &script.statements) };
    let down_start = in_file_down_start(&script);
    MigrationFile {
        source: Arc::new(SourceFile::new(path, text)),
        script,
        directives,
        relative_path: relative.to_string(),
        role,
        verify_start,
        down_start,
        change_sets,
        invalid_utf8_at,
        content_hash,
        catalog: None,
    }
}

/// The change sets of a Liquibase formatted-Cypher file (none for other files).
pub fn formatted_change_sets_of(text: &str, script: &Script) -> Vec<changelog_xml::ChangeSet> {
    if super::is_liquibase_formatted(script) {
        changelog_xml::formatted_change_sets(text.len(), &script.comments)
    } else {
        Vec::new()
    }
}

/// The first statement after a `-- +migrate Down` marker (a framing comment), if any.
pub(crate) fn in_file_down_start(script: &Script) -> Option<usize> {
    let marker = script.comments.iter().find(|c| {
        c.kind == crate::ast::CommentKind::Framing && crate::syntax::tool_marker_section(&c.text) == Some(true)
    })?;
    Some(script.statements.iter().take_while(|s| s.span.start < marker.span.start).count())
}

fn role_of(name: &FileName) -> FileRole {
    match name {
        FileName::Up { .. } => FileRole::Up,
        FileName::Down { .. } => FileRole::Down,
        FileName::Repeatable { .. } => FileRole::Repeatable,
        FileName::Verify { .. } => FileRole::Verify,
        FileName::Callback { .. } => FileRole::Callback,
        FileName::XmlChangelog => FileRole::Changelog,
        FileName::Unconventional { .. } | FileName::NotCypher => FileRole::Unrecognised,
    }
}

/// Pairs files into migrations and collects the layout problems.
fn assemble(root: &Path, found: Vec<Found>, files: Vec<MigrationFile>, convention: &Convention) -> MigrationSet {
    let mut builder = Builder { convention: convention.clone(), ..Builder::default() };
    for (f, file) in found.into_iter().zip(files) {
        builder.encoding_problem(&file);
        builder.add(f, file);
    }
    builder.finish(root)
}

#[derive(Default)]
struct Builder {
    ups: BTreeMap<Version, PendingMigration>,
    downs: Vec<(Version, MigrationFile)>,
    verifies: Vec<(String, MigrationFile)>,
    repeatables: Vec<Repeatable>,
    unrecognised: Vec<MigrationFile>,
    problems: Vec<SetProblem>,
    /// The versions of the up files in each directory, duplicates included.
    dir_versions: HashMap<PathBuf, BTreeSet<Version>>,
    convention: Convention,
}

struct PendingMigration {
    migration: Migration,
    /// The stem a verify companion repeats.
    verify_stem: String,
}

impl Builder {
    fn add(&mut self, found: Found, file: MigrationFile) {
        match found.name {
            FileName::Up { version, description, style } => self.add_up(version, description, style, file),
            FileName::Down { version, .. } => self.downs.push((version, file)),
            FileName::Verify { stem } => self.verifies.push((stem, file)),
            FileName::Repeatable { description } => self.add_repeatable(description, file),
            FileName::Callback { .. } | FileName::XmlChangelog => self.unrecognised.push(file),
            FileName::Unconventional { .. } if file.is_liquibase_formatted() => {
                self.unrecognised.push(MigrationFile { role: FileRole::Changelog, ..file });
            }
            // Liquibase names no file: any other `.cypher` file may be a changelog's
            // `sqlFile`, a script, not a misnamed migration.
            FileName::Unconventional { .. } if self.convention == Convention::Named(LayoutKind::Liquibase) => {
                self.unrecognised.push(file);
            }
            FileName::Unconventional { reason, suggestion } => {
                self.naming_problem(&file, &reason, suggestion);
                self.unrecognised.push(file);
            }
            FileName::NotCypher => {}
        }
    }

    fn add_up(&mut self, version: Version, description: String, style: super::Style, file: MigrationFile) {
        let dir = file.path().parent().map(Path::to_path_buf).unwrap_or_default();
        self.dir_versions.entry(dir).or_default().insert(version.clone());
        if let Some(existing) = self.ups.get_mut(&version) {
            if guarded_alternatives(&existing.migration.up, &file) {
                // neo4j-migrations runs at most one of them: not a duplicate version.
                let alternative = Migration {
                    version: version.clone(),
                    description,
                    style,
                    up: file.clone(),
                    down: None,
                    verify: None,
                    alternatives: Vec::new(),
                };
                existing.migration.alternatives.push(alternative);
                self.unrecognised.push(file);
                return;
            }
            let other = existing.migration.up.path().to_path_buf();
            self.problems.push(SetProblem {
                path: file.path().to_path_buf(),
                message: format!(
                    "version {} of `{}` is already used by `{}`",
                    version.raw, file.relative_path, existing.migration.up.relative_path
                ),
                help: Some(
                    "give one of them the next free version; versions compare numerically \
                     and ignore trailing zeros (`2` and `2.0` are the same version)"
                        .into(),
                ),
                suggested_name: None,
                span: None,
                kind: ProblemKind::DuplicateVersion { version: version.raw.clone(), other },
            });
            self.unrecognised.push(file);
            return;
        }
        let file_name = file.relative_path.rsplit('/').next().unwrap_or("");
        let verify_stem = verify_stem(file_name).unwrap_or("").to_string();
        let migration = Migration {
            version: version.clone(),
            description,
            style,
            up: file,
            down: None,
            verify: None,
            alternatives: Vec::new(),
        };
        self.ups.insert(version, PendingMigration { migration, verify_stem });
    }

    fn add_repeatable(&mut self, description: String, file: MigrationFile) {
        if let Some(existing) = self.repeatables.iter().find(|r| r.description == description) {
            self.problems.push(SetProblem {
                path: file.path().to_path_buf(),
                message: format!(
                    "repeatable migration `R__{description}` is defined twice: `{}` and `{}`",
                    existing.file.relative_path, file.relative_path
                ),
                help: Some("rename or merge one of them".into()),
                suggested_name: None,
                span: None,
                kind: ProblemKind::DuplicateVersion {
                    version: format!("R__{description}"),
                    other: existing.file.path().to_path_buf(),
                },
            });
            self.unrecognised.push(file);
            return;
        }
        self.repeatables.push(Repeatable { description, file });
    }

    fn naming_problem(&mut self, file: &MigrationFile, reason: &str, suggestion: Option<String>) {
        let help = match (&suggestion, self.convention.naming_help()) {
            (Some(name), _) => format!("rename it to `{name}`"),
            (None, Some(help)) => help,
            (None, None) => "name it `V<version>__<description>.cypher` (or `R__<description>.cypher` \
                     for a repeatable migration)"
                .to_string(),
        };
        self.problems.push(SetProblem {
            path: file.path().to_path_buf(),
            kind: ProblemKind::Naming,
            message: format!("`{}` is not a migration file name: {reason}", file.relative_path),
            help: Some(help),
            suggested_name: suggestion,
            span: None,
        });
    }

    fn encoding_problem(&mut self, file: &MigrationFile) {
        let Some(offset) = file.invalid_utf8_at else { return };
        let at = file.source.line_col(offset);
        self.problems.push(SetProblem {
            path: file.path().to_path_buf(),
            kind: ProblemKind::InvalidUtf8 { offset },
            message: format!(
                "the file is not valid UTF-8: invalid byte sequence at byte offset {offset} \
                 (line {}, column {}); it was not parsed",
                at.line, at.column
            ),
            help: Some("save the file as UTF-8".into()),
            suggested_name: None,
            span: Some(Span::at(offset)),
        });
    }

    fn attach_downs(&mut self) {
        for (version, file) in std::mem::take(&mut self.downs) {
            let Some(pending) = self.ups.get_mut(&version) else {
                self.problems.push(orphan(
                    &file,
                    ProblemKind::OrphanDown,
                    &format!("down script `{}` has no up migration with version {}", file.relative_path, version.raw),
                    "add the up migration, fix the version, or delete the down script",
                ));
                self.unrecognised.push(file);
                continue;
            };
            if let Some(existing) = &pending.migration.down {
                let of = existing.path().to_path_buf();
                let message = format!(
                    "version {} has two down scripts: `{}` and `{}`",
                    version.raw, existing.relative_path, file.relative_path
                );
                self.problems.push(orphan(
                    &file,
                    ProblemKind::DuplicateCompanion { of },
                    &message,
                    "keep one down script per migration",
                ));
                self.unrecognised.push(file);
                continue;
            }
            pending.migration.down = Some(file);
        }
    }

    fn attach_verifies(&mut self) {
        for (stem, file) in std::mem::take(&mut self.verifies) {
            let target = self.ups.values_mut().find(|p| p.verify_stem == stem);
            let Some(pending) = target else {
                self.problems.push(orphan(&file, ProblemKind::OrphanVerify, &format!(
                    "verify file `{}` belongs to no migration (expected `{stem}.cypher` or `{stem}.up.cypher` beside it)",
                    file.relative_path
                ), "name it after its migration: `<migration file name without .cypher>.verify.cypher`"));
                self.unrecognised.push(file);
                continue;
            };
            if let Some(existing) = &pending.migration.verify {
                let of = existing.path().to_path_buf();
                let message = format!("`{}` has two verify files", pending.migration.up.relative_path);
                self.problems.push(orphan(
                    &file,
                    ProblemKind::DuplicateCompanion { of },
                    &message,
                    "keep one verify file per migration",
                ));
                self.unrecognised.push(file);
                continue;
            }
            pending.migration.verify = Some(file);
        }
    }

    fn finish(mut self, root: &Path) -> MigrationSet {
        self.forgive_fixture_collections();
        self.attach_downs();
        self.attach_verifies();
        let migrations = std::mem::take(&mut self.ups).into_values().map(|p| p.migration).collect();
        self.repeatables.sort_by(|a, b| a.description.cmp(&b.description));
        self.unrecognised.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
        self.problems.sort_by(|a, b| a.path.cmp(&b.path));
        MigrationSet {
            root: root.to_path_buf(),
            migrations,
            repeatables: self.repeatables,
            unrecognised: self.unrecognised,
            problems: self.problems,
            focus: None,
            convention: self.convention,
            top_only: false,
        }
    }
}

impl Builder {
    /// A test directory whose versioned files all carry one version (`V0001__unix.cypher`,
    /// `V0001__dos.cypher`, …) is a collection of fixtures that its tests load one at a time,
    /// not a sequence: no migration runner is ever pointed at it, so the shared version is no
    /// `duplicate-version`. Outside test directories such a pair is the classic clash.
    fn forgive_fixture_collections(&mut self) {
        let dir_versions = &self.dir_versions;
        self.problems.retain(|p| {
            let ProblemKind::DuplicateVersion { version, .. } = &p.kind else { return true };
            let in_collection = !version.starts_with("R__")
                && p.path.parent().is_some_and(|d| dir_versions.get(d).is_some_and(|v| v.len() == 1))
                && super::under_test_dir(&p.path);
            !in_collection
        });
    }
}

/// Two files of one version whose preconditions exclude each other (`// assume q' RETURN true`
/// and `… RETURN false`, two editions, disjoint versions).
fn guarded_alternatives(a: &MigrationFile, b: &MigrationFile) -> bool {
    use super::precondition;
    precondition::exclusive(&precondition::parse(&a.script.comments), &precondition::parse(&b.script.comments))
}

fn orphan(file: &MigrationFile, kind: ProblemKind, message: &str, help: &str) -> SetProblem {
    SetProblem {
        path: file.path().to_path_buf(),
        kind,
        message: message.to_string(),
        help: Some(help.to_string()),
        suggested_name: None,
        span: None,
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), source }
}

fn walk_error(path: &Path, e: ignore::Error) -> Error {
    match e {
        ignore::Error::WithPath { path, err } => walk_error(&path, *err),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error(path, *err),
        ignore::Error::Io(source) => io(path, source),
        ignore::Error::Loop { child, .. } => io(&child, std::io::Error::other("filesystem loop")),
        other => io(path, std::io::Error::other(other.to_string())),
    }
}
