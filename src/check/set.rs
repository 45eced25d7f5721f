//! Loading what the checker needs around the files it lints: every file of their migration
//! set, parsed, with each file's role, the schema before it, and set-level facts (naming,
//! duplicate versions). Findings are reported only for the files the user named.

use super::catalog::Catalog;
use super::{FileView, LintOptions};
use crate::ast::Script;
use crate::error::{Error, Result};
use crate::migration::Directive;
use crate::rules::context::SetFacts;
use crate::rules::FileRole;
use crate::source::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file read and parsed.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: Arc<SourceFile>,
    pub script: Script,
    pub directives: Vec<Directive>,
}

impl ParsedFile {
    pub fn parse(path: PathBuf, text: String) -> ParsedFile {
        let script = crate::syntax::parse(&text);
        let directives = super::directives::parse_directives(&text, &script.comments);
        ParsedFile { source: Arc::new(SourceFile::new(path, text)), script, directives }
    }

    /// Reads a file; unreadable or non-UTF-8 content becomes a syntax error in the file rather
    /// than stopping the run.
    pub fn read(path: &Path) -> ParsedFile {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => ParsedFile::parse(path.to_path_buf(), text),
                Err(e) => {
                    let offset = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    let mut parsed = ParsedFile::parse(path.to_path_buf(), text);
                    parsed.script.errors.insert(0, crate::ast::SyntaxError {
                        span: crate::span::Span::new(offset, offset + 1),
                        statement_span: crate::span::Span::new(offset, offset + 1),
                        message: format!("the file is not valid UTF-8 (byte {offset})"),
                    });
                    parsed
                }
            },
            Err(e) => {
                let mut parsed = ParsedFile::parse(path.to_path_buf(), String::new());
                parsed.script.errors.push(crate::ast::SyntaxError {
                    span: crate::span::Span::at(0),
                    statement_span: crate::span::Span::at(0),
                    message: format!("cannot read the file: {e}"),
                });
                parsed
            }
        }
    }
}

/// How a file name places the file in its set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Naming {
    Up { version: Vec<u64>, raw: String },
    Down { version: Vec<u64>, raw: String },
    Repeatable,
    Unrecognised,
}

/// `V1_2__x.cypher`, `U1_2__x.cypher`, `R__x.cypher`, `1_2_x.up.cypher`, `1_2_x.down.cypher`.
pub fn classify(file_name: &str) -> Naming {
    let Some(stem) = file_name.strip_suffix(".cypher") else { return Naming::Unrecognised };
    let versioned = |s: &str| -> Option<(Vec<u64>, String)> {
        let (v, desc) = s.split_once("__")?;
        if desc.is_empty() {
            return None;
        }
        Some((parse_version(v)?, v.to_string()))
    };
    if let Some(rest) = stem.strip_prefix('V') {
        if let Some((version, raw)) = versioned(rest) {
            return Naming::Up { version, raw };
        }
    }
    if let Some(rest) = stem.strip_prefix('U') {
        if let Some((version, raw)) = versioned(rest) {
            return Naming::Down { version, raw };
        }
    }
    if stem.strip_prefix("R__").is_some_and(|d| !d.is_empty()) {
        return Naming::Repeatable;
    }
    for (suffix, up) in [(".up", true), (".down", false)] {
        if let Some(base) = stem.strip_suffix(suffix) {
            let digits_end = base.find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.')).unwrap_or(base.len());
            let raw = base[..digits_end].trim_end_matches(['_', '.']);
            if let Some(version) = parse_version(raw) {
                let raw = raw.to_string();
                return if up { Naming::Up { version, raw } } else { Naming::Down { version, raw } };
            }
        }
    }
    Naming::Unrecognised
}

fn parse_version(v: &str) -> Option<Vec<u64>> {
    if v.is_empty() {
        return None;
    }
    let parts: Option<Vec<u64>> = v.split(['_', '.']).map(|p| if p.is_empty() { None } else { p.parse().ok() }).collect();
    let mut parts = parts?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// A directory's files, parsed, with what the rules need about each.
pub struct LoadedSet {
    pub root: PathBuf,
    pub files: Vec<ParsedFile>,
    pub roles: Vec<FileRole>,
    pub catalogs: Vec<Catalog>,
    pub facts: Vec<SetFacts>,
    /// Indexes into `files` of the files to report on.
    pub reported: Vec<usize>,
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

/// Resolves the paths the user gave and loads the set around each.
pub fn load(paths: &[PathBuf], options: &LintOptions) -> Result<Vec<LoadedSet>> {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| Error::Io { path: p.clone(), source })?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
                let entry = entry.map_err(|e| Error::Io {
                    path: e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone()),
                    source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("walk failed")),
                })?;
                if entry.file_type().is_file() && is_cypher(entry.path()) {
                    by_dir.entry(parent_of(entry.path())).or_default().push(entry.path().to_path_buf());
                }
            }
        } else {
            by_dir.entry(parent_of(p)).or_default().push(p.clone());
        }
    }
    by_dir.into_iter().map(|(dir, targets)| load_dir(&dir, targets, options)).collect()
}

