//! `cymig derive-down <migration-file> [--write] [--check [--down <file>]]`.

use super::CommandResult;
use crate::derive::{derive_migration, Outcome};
use crate::error::Error;
use crate::migration::load::parse_bytes;
use crate::migration::{FileRole, Migration, MigrationSet};
use crate::schema::{ModelInput, SchemaModel};
use crate::undo::compare::compare;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(after_help = "The file's directory is its migration set: the schema model replays every \
migration before it, so a DROP is undone with the exact definition an earlier migration gave.\n\n\
Exit codes: 0 derived (or, with --check, the explicit down undoes everything); 1 the migration \
cannot be undone (each statement and why is printed), has syntax errors, or the explicit down \
misses something; 2 usage or IO error.")]
pub struct DeriveDownArgs {
    /// The up migration (`V<version>__<description>.cypher` or `<version>_<name>.up.cypher`).
    pub file: PathBuf,
    /// Write the companion down script (`U<version>__<description>.cypher`) next to it.
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Compare the explicit down script with the derived one: report what it fails to undo.
    #[arg(long)]
    pub check: bool,
    /// With --check: the down script to check, any file (`rollback/V3.cypher`), instead of the
    /// migration's own `U…` / `….down.cypher`.
    #[arg(long, value_name = "FILE", requires = "check")]
    pub down: Option<PathBuf>,
    #[command(flatten)]
    pub flags: super::config::ConfigFlags,
}

pub fn run(args: DeriveDownArgs) -> CommandResult {
    let dir = args.file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let set = MigrationSet::load(dir)?;
    let found = find_migration(&set, &args.file)?;
    let migration = found.migration;
    if let Some(code) = report_syntax_errors(migration) {
        return Ok(code);
    }
    let mut model = SchemaModel::from_migrations(&set.migrations);
    // A set whose configuration targets 4.4 can drop unnamed objects by definition; a config that
    // does not load leaves the target unknown (derive-down never needed one).
    model.target = args.flags.load(dir).ok().map(|c| c.target);
    if args.check {
        return match &args.down {
            Some(down) => {
                let checked = with_down(migration, down)?;
                found.in_place(&mut model, |model| check(model, &set, &checked))
            }
            None => found.in_place(&mut model, |model| check(model, &set, migration)),
        };
    }
    let derived = found.in_place(&mut model, |model| derive_migration(model, migration, &crate::check::findings_of));
    let Some(script) = derived.render() else {
        eprint!("{}", irreversible_report(migration, &derived));
        return Ok(1);
    };
    if args.write {
        if let Some(version) = found.alternative_of {
            return Err(Error::Usage(format!(
                "{} is one of the files of version {version}, each guarded by preconditions: a down script \
                 `U{version}__…` would be read as the down of the file that version's place is planned with, \
                 so cymig does not write one. `cymig up` and `cymig down` derive this file's down when its \
                 preconditions choose it; print it with `cymig derive-down {}`",
                display(&args.file),
                display(&args.file)
            )));
        }
        let target = companion_path(migration);
        if target.exists() {
            return Err(Error::Usage(format!(
                "{} already exists; compare it with the derived one using `cymig derive-down --check {}`",
                display(&target),
                display(&args.file)
            )));
        }
        std::fs::write(&target, &script).map_err(|source| Error::Io { path: target.clone(), source })?;
        eprintln!("wrote {}", display(&target));
    } else {
        out!("{script}");
    }
    Ok(0)
}

/// The derived down script of `file` in `set`, or why there is none: what `run` prints,
/// for the editor server.
pub(crate) fn derived_text(set: &MigrationSet, file: &Path) -> Result<String, String> {
    let found = find_migration(set, file).map_err(|e| e.to_string())?;
    let migration = found.migration;
    if !migration.up.script.errors.is_empty() {
        return Err("fix the syntax errors first: a down script is derived from the whole migration".to_string());
    }
    let mut model = SchemaModel::from_migrations(&set.migrations);
    let derived = found.in_place(&mut model, |model| derive_migration(model, migration, &crate::check::findings_of));
    derived.render().ok_or_else(|| irreversible_report(migration, &derived))
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The migration of a file: the set's migration of its version, or one of its alternatives
/// (another file of that version, guarded by preconditions that exclude each other).
struct Found<'a> {
    migration: &'a Migration,
    /// For an alternative, the version whose place it takes.
    alternative_of: Option<&'a str>,
}

impl Found<'_> {
    /// `f` asked of `model` with the migration in its version's place, as `cymig plan` plans it.
    fn in_place<R>(&self, model: &mut SchemaModel, f: impl FnOnce(&SchemaModel) -> R) -> R {
        match self.alternative_of {
            Some(place) => model.with_stand_in(place, &ModelInput::of(self.migration), f),
            None => f(model),
        }
    }
}

fn find_migration<'a>(set: &'a MigrationSet, file: &Path) -> crate::error::Result<Found<'a>> {
    let wanted = std::fs::canonicalize(file).map_err(|source| Error::Io { path: file.to_path_buf(), source })?;
    let same = |p: &Path| std::fs::canonicalize(p).map(|c| c == wanted).unwrap_or(false);
    for m in &set.migrations {
        if same(m.up.path()) {
            return Ok(Found { migration: m, alternative_of: None });
        }
        if let Some(a) = m.alternatives.iter().find(|a| same(a.up.path())) {
            return Ok(Found { migration: a, alternative_of: Some(&m.version.raw) });
        }
    }
    if set.migrations.iter().any(|m| m.down.as_ref().is_some_and(|d| same(d.path()))) {
        return Err(Error::Usage(format!("{} is a down script; give its up migration", display(file))));
    }
    Err(Error::Usage(format!(
        "{} is not a versioned migration of its directory (expected V<version>__<description>.cypher or <version>_<name>.up.cypher)",
        display(file)
    )))
}

