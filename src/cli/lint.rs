//! `cymig lint`: the checker's command line.

use super::config::ConfigFlags;
use super::CommandResult;
use crate::check::{self, fix, FixMode, LintOptions};
use crate::config::{CliOverrides, Config};
use crate::error::Error;
use crate::report::{self, Format, ReportOptions, RuleInfo};
use crate::rules::registry;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 clean, 1 findings at error severity (warnings too with --strict), \
                        2 usage, configuration or IO error.\n\nSuppress a finding with \
                        `// cymig:ignore <rule> -- <reason>` on the line before the statement.")]
pub struct LintArgs {
    /// Migration files or directories. Files are linted in the context of their whole migration
    /// set (schema model, versions, cymig.sum); findings are reported only for the files given.
    /// `-` reads one file from standard input (see --stdin-filename).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 1 on warnings too, not only on errors; exit 2 when no migration file was found.
    #[arg(long)]
    pub strict: bool,
    /// Exit 0 even when there are findings (2 still means a usage, configuration or IO error).
    #[arg(long)]
    pub exit_zero: bool,
    /// Write the report (or the diff) to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Apply safe fixes in place (repeatedly, until nothing more can be fixed).
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: apply unsafe fixes too (e.g. batching rewrites that change atomicity).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 when there is one).
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub flags: ConfigFlags,
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
    /// With `-`: the path the text on standard input stands for (finds cymig.toml, matches
    /// per-path-ignores, names the file in the report). With --fix the fixed text is written to
    /// standard output and the report to standard error.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Say on stderr which migration sets were read and which conventions were detected in each.
    #[arg(short, long)]
    pub verbose: bool,
    /// Base URL of rule documentation, linked from the reports.
    #[arg(long, hide = true)]
    pub docs_url: Option<String>,
}

pub fn run(args: LintArgs) -> CommandResult {
    let stdin = reads_stdin(&args)?;
    let options = options_from(&args, stdin)?;
    let outcome = match stdin {
        true => lint_stdin(&args, &options)?,
        false => check::lint(&args.paths, &options)?,
    };
    if args.verbose {
        for (root, layout) in &outcome.layouts {
            eprintln!("cymig: {}: {layout}", root.display());
        }
    }
    for held in &outcome.held_back {
        eprint!("{}", held.note);
    }
    let checked = outcome.files.len();
    if checked == 0 {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("warning: no migration file (.cypher, XML changelog) found in {}", paths.join(", "));
    }
    // With `-` and --fix, standard output carries the fixed text (as ruff does), so the report
    // goes to standard error.
    let fixed_to_stdout = stdin && args.fix && !args.diff;
    if fixed_to_stdout {
        super::write_stdout(fixed_text(&outcome).as_bytes())?;
    }
    let written = match &args.output_file {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| Error::Io { path: path.clone(), source })?;
            let mut out = std::io::BufWriter::new(file);
            write_output(&args, &outcome, false, &mut out)
                .and_then(|()| out.flush())
                .map_err(|source| Error::Io { path: path.clone(), source })?;
            return Ok(exit_code(&args, &outcome, checked));
        }
        None if fixed_to_stdout => {
            let mut err = std::io::BufWriter::new(std::io::stderr().lock());
            write_output(&args, &outcome, false, &mut err).and_then(|()| err.flush())
        }
        // One write per line on a locked stdout made the report cost more than the checks on a
        // large directory (20k syscalls for 200 files); buffer it and flush once.
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let color = args.format == Format::Text && report::stdout_wants_color();
            write_output(&args, &outcome, color, &mut out).and_then(|()| out.flush())
        }
    };
    super::closed_pipe_is_fine(written).map_err(|e| Error::Io { path: PathBuf::from("<stdout>"), source: e })?;
    Ok(exit_code(&args, &outcome, checked))
}

/// `-` alone: one text from standard input. Mixed with paths it would be ambiguous.
fn reads_stdin(args: &LintArgs) -> crate::error::Result<bool> {
    let dashes = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    match (dashes, args.paths.len()) {
        (0, _) if args.stdin_filename.is_some() => {
            Err(Error::Usage("--stdin-filename goes with `-` (standard input) as the path".into()))
        }
        (0, _) => Ok(false),
        (1, 1) => Ok(true),
        _ => Err(Error::Usage("`-` (standard input) cannot be combined with other paths".into())),
    }
}

fn lint_stdin(args: &LintArgs, options: &LintOptions) -> crate::error::Result<check::LintOutcome> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
        .map_err(|source| Error::Io { path: PathBuf::from("<stdin>"), source })?;
    let path = args.stdin_filename.as_deref().map_or_else(|| "-".to_string(), |p| p.display().to_string());
    Ok(check::lint_text(&path, &text, options))
}

