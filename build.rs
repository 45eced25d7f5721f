//! Embeds the git commit in `cymig --version`, so a bug report names the exact build.
//!
//! A build from a tarball, an sdist, a Docker context without `.git`, or on a machine without git
//! must still succeed: the commit is then "unknown" (or `CYMIG_GIT_COMMIT`, which a packager
//! sets when it knows the commit but ships no `.git`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CYMIG_GIT_COMMIT");
    let commit = std::env::var("CYMIG_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_string());
    watch_git_head();
    println!("cargo:rustc-env=CYMIG_GIT_COMMIT={}", commit.trim());
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn git_commit() -> Option<String> {
    git(&["rev-parse", "--short", "HEAD"])
}

/// Rebuilds when HEAD moves (a commit, a checkout), and only then: without these lines cargo
/// would rerun this script on every change of any file in the package. `--git-path` resolves
/// the paths of a linked worktree too, whose `.git` is a file.
fn watch_git_head() {
    let mut paths = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(git(&["rev-parse", "--git-path", &branch]));
    }
    paths.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in paths.into_iter().flatten() {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