/// The migration with `down` as its down script: a file of any name, read as the set's own `U`
/// file would be (its syntax errors are findings of the check, not usage errors).
fn with_down(m: &Migration, down: &Path) -> crate::error::Result<Migration> {
    let bytes = std::fs::read(down).map_err(|source| Error::Io { path: down.to_path_buf(), source })?;
    if same_file(down, m.up.path()) {
        return Err(Error::Usage(format!("--down {} is the up migration itself", display(down))));
    }
    let file = parse_bytes(down, &display(down), FileRole::Down, bytes);
    Ok(Migration { down: Some(file), ..m.clone() })
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

fn report_syntax_errors(m: &Migration) -> Option<i32> {
    if m.up.script.errors.is_empty() {
        return None;
    }
    for e in &m.up.script.errors {
        let lc = m.up.source.line_col(e.span.start);
        eprintln!("{}:{}:{}: syntax error: {}", display(m.up.path()), lc.line, lc.column, e.message);
    }
    eprintln!("error: fix the syntax errors first: a down script is derived from the whole migration");
    Some(1)
}

fn irreversible_report(m: &Migration, derived: &crate::derive::DerivedDown) -> String {
    let mut out = format!("error: {} cannot be undone automatically:\n", display(m.up.path()));
    for step in derived.irreversible() {
        if let Outcome::Irreversible(why) = &step.outcome {
            out.push_str(&format!("  {}:{}: {}\n      {why}\n", display(m.up.path()), step.line, step.summary));
        }
    }
    match &m.down {
        Some(d) => out.push_str(&format!(
            "note: the explicit down script {} is used instead; check it with `cymig derive-down --check {}`\n",
            display(d.path()),
            display(m.up.path())
        )),
        None => out.push_str(&format!(
            "help: write the down script by hand as {}, or acknowledge a deliberate one-way step with `// cymig:irreversible -- <reason>` above it\n",
            display(&companion_path(m))
        )),
    }
    out
}

/// `U<version>__<description>.cypher` beside `V…`, or `….down.cypher` beside `….up.cypher`.
pub fn companion_path(m: &Migration) -> PathBuf {
    let up = m.up.path();
    let name = up.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let down_name = if let Some(stem) = name.strip_suffix(".up.cypher") {
        format!("{stem}.down.cypher")
    } else if let Some(rest) = name.strip_prefix('V').or_else(|| name.strip_prefix('v')) {
        format!("U{rest}")
    } else {
        format!("U{}__{}.cypher", m.version.raw, m.description)
    };
    up.with_file_name(down_name)
}

fn check(model: &SchemaModel, set: &MigrationSet, m: &Migration) -> CommandResult {
    let down_file = match &m.down {
        Some(d) => d,
        None if m.up.down_start.is_some() => &m.up,
        None => {
            return Err(Error::Usage(format!(
                "{} has no explicit down script to check (expected {})",
                display(m.up.path()),
                display(&companion_path(m))
            )))
        }
    };
    let Some(result) = compare(model, &set.migrations, m) else { return Ok(0) };
    let up = display(m.up.path());
    let down_path = display(down_file.path());
    if result.is_empty() {
        outln!("{down_path} undoes everything {up} does, and nothing more");
        return Ok(0);
    }
    for f in &result.findings {
        let (path, source, span) = match (f.down, f.up) {
            (Some(s), _) => (&down_path, &down_file.source, s),
            (None, Some(s)) => (&up, &m.up.source, s),
            (None, None) => (&down_path, &down_file.source, crate::span::Span::at(0)),
        };
        let lc = source.line_col(span.start);
        let lead = if f.down.is_none() { "the down script leaves this in place: " } else { "" };
        outln!("{path}:{}:{}: {}: {lead}{}", lc.line, lc.column, f.kind.name(), f.message);
        outln!("  help: {}", f.fix);
    }
    if let Some(help) = derived_recommendation(model, set, m) {
        outln!("\n{help}");
    }
    Ok(1)
}

/// The derived down, recommended only when it passes the same comparison; an inexact or
/// assumed step is named, and `cymig verify` proves it against decoys.
fn derived_recommendation(model: &SchemaModel, set: &MigrationSet, m: &Migration) -> Option<String> {
    let script = derive_migration(model, m, &crate::check::findings_of).render()?;
    let parsed = crate::syntax::parse(&script);
    if !parsed.errors.is_empty() {
        return None;
    }
    let up = crate::undo::compare::Script {
        statements: m.up.migration_statements(),
        text: &m.up.source.text,
        comments: &m.up.script.comments,
    };
    let down =
        crate::undo::compare::Script { statements: &parsed.statements, text: &script, comments: &parsed.comments };
    let history = crate::undo::compare::history_of(model, &set.migrations, m);
    if !crate::undo::compare::compare_scripts(&up, &down, &history).is_empty() {
        return None;
    }
    let marked = script.lines().filter(|l| l.contains("Inexact:") || l.contains("Assumption:")).count();
    let up_path = display(m.up.path());
    let dir = display(m.up.path().parent().unwrap_or(Path::new(".")));
    let exactness = match marked {
        0 => "undoes exactly what the up does".to_string(),
        n => format!("undoes it, with {n} step(s) marked `Inexact:` or `Assumption:` (read them)"),
    };
    Some(format!(
        "help: the derived down script {exactness}: print it with `cymig derive-down {up_path}`, \
         and prove it on a scratch database, decoys included, with `cymig verify {dir} --uri …`"
    ))
}