/// The text on standard input with its fixes applied (unchanged when there were none).
fn fixed_text(outcome: &check::LintOutcome) -> String {
    match (outcome.fixed.first(), outcome.files.first()) {
        (Some(fixed), _) => fixed.fixed.clone(),
        (None, Some(file)) => file.source.text.clone(),
        (None, None) => String::new(),
    }
}

/// 0 clean, 1 findings (none with --exit-zero); 2 under --strict when nothing was linted.
fn exit_code(args: &LintArgs, outcome: &check::LintOutcome, checked: usize) -> i32 {
    if checked == 0 && args.strict {
        return 2;
    }
    if args.exit_zero {
        return 0;
    }
    if args.diff {
        return i32::from(!outcome.fixed.is_empty());
    }
    outcome.exit_code(args.strict)
}

/// The diff, or the report (statistics or findings) with the fix hint.
fn write_output(
    args: &LintArgs,
    outcome: &check::LintOutcome,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if args.diff {
        for f in &outcome.fixed {
            write!(out, "{}", fix::unified_diff(f))?;
        }
        return Ok(());
    }
    if args.fix && !outcome.fixed.is_empty() {
        let applied: usize = outcome.fixed.iter().map(|f| f.applied).sum();
        eprintln!("fixed {applied} finding(s) in {} file(s)", outcome.fixed.len());
    }
    let infos = rule_infos();
    let report_options = ReportOptions { rules: &infos, color, docs_url: args.docs_url.as_deref() };
    if args.statistics {
        match args.format {
            Format::Json => report::statistics_json(&outcome.files, &report_options, out)?,
            _ => report::statistics(&outcome.files, &report_options, out)?,
        }
    } else {
        report::write_report(args.format, &outcome.files, &report_options, out)?;
    }
    if args.format == Format::Text && !args.fix {
        write!(out, "{}", fix_hint(outcome))?;
    }
    Ok(())
}

/// `3 findings fixable with `--fix` (1 more with `--fix --unsafe-fixes`).`, counting only the
/// fixes `--fix` would make: none in a migration `cymig.sum` lists.
fn fix_hint(outcome: &check::LintOutcome) -> String {
    let (mut safe, mut unsafe_only) = (0, 0);
    for file in outcome.files.iter().filter(|f| !outcome.frozen.contains(&f.source.path)) {
        for fix in file.diagnostics.iter().filter_map(|d| d.fix.as_ref()) {
            if fix.is_safe() {
                safe += 1;
            } else {
                unsafe_only += 1;
            }
        }
    }
    let findings = |n: usize| if n == 1 { "1 finding".to_string() } else { format!("{n} findings") };
    match (safe, unsafe_only) {
        (0, 0) => String::new(),
        (s, 0) => format!("{} fixable with `--fix`.\n", findings(s)),
        (0, u) => {
            format!("{} fixable with `--fix --unsafe-fixes` (they change what runs: review them).\n", findings(u))
        }
        (s, u) => format!("{} fixable with `--fix` ({u} more with `--fix --unsafe-fixes`).\n", findings(s)),
    }
}

/// With `--uri`, what the database has applied; the connection is only worth making for fixes.
fn applied_history(
    args: &LintArgs,
    config: &Config,
) -> crate::error::Result<Option<crate::check::recorded::AppliedHistory>> {
    if args.uri.is_none() {
        return Ok(None);
    }
    if !(args.fix || args.diff) {
        return Err(Error::Usage(
            "--uri only protects applied migrations from fixes: give it with --fix or --diff".into(),
        ));
    }
    super::db::applied_history(config.clone()).map(Some)
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

/// Configuration file first, then command-line flags on top, resolved once here: the lint and
/// the history `--uri` reads share it. For standard input the configuration is the one of
/// `--stdin-filename` (else of the working directory).
fn options_from(args: &LintArgs, stdin: bool) -> crate::error::Result<LintOptions> {
    let start = match (stdin, &args.stdin_filename, args.paths.first()) {
        (true, Some(path), _) => path.clone(),
        (false, _, Some(path)) => path.clone(),
        _ => PathBuf::from("."),
    };
    let overrides = CliOverrides {
        uri: args.uri.clone(),
        user: args.user.clone().or_else(|| super::db::non_empty_env("NEO4J_USERNAME")),
        password_file: args.password_file.clone(),
        database: args.database.clone(),
        ..CliOverrides::default()
    };
    let config = args.flags.load_with(&start, overrides)?;
    let mut options = crate::check::options::for_config(&config)?;
    options.fix = match (args.fix || args.diff, args.unsafe_fixes) {
        (false, _) => FixMode::None,
        (true, false) => FixMode::Safe,
        (true, true) => FixMode::Unsafe,
    };
    options.diff = args.diff;
    options.applied = applied_history(args, &config)?;
    options.validate().map_err(|e| match e {
        Error::Config { message, .. } => Error::Usage(message),
        other => other,
    })?;
    Ok(options)
}