fn is_cypher(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "cypher")
}

fn parent_of(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn load_dir(dir: &Path, mut targets: Vec<PathBuf>, options: &LintOptions) -> Result<LoadedSet> {
    targets.sort();
    targets.dedup();
    let mut all: Vec<PathBuf> = targets.clone();
    let listing = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    if let Ok(entries) = std::fs::read_dir(listing) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() && is_cypher(&p) {
                let p = if dir.as_os_str().is_empty() { PathBuf::from(e.file_name()) } else { p };
                if !all.iter().any(|t| same_file(t, &p)) {
                    all.push(p);
                }
            }
        }
    }
    all.sort();
    let files = super::parallel::map(&all, |p| ParsedFile::read(p));
    let namings: Vec<Naming> =
        all.iter().map(|p| classify(&p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())).collect();
    let is_set = namings.iter().any(|n| matches!(n, Naming::Up { .. }))
        || options.migrations_dir.as_ref().is_some_and(|m| same_file(m, dir));
    let reported = all.iter().enumerate().filter(|(_, p)| targets.iter().any(|t| same_file(t, p))).map(|(i, _)| i).collect();
    let (roles, catalogs, facts) = describe(&all, &files, &namings, is_set);
    Ok(LoadedSet { root: dir.to_path_buf(), files, roles, catalogs, facts, reported })
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || (a.canonicalize().ok().is_some() && a.canonicalize().ok() == b.canonicalize().ok())
}

fn describe(paths: &[PathBuf], files: &[ParsedFile], namings: &[Naming], is_set: bool) -> (Vec<FileRole>, Vec<Catalog>, Vec<SetFacts>) {
    let n = files.len();
    let name = |i: usize| paths[i].file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let mut facts = vec![SetFacts::default(); n];
    if !is_set {
        return (vec![FileRole::Standalone; n], vec![Catalog::default(); n], facts);
    }
    let ups: Vec<(usize, &Vec<u64>, &String)> =
        namings.iter().enumerate().filter_map(|(i, n)| if let Naming::Up { version, raw } = n { Some((i, version, raw)) } else { None }).collect();
    let mut order: Vec<&(usize, &Vec<u64>, &String)> = ups.iter().collect();
    order.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)));
    // The catalog before each up migration, and after it (for its down script).
    let mut catalogs = vec![Catalog::default(); n];
    let mut after: Vec<(Vec<u64>, Catalog)> = Vec::new();
    let mut running = Catalog::default();
    for (i, version, _) in &order {
        catalogs[*i] = running.clone();
        running.apply_all(&files[*i].script.statements);
        after.push(((*version).clone(), running.clone()));
    }
    let mut roles = Vec::with_capacity(n);
    for (i, naming) in namings.iter().enumerate() {
        let role = match naming {
            Naming::Up { version, raw } => {
                let has_down = namings.iter().any(|m| matches!(m, Naming::Down { version: v, .. } if v == version));
                let dups: Vec<String> =
                    ups.iter().filter(|(j, v, _)| *j != i && *v == version).map(|(j, _, _)| name(*j)).collect();
                facts[i].duplicate_of = dups;
                FileRole::Up { version: raw.clone(), has_down }
            }
            Naming::Down { version, raw } => {
                match after.iter().find(|(v, _)| v == version) {
                    Some((_, c)) => catalogs[i] = c.clone(),
                    None => {
                        facts[i].naming_problem = Some(format!("`{}` is a down script for version {raw}, which has no up migration", name(i)))
                    }
                }
                FileRole::Down { version: raw.clone() }
            }
            Naming::Repeatable => {
                catalogs[i] = running.clone();
                FileRole::Repeatable
            }
            Naming::Unrecognised => {
                catalogs[i] = running.clone();
                facts[i].naming_problem = Some(format!(
                    "`{}` does not follow the migration naming layout, so runners skip it",
                    name(i)
                ));
                FileRole::Standalone
            }
        };
        roles.push(role);
    }
    (roles, catalogs, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        assert_eq!(classify("V1_10__x.cypher"), Naming::Up { version: vec![1, 10], raw: "1_10".into() });
        assert_eq!(classify("U2.0__x.cypher"), Naming::Down { version: vec![2], raw: "2.0".into() });
        assert_eq!(classify("R__seed.cypher"), Naming::Repeatable);
        assert_eq!(classify("003_add_x.up.cypher"), Naming::Up { version: vec![3], raw: "003".into() });
        assert_eq!(classify("V2_add_index.cypher"), Naming::Unrecognised);
        assert_eq!(classify("V3__.cypher"), Naming::Unrecognised);
    }
}
