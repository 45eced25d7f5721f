//! Commands that talk to a database: status, up, down, retry, mark-applied, repair, validate,
//! baseline, unlock, verify. Each resolves its connection (flags over `cymig.toml` over defaults;
//! the password from NEO4J_PASSWORD, a password file or a prompt, never a flag), builds the
//! checked plan where it needs one, and hands both to [`crate::exec`].

use super::CommandResult;
use crate::config::{CliOverrides, Config};
use crate::error::{Error, Result};
use crate::exec::pipeline::{self, Checked};
use crate::exec::{
    self, dryrun, prove, status as exec_status, ConnectionOptions, Db, DownSelection, Executor, Options, Secret,
};
use crate::plan::CheckedPlan;
use std::path::PathBuf;
use std::time::Duration;

/// Where the database is and how to reach it. The password is deliberately not a flag.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Bolt URI: bolt, bolt+s, bolt+ssc, neo4j, neo4j+s or neo4j+ssc (default: $NEO4J_URI, else
    /// cymig.toml's database.uri, else bolt://localhost:7687).
    #[arg(long, value_name = "URI")]
    pub uri: Option<String>,
    /// User name (default: $NEO4J_USERNAME, else database.user, else neo4j).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Read the password from this file. Otherwise NEO4J_PASSWORD, else a prompt on a terminal.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The database to migrate (default: the server's default database).
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
    /// Use this configuration file instead of searching for cymig.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No progress lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// When stderr is not a terminal (CI logs), print a progress line this often while a step
    /// runs (0: only the line each batched step ends with).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub progress_every: u64,
}

/// Locking flags of the commands that change the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LockArgs {
    /// Seconds to wait for another run's migration lock before failing (default 60).
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
    /// Seconds the lock outlives a process that died holding it (default 300); renewed while running.
    #[arg(long, value_name = "SECONDS")]
    pub lock_lease: Option<u64>,
    /// Seconds to wait for new indexes to come online after schema steps (default 300).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub index_timeout: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Everything a command needs: the migrations directory, the connection, executor options.
struct Session {
    executor: Executor,
    runtime: tokio::runtime::Runtime,
}

/// The settings resolved from flags, environment and `cymig.toml`, before anything connects.
struct Settings {
    config: Config,
    dir: PathBuf,
    options: Options,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start the async runtime: {e}")))
}

fn settings(dir: Option<&PathBuf>, conn: &ConnArgs, lock: &LockArgs, pre_up_hook: Option<String>) -> Result<Settings> {
    let start = dir.cloned().unwrap_or_else(|| PathBuf::from("."));
    let overrides = CliOverrides {
        config: conn.config.clone(),
        uri: conn.uri.clone().or_else(|| non_empty_env("NEO4J_URI")),
        user: conn.user.clone().or_else(|| non_empty_env("NEO4J_USERNAME")),
        database: conn.database.clone(),
        password_file: conn.password_file.clone(),
        lock_timeout: lock.lock_timeout.map(Duration::from_secs),
        lease: lock.lock_lease.map(Duration::from_secs),
        ..CliOverrides::default()
    };
    let config = Config::load(&start, &overrides)?;
    let dir = dir.cloned().unwrap_or_else(|| config.migrations.clone());
    let options = Options {
        lock_timeout: config.database.lock_timeout,
        lock_lease: config.database.lease,
        index_timeout: Duration::from_secs(lock.index_timeout),
        pre_up_hook: pre_up_hook.or_else(|| config.hooks.pre_up.clone()),
        progress: !conn.quiet,
        progress_every: Duration::from_secs(conn.progress_every),
        verbose: !conn.quiet,
        ..Options::default()
    };
    Ok(Settings { config, dir, options })
}

impl Settings {
    /// Asks for the password if needed, then connects (and checks the connection).
    fn connect(self) -> Result<Session> {
        let options = ConnectionOptions {
            uri: self.config.database.uri.clone(),
            user: self.config.database.user.clone(),
            password: password(&self.config)?,
            database: self.config.database.database.clone(),
        };
        let runtime = runtime()?;
        let db = runtime.block_on(Db::connect(&options))?;
        Ok(Session { executor: Executor::new(db, self.options), runtime })
    }

