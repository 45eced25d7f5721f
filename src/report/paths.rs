//! The one place that decides how a file's path is shown in a report.
//!
//! The loader keeps paths as they were reached (`./x`, absolute when a file inside the configured
//! migrations directory was given, `sub/../x`), which made the same file print differently
//! depending on how it was named. Reports show it relative to a base instead: the working
//! directory for what a person reads, the repository root for what a CI system maps onto its
//! checkout (annotations, code scanning, Code Quality fingerprints), so those do not depend on
//! the directory cymig was started from nor on where the checkout lives.

use std::path::{Component, Path, PathBuf};

/// What a reported path is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// The working directory (`text`, `json`, `junit`, `markdown`, `--diff`).
    WorkingDir,
    /// The nearest directory above the file that holds `.git` (a directory, or the file of a
    /// worktree or submodule), else the working directory (`github`, `gitlab`, `sarif`, `rdjson`).
    Repository,
}

/// `path` relative to `base`, with `/` separators, without `.` segments, and without `..` unless
/// the file is outside the base; absolute when the two share nothing but the filesystem root.
pub fn display_path(path: &Path, base: Base) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return slashes(&lexical(path));
    };
    let file = lexical(&cwd.join(path));
    let root = match base {
        Base::WorkingDir => cwd,
        Base::Repository => repository_root(&file).unwrap_or(cwd),
    };
    slashes(&relative(&file, &root))
}

fn repository_root(file: &Path) -> Option<PathBuf> {
    file.ancestors().skip(1).find(|dir| dir.join(".git").exists()).map(Path::to_path_buf)
}

fn relative(file: &Path, base: &Path) -> PathBuf {
    if let Ok(inside) = file.strip_prefix(base) {
        return inside.to_path_buf();
    }
    // A symlink on either side (`/tmp` → `/private/tmp`) hides that the file is inside.
    if let (Ok(real_file), Ok(real_base)) = (file.canonicalize(), base.canonicalize()) {
        if let Ok(inside) = real_file.strip_prefix(&real_base) {
            return inside.to_path_buf();
        }
    }
    with_parents(file, base).unwrap_or_else(|| file.to_path_buf())
}

/// `../x` forms for a file beside the base; `None` when only the root is shared.
fn with_parents(file: &Path, base: &Path) -> Option<PathBuf> {
    let file_parts: Vec<Component> = file.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let common = file_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return None;
    }
    let mut out: PathBuf = base_parts[common..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&file_parts[common..]);
    Some(out)
}

/// Drops `.` and folds `name/..` without touching the filesystem.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if out.has_root() => {}
            other => out.push(other),
        }
    }
    out
}

fn slashes(path: &Path) -> String {
    let shown = path.to_string_lossy().replace('\\', "/");
    if shown.is_empty() {
        ".".to_string()
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_drops_dots_and_folds_parents() {
        assert_eq!(lexical(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(lexical(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(lexical(Path::new("/../a")), PathBuf::from("/a"));
    }

    #[test]
    fn outside_the_base_uses_parents_unless_only_the_root_is_shared() {
        assert_eq!(relative(Path::new("/r/db/V1.cypher"), Path::new("/r/sub")), PathBuf::from("../db/V1.cypher"));
        assert_eq!(relative(Path::new("/r/db/V1.cypher"), Path::new("/r")), PathBuf::from("db/V1.cypher"));
        assert_eq!(relative(Path::new("/x/V1.cypher"), Path::new("/r/sub")), PathBuf::from("/x/V1.cypher"));
    }
}
