//! `cymig lint`: the checker's command line.

use super::CommandResult;
use crate::check::{self, fix, FixMode, LintOptions};
use crate::error::Error;
use crate::report::{self, Format, ReportOptions, RuleInfo};
use crate::rules::{registry, Edition, Target};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 clean, 1 findings at error severity (warnings too with --strict), \
                        2 usage, configuration or IO error.\n\nSuppress a finding with \
                        `// cymig:ignore <rule> -- <reason>` on the line before the statement.")]
pub struct LintArgs {
    /// Migration files or directories. Files are linted in the context of their whole migration
    /// set (schema model, versions, cymig.sum); findings are reported only for the files given.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
    /// Apply safe fixes in place (repeatedly, until nothing more can be fixed).
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: apply unsafe fixes too (e.g. batching rewrites that change atomicity).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 when there is one).
    #[arg(long)]
    pub diff: bool,
    /// Only run these rules (names, codes, code prefixes or categories; comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never run these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Target Neo4j version: 4.4, 5 (5.26) or 2025 (2025.x, Cypher 25).
    #[arg(long)]
    pub target: Option<String>,
    /// Neo4j edition: community or enterprise.
    #[arg(long)]
    pub edition: Option<String>,
    /// Use this cymig.toml instead of searching upwards from the linted paths.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// With --fix or --diff: read the migration history of the database at this Bolt URI and never
    /// rewrite a migration applied there (as for one recorded in cymig.sum). The password comes
    /// from NEO4J_PASSWORD, --password-file or a prompt, as for `cymig status`.
    #[arg(long, value_name = "URI")]
    pub uri: Option<String>,
    /// With --uri: user name (default: $NEO4J_USERNAME, else database.user, else neo4j).
    #[arg(long, value_name = "USER", requires = "uri")]
    pub user: Option<String>,
    /// With --uri: read the password from this file.
    #[arg(long, value_name = "FILE", requires = "uri")]
    pub password_file: Option<PathBuf>,
    /// With --uri: the database whose history to read (default: the server's default database).
    #[arg(long, value_name = "NAME", requires = "uri")]
    pub database: Option<String>,
    /// Say on stderr which migration sets were read and which conventions were detected in each.
    #[arg(short, long)]
    pub verbose: bool,
    /// Base URL of rule documentation, linked from the reports.
    #[arg(long, hide = true)]
    pub docs_url: Option<String>,
}

pub fn run(args: LintArgs) -> CommandResult {
    let options = options_from(&args)?;
    let outcome = check::lint(&args.paths, &options)?;
    if args.verbose {
        for (root, layout) in &outcome.layouts {
            eprintln!("cymig: {}: {layout}", root.display());
        }
    }
    // One write per line on a locked stdout made the report cost more than the checks on a
    // large directory (20k syscalls for 200 files); buffer it and flush once.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let io_err = |e: std::io::Error| Error::Io { path: PathBuf::from("<stdout>"), source: e };
    for held in &outcome.held_back {
        eprint!("{}", held.note);
    }
    if args.diff {
        for f in &outcome.fixed {
            write!(out, "{}", fix::unified_diff(f)).map_err(io_err)?;
        }
        reader_gone_is_fine(out.flush()).map_err(io_err)?;
        return Ok(i32::from(!outcome.fixed.is_empty()));
    }
    if args.fix && !outcome.fixed.is_empty() {
        let applied: usize = outcome.fixed.iter().map(|f| f.applied).sum();
        eprintln!("fixed {applied} finding(s) in {} file(s)", outcome.fixed.len());
    }
    let infos = rule_infos();
    let report_options = ReportOptions {
        rules: &infos,
        color: args.format == Format::Text && report::stdout_wants_color(),
        docs_url: args.docs_url.as_deref(),
    };
    let written = if args.statistics {
        match args.format {
            Format::Json => report::statistics_json(&outcome.files, &report_options, &mut out),
            _ => report::statistics(&outcome.files, &report_options, &mut out),
        }
    } else {
        report::write_report(args.format, &outcome.files, &report_options, &mut out)
    };
    reader_gone_is_fine(written.and_then(|()| out.flush())).map_err(io_err)?;
    Ok(outcome.exit_code(args.strict))
}

/// With `--uri`, what the database has applied; the connection is only worth making for fixes.
fn applied_history(args: &LintArgs) -> crate::error::Result<Option<crate::check::recorded::AppliedHistory>> {
    let Some(uri) = &args.uri else { return Ok(None) };
    if !(args.fix || args.diff) {
        return Err(Error::Usage(
            "--uri only protects applied migrations from fixes: give it with --fix or --diff".into(),
        ));
    }
    let conn = super::db::ConnArgs {
        uri: Some(uri.clone()),
        user: args.user.clone(),
        password_file: args.password_file.clone(),
        database: args.database.clone(),
        config: args.config.clone(),
        ..Default::default()
    };
    super::db::applied_history(&conn).map(Some)
}

/// `cymig lint … | head` closes the pipe early: the reader has what it wanted, which is no
/// error; the exit code still tells whether there were findings.
fn reader_gone_is_fine(written: std::io::Result<()>) -> std::io::Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Rule metadata for reporters, from the registry.
pub fn rule_infos() -> Vec<RuleInfo> {
    registry::all()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleInfo {
                name: m.name,
                code: m.code,
                summary: m.summary,
                default_severity: m.severity,
                category: m.category.as_str(),
                docs: m.docs,
            }
        })
        .collect()
}

/// Configuration file first, then command-line flags on top.
fn options_from(args: &LintArgs) -> crate::error::Result<LintOptions> {
    let overrides = crate::config::CliOverrides {
        config: args.config.clone(),
        target: args.target.as_deref().map(str::parse::<Target>).transpose().map_err(Error::Usage)?,
        edition: args.edition.as_deref().map(str::parse::<Edition>).transpose().map_err(Error::Usage)?,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        ..Default::default()
    };
    let mut options = crate::check::options::from_config(&args.paths, &overrides)?;
    options.fix = match (args.fix || args.diff, args.unsafe_fixes) {
        (false, _) => FixMode::None,
        (true, false) => FixMode::Safe,
        (true, true) => FixMode::Unsafe,
    };
    options.diff = args.diff;
    options.applied = applied_history(args)?;
    options.validate().map_err(|e| match e {
        Error::Config { message, .. } => Error::Usage(message),
        other => other,
    })?;
    Ok(options)
}