    /// The checked plan of the migrations directory, or the lint findings that block it (exit 1).
    fn plan(&self) -> Result<std::result::Result<CheckedPlan, i32>> {
        match pipeline::checked_plan(&self.dir, &self.config)? {
            Checked::Plan(plan) => Ok(Ok(plan)),
            Checked::Blocked(results) => {
                let mut out = std::io::stdout();
                let _ =
                    crate::report::write_report(crate::report::Format::Text, &results, &Default::default(), &mut out);
                eprintln!("cymig: the migrations have errors (above); nothing was sent to the database");
                Ok(Err(1))
            }
        }
    }
}

/// Lints and plans first, so migrations with errors stop the command before any password
/// prompt or connection; then connects. `Err(code)`: the exit code of the blocking findings.
fn open(
    dir: Option<&PathBuf>,
    conn: &ConnArgs,
    lock: &LockArgs,
    pre_up_hook: Option<String>,
) -> Result<std::result::Result<(Session, CheckedPlan), i32>> {
    let settings = settings(dir, conn, lock, pre_up_hook)?;
    let plan = match settings.plan()? {
        Ok(plan) => plan,
        Err(code) => return Ok(Err(code)),
    };
    Ok(Ok((settings.connect()?, plan)))
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// NEO4J_PASSWORD, then the password file, then a prompt on a terminal.
fn password(config: &Config) -> Result<Secret> {
    if let Some(p) = config.password()? {
        return Ok(Secret::new(p));
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "no password: set NEO4J_PASSWORD, give --password-file (or database.password-file in cymig.toml), \
             or run on a terminal to be prompted (for a server without authentication, set NEO4J_PASSWORD to anything)"
                .into(),
        ));
    }
    let prompt =
        format!("Password for {} at {}: ", config.database.user, crate::config::redact_uri(&config.database.uri));
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|e| Error::Usage(format!("could not read the password: {e}")))
}

macro_rules! open_or_exit {
    ($opened:expr) => {
        match $opened? {
            Ok(opened) => opened,
            Err(code) => return Ok(code),
        }
    };
}

fn print_applied(done: &[exec::Applied], verb: &str) {
    if done.is_empty() {
        println!("nothing to {verb}");
    }
    for a in done {
        let batched = a
            .batches
            .map(|b| {
                format!(
                    ", {} rows in {} batches",
                    exec::progress::thousands(b.rows),
                    exec::progress::thousands(b.batches)
                )
            })
            .unwrap_or_default();
        println!(
            "{} {} {} ({} step{}, {} ms{}{batched})",
            match a.direction {
                exec::history::Direction::Up => "applied",
                exec::history::Direction::Down => "rolled back",
            },
            a.key,
            a.description,
            a.steps,
            if a.steps == 1 { "" } else { "s" },
            a.execution_ms,
            changed(&a.counters)
        );
    }
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Show the recorded error of failed migrations.
    #[arg(long)]
    pub show_failed: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn status(args: StatusArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &LockArgs::default(), None));
    let report = s.runtime.block_on(s.executor.status(&plan))?;
    match args.format {
        OutputFormat::Text => print!("{}", exec_status::render_text(&report, args.show_failed)),
        OutputFormat::Json => println!("{}", exec_status::render_json(&report)),
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Apply up to and including this version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Run explicit steps and roll them back; report what would change. Writes nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Shell command to run first (e.g. a backup); `up` aborts if it fails. Overrides hooks.pre-up.
    #[arg(long, value_name = "COMMAND")]
    pub pre_up_hook: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn up(args: UpArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, args.pre_up_hook.clone()));
    if args.dry_run {
        let previews = s.runtime.block_on(s.executor.dry_run_up(&plan, args.to.as_deref()))?;
        print_previews(&previews, args.format);
        return Ok(0);
    }
    let done = s.runtime.block_on(s.executor.up(&plan, args.to.as_deref()))?;
    print_applied(&done, "apply");
    Ok(0)
}

fn print_previews(previews: &[dryrun::StepPreview], format: OutputFormat) {
    match format {
        OutputFormat::Text => print!("{}", dryrun::render(previews)),
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(previews).unwrap_or_default()),
    }
}

