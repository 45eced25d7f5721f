//! `cymig hash [dir]`: writes `cymig.sum` for a migration directory (or checks it with
//! `--check`).

use super::config::ConfigFlags;
use super::CommandResult;
use crate::migration::sum::{self, SumStatus};
use crate::migration::{convention_for, MigrationSet};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(after_help = "cymig.sum lists every migration file in version order with a chained hash: \
                        each line covers its file and every line before it, so an edited migration is \
                        caught by `cymig lint` (edited-migration) and two branches that each add a \
                        migration conflict in review. Commit it with your migrations.")]
pub struct HashArgs {
    /// The migration directory (default: `migrations` from cymig.toml).
    pub dir: Option<PathBuf>,
    /// Do not write: compare the directory with its cymig.sum and exit 1 on any difference.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub flags: ConfigFlags,
}

pub fn run(args: HashArgs) -> CommandResult {
    let config = args.flags.load(args.dir.as_deref().unwrap_or(Path::new(".")))?;
    let dir = args.dir.clone().unwrap_or_else(|| config.migrations.clone());
    if !dir.is_dir() {
        return Err(crate::error::Error::Io {
            path: dir,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    // The sum lists the migrations `cymig lint` sees: the same layout must classify them.
    let set = MigrationSet::load_with(&dir, convention_for(&dir, Some(&config.migrations), &config.layout))?;
    if args.check {
        return check(&set);
    }
    let path = sum::write(&set)?;
    let count = set.summed_files().count();
    let wrote = format!("wrote {} ({count} file{})\n", path.display(), if count == 1 { "" } else { "s" });
    super::write_stdout(wrote.as_bytes())?;
    for file in &set.unrecognised {
        eprintln!(
            "note: {} is not listed: it is not a migration (see `cymig lint` for its naming problem)",
            file.path().display()
        );
    }
    Ok(0)
}

fn check(set: &MigrationSet) -> CommandResult {
    let mut out = String::new();
    let code = check_into(set, &mut out)?;
    super::write_stdout(out.as_bytes())?;
    Ok(code)
}

/// The report of `hash --check` into `out`, and its exit code.
fn check_into(set: &MigrationSet, out: &mut String) -> CommandResult {
    use std::fmt::Write;
    let Some(result) = sum::verify(set)? else {
        let _ = writeln!(out, "{}: no cymig.sum (run `cymig hash`)", set.root.display());
        return Ok(1);
    };
    if let Some(t) = &result.tampered {
        let at = result.source.line_col(t.span.start);
        let _ = writeln!(out, "{}:{}:{}: {}", result.source.display_path(), at.line, at.column, t.message);
    }
    for entry in result.problems() {
        let what = match entry.status {
            SumStatus::Ok => continue,
            SumStatus::Edited => "edited since cymig.sum was written",
            SumStatus::Rechained => "unchanged, but the lines before it in cymig.sum changed",
            SumStatus::NotInSum => "not in cymig.sum",
            SumStatus::Removed => "listed in cymig.sum but missing",
        };
        let _ = writeln!(out, "{}: {what}", entry.path.display());
    }
    if result.is_clean() {
        let _ = writeln!(out, "{}: cymig.sum matches", set.root.display());
        Ok(0)
    } else {
        let _ = writeln!(out, "run `cymig hash {}` after reviewing the changes", set.root.display());
        Ok(1)
    }
}