#[derive(clap::Args, Debug)]
pub struct DownArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Roll back the newest N applied migrations (default 1).
    #[arg(long, value_name = "N", conflicts_with = "to")]
    pub steps: Option<usize>,
    /// Roll back every migration applied after this version (it stays applied).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Run explicit down steps and roll them back; report what would change.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn down(args: DownArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    let selection = match &args.to {
        Some(v) => DownSelection::To(v),
        None => DownSelection::Steps(args.steps.unwrap_or(1)),
    };
    if args.dry_run {
        let previews = s.runtime.block_on(s.executor.dry_run_down(&plan, selection))?;
        print_previews(&previews, args.format);
        return Ok(0);
    }
    let done = s.runtime.block_on(s.executor.down(&plan, selection))?;
    print_applied(&done, "roll back");
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct RetryArgs {
    /// The version of the `running` or `failed` migration.
    pub version: String,
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Stop after this migration instead of continuing with the pending ones.
    #[arg(long)]
    pub only: bool,
    /// Re-run from its start a batched step that is not idempotent although some of its batches
    /// committed (refused otherwise: their rows would be written twice). Undo them first.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn retry(args: RetryArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    let done = s.runtime.block_on(s.executor.retry_with(&plan, &args.version, args.only, args.force))?;
    print_applied(&done, "retry");
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct MarkAppliedArgs {
    pub version: String,
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Why (recorded in the history), e.g. "applied by hand during incident 42".
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn mark_applied(args: MarkAppliedArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    s.runtime.block_on(s.executor.mark_applied(&plan, &args.version, &args.reason))?;
    println!("recorded {} as applied (not run): {}", args.version, args.reason);
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct RepairArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Why the edits are safe (recorded in the history).
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn repair(args: RepairArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    let fixed = s.runtime.block_on(s.executor.repair(&plan, &args.reason))?;
    if fixed.is_empty() {
        println!("nothing to repair: every applied migration matches its file");
    }
    for m in fixed {
        println!(
            "{}: accepted checksum {} (was {})",
            m.key,
            exec::apply::short(&m.file),
            exec::apply::short(&m.recorded)
        );
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn validate(args: ValidateArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &LockArgs::default(), None));
    let mismatches = s.runtime.block_on(s.executor.validate(&plan))?;
    if mismatches.is_empty() {
        println!("every applied migration matches its file");
        return Ok(0);
    }
    for m in &mismatches {
        println!(
            "{}: edited after it was applied (recorded {}, file {})",
            m.key,
            exec::apply::short(&m.recorded),
            exec::apply::short(&m.file)
        );
    }
    println!("revert the edits, or accept them with `cymig repair --reason \"…\"`");
    Ok(1)
}

#[derive(clap::Args, Debug)]
pub struct BaselineArgs {
    /// Everything up to and including this version is recorded as applied, without running.
    pub version: String,
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn baseline(args: BaselineArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    let n = s.runtime.block_on(s.executor.baseline(&plan, &args.version, args.reason.as_deref()))?;
    println!("baselined at {}: {n} migration(s) recorded as applied", args.version);
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn unlock(args: UnlockArgs) -> CommandResult {
    let s = settings(None, &args.conn, &LockArgs::default(), None)?.connect()?;
    match s.runtime.block_on(s.executor.unlock())? {
        Some(info) => println!(
            "released the stale lock of {} (lease expired {})",
            info.owner,
            info.expires_at.unwrap_or_default()
        ),
        None => println!("the lock is free"),
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Run this Cypher script first to populate the scratch database.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Run even though the database is not empty (it will be changed).
    #[arg(long)]
    pub allow_non_empty: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub fn verify(args: VerifyArgs) -> CommandResult {
    let seed = match &args.seed {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.clone(), source })?),
        None => None,
    };
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, None));
    let proofs = s.runtime.block_on(s.executor.prove(&plan, args.allow_non_empty, seed.as_deref()))?;
    match args.format {
        OutputFormat::Text => print!("{}", prove::render(&proofs)),
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&proofs).unwrap_or_default()),
    }
    let inexact = proofs.iter().any(|p| matches!(p.outcome, prove::ProofOutcome::Differs { .. }));
    Ok(i32::from(inexact))
}

/// `, +3 nodes, 12 properties set` — what a migration changed, or nothing when it changed nothing.
fn changed(c: &exec::counters::Counters) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!(", {}", c.describe())
    }
}
