//! Commands that talk to a database: status, up, down, retry, mark-applied, repair, validate,
//! baseline, unlock, verify. Each resolves its connection (flags over `cymig.toml` over defaults;
//! the password from NEO4J_PASSWORD, a password file or a prompt, never a flag), builds the
//! checked plan where it needs one, and hands both to [`crate::exec`].

use super::config::ConfigFlags;
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
    #[command(flatten)]
    pub flags: ConfigFlags,
    /// No progress or notes on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// How long opening the connection may take: TCP connect, Bolt handshake and login, e.g. 15s
    /// (default: database.connect-timeout, else 15s).
    #[arg(long, value_name = "DURATION", value_parser = positive_duration_arg)]
    pub connect_timeout: Option<Duration>,
    /// How long each of cymig's own requests (history, lock, status) may take, e.g. 60s (default:
    /// database.request-timeout, else 60s). Migration statements are bounded by the server's
    /// db.transaction.timeout instead.
    #[arg(long, value_name = "DURATION", value_parser = positive_duration_arg)]
    pub request_timeout: Option<Duration>,
}

/// The guard on unbatched writes of the commands that apply migrations.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct UnbatchedArgs {
    /// Run unbatched data statements whose driving query counts more rows than
    /// lint.batching.max-unbatched-rows (default 100000) anyway, in one transaction each.
    #[arg(long)]
    pub allow_large_unbatched: bool,
}

impl UnbatchedArgs {
    fn apply(&self, options: &mut Options) {
        if self.allow_large_unbatched {
            options.max_unbatched_rows = None;
        }
    }
}

/// Locking flags of the commands that change the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LockArgs {
    /// How long to wait for another run's migration lock before failing: 60s, 5m, 1h, 500ms or
    /// a number of seconds (default: database.lock-timeout, else 60s).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub lock_timeout: Option<Duration>,
    /// How long the lock outlives a process that died holding it; renewed while running
    /// (default: database.lease, else 5m).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub lock_lease: Option<Duration>,
}

/// Flags of the commands that run migration steps.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// How long to wait for new indexes to come online after schema steps.
    #[arg(long, value_name = "DURATION", value_parser = duration_arg, default_value = "5m")]
    pub index_timeout: Duration,
    /// When stderr is not a terminal (CI logs), print a progress line this often while a step
    /// runs (0: only the line each batched step ends with).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg, default_value = "10s")]
    pub progress_every: Duration,
}

impl Default for RunArgs {
    fn default() -> Self {
        RunArgs { index_timeout: Duration::from_secs(300), progress_every: Duration::from_secs(10) }
    }
}

/// [`duration_arg`], refusing zero (a timeout of nothing fails every request).
fn positive_duration_arg(text: &str) -> std::result::Result<Duration, String> {
    duration_arg(text).and_then(|d| if d.is_zero() { Err("a timeout must be longer than 0s".into()) } else { Ok(d) })
}

/// `60s`, `5m`, `1h`, `500ms` or a number of seconds, as in `cymig.toml`.
fn duration_arg(text: &str) -> std::result::Result<Duration, String> {
    crate::config::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration: write 60s, 5m, 1h, 500ms or a number of seconds"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFormat {
    #[default]
    Text,
    Json,
    /// One self-contained page (e.g. a CI artifact).
    Html,
}

/// Everything a command needs: the migrations directory, the connection, executor options.
struct Session {
    executor: Executor,
    runtime: tokio::runtime::Runtime,
    /// The server (URI without credentials) and database, as reports name them.
    label: String,
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

fn settings(
    dir: Option<&PathBuf>,
    conn: &ConnArgs,
    lock: &LockArgs,
    run: &RunArgs,
    pre_up_hook: Option<String>,
) -> Result<Settings> {
    let start = dir.cloned().unwrap_or_else(|| PathBuf::from("."));
    let overrides = CliOverrides {
        uri: conn.uri.clone().or_else(|| non_empty_env("NEO4J_URI")),
        user: conn.user.clone().or_else(|| non_empty_env("NEO4J_USERNAME")),
        database: conn.database.clone(),
        password_file: conn.password_file.clone(),
        lock_timeout: lock.lock_timeout,
        lease: lock.lock_lease,
        connect_timeout: conn.connect_timeout,
        request_timeout: conn.request_timeout,
        ..CliOverrides::default()
    };
    let config = conn.flags.load_with(&start, overrides)?;
    let dir = dir.cloned().unwrap_or_else(|| config.migrations.clone());
    let options = Options {
        lock_timeout: config.database.lock_timeout,
        lock_lease: config.database.lease,
        index_timeout: run.index_timeout,
        pre_up_hook: pre_up_hook.or_else(|| config.hooks.pre_up.clone()),
        progress: !conn.quiet,
        progress_every: run.progress_every,
        verbose: !conn.quiet,
        max_unbatched_rows: Some(config.lint.batching.max_unbatched_rows),
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
            connect_timeout: self.config.database.connect_timeout,
            request_timeout: self.config.database.request_timeout,
        };
        let label = database_label(&self.config);
        let runtime = runtime()?;
        let db = runtime.block_on(Db::connect(&options))?;
        Ok(Session { executor: Executor::new(db, self.options), runtime, label })
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
    run: &RunArgs,
    pre_up_hook: Option<String>,
) -> Result<std::result::Result<(Session, CheckedPlan), i32>> {
    let settings = settings(dir, conn, lock, run, pre_up_hook)?;
    let plan = match settings.plan()? {
        Ok(plan) => plan,
        Err(code) => return Ok(Err(code)),
    };
    Ok(Ok((settings.connect()?, plan)))
}

/// The migrations the database names in `conn` has run (or may have: running, failed), for
/// `lint --fix --uri`, which leaves them alone.
pub fn applied_history(config: Config) -> Result<crate::check::recorded::AppliedHistory> {
    let dir = config.migrations.clone();
    let session = Settings { config, dir, options: Options::default() }.connect()?;
    let database = session.label.clone();
    let records = session.runtime.block_on(exec::history::load(&session.executor.db))?;
    let keys = records.into_iter().filter(|r| r.status != exec::history::Status::RolledBack).map(|r| r.key).collect();
    Ok(crate::check::recorded::AppliedHistory { database, keys })
}

/// `bolt://host:7687 (database movies)`: never the credentials a URI may carry.
fn database_label(config: &Config) -> String {
    let uri = crate::config::redact_uri(&config.database.uri);
    match &config.database.database {
        Some(name) => format!("{uri} (database {name})"),
        None => uri,
    }
}

pub(super) fn non_empty_env(name: &str) -> Option<String> {
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
        outln!("nothing to {verb}");
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
        outln!(
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn status(args: StatusArgs) -> CommandResult {
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &LockArgs::default(), &RunArgs::default(), None));
    let report = s.runtime.block_on(s.executor.around(&plan, ("beforeInfo", "afterInfo"), s.executor.status(&plan)))?;
    match args.format {
        StatusFormat::Text => out!("{}", exec_status::render_text(&report, args.show_failed)),
        StatusFormat::Json => outln!("{}", exec_status::render_json(&report)),
        StatusFormat::Html => out!("{}", exec_status::render_html(&report, &s.label)),
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub unbatched: UnbatchedArgs,
}

pub fn up(args: UpArgs) -> CommandResult {
    let (mut s, plan) =
        open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &args.run, args.pre_up_hook.clone()));
    s.runtime.block_on(exec::adopt::refuse_unadopted(&s.executor.db))?;
    args.unbatched.apply(&mut s.executor.options);
    if args.dry_run {
        let previews = s.runtime.block_on(s.executor.dry_run_up(&plan, args.to.as_deref()))?;
        print_previews(&previews, args.format);
        return Ok(dry_run_exit_code(&previews));
    }
    let done = s.runtime.block_on(s.executor.up(&plan, args.to.as_deref()))?;
    print_applied(&done, "apply");
    Ok(0)
}

/// 1 when a step of the dry run failed (the `WOULD FAIL` lines), as a real run would have.
fn dry_run_exit_code(previews: &[dryrun::StepPreview]) -> i32 {
    i32::from(previews.iter().any(|p| matches!(p.outcome, dryrun::Preview::WouldFail { .. })))
}

fn print_previews(previews: &[dryrun::StepPreview], format: OutputFormat) {
    match format {
        OutputFormat::Text => out!("{}", dryrun::render(previews)),
        OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(previews).unwrap_or_default()),
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub unbatched: UnbatchedArgs,
}

pub fn down(args: DownArgs) -> CommandResult {
    let (mut s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &args.run, None));
    args.unbatched.apply(&mut s.executor.options);
    let selection = match &args.to {
        Some(v) => DownSelection::To(v),
        None => DownSelection::Steps(args.steps.unwrap_or(1)),
    };
    if args.dry_run {
        let previews = s.runtime.block_on(s.executor.dry_run_down(&plan, selection))?;
        print_previews(&previews, args.format);
        return Ok(dry_run_exit_code(&previews));
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
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub unbatched: UnbatchedArgs,
}

pub fn retry(args: RetryArgs) -> CommandResult {
    let (mut s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &args.run, None));
    args.unbatched.apply(&mut s.executor.options);
    let done = s.runtime.block_on(s.executor.retry_with(&plan, &args.version, args.only, args.force))?;
    print_applied(&done, "retry");
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct MarkAppliedArgs {
    /// The version to record as applied.
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
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &RunArgs::default(), None));
    s.runtime.block_on(s.executor.mark_applied(&plan, &args.version, &args.reason))?;
    outln!("recorded {} as applied (not run): {}", args.version, args.reason);
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
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &RunArgs::default(), None));
    let repaired = s.runtime.block_on(s.executor.repair(&plan, &args.reason))?;
    if repaired.accepted.is_empty() && repaired.forgotten.is_empty() {
        outln!("nothing to repair: every applied migration matches its file");
    }
    for (key, description) in &repaired.forgotten {
        outln!("{key}: forgotten ({description}: applied, its file is gone): {}", args.reason);
    }
    for m in repaired.accepted {
        outln!(
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
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &LockArgs::default(), &RunArgs::default(), None));
    let compare = async {
        Ok::<_, crate::error::Error>((s.executor.validate(&plan).await?, s.executor.missing_files(&plan).await?))
    };
    let (mismatches, missing) =
        s.runtime.block_on(s.executor.around(&plan, ("beforeValidate", "afterValidate"), compare))?;
    if mismatches.is_empty() && missing.is_empty() {
        outln!("every applied migration matches its file");
        return Ok(0);
    }
    for r in &missing {
        outln!(
            "{}: applied, but its file{} is gone from this migration set (missing)",
            r.key,
            r.script.as_deref().map(|s| format!(" {s}")).unwrap_or_default()
        );
    }
    for m in &mismatches {
        outln!(
            "{}: edited after it was applied (recorded {}, file {})",
            m.key,
            exec::apply::short(&m.recorded),
            exec::apply::short(&m.file)
        );
    }
    if !mismatches.is_empty() {
        outln!("revert the edits, or accept them with `cymig repair --reason \"…\"`");
    }
    if !missing.is_empty() {
        outln!("restore the missing files, or forget them with `cymig repair --reason \"…\"`");
    }
    Ok(1)
}

#[derive(clap::Args, Debug)]
pub struct BaselineArgs {
    /// Everything up to and including this version is recorded as applied, without running.
    /// With `--from`, no version: the one argument is the migrations directory.
    #[arg(required_unless_present = "from")]
    pub version: Option<String>,
    /// The migrations directory (default: cymig.toml's `migrations`).
    pub dir: Option<PathBuf>,
    /// Why (recorded in the history), e.g. "adopted from neo4j-migrations".
    #[arg(long)]
    pub reason: Option<String>,
    /// Adopt the history another tool recorded in the database instead of a version:
    /// `neo4j-migrations` reads its `__Neo4jMigration` chain.
    #[arg(long, value_enum)]
    pub from: Option<BaselineFrom>,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// Tools whose recorded history `baseline --from` adopts.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum BaselineFrom {
    Neo4jMigrations,
}

pub fn baseline(args: BaselineArgs) -> CommandResult {
    if args.from.is_some() {
        return baseline_from(args);
    }
    let version = args.version.unwrap_or_default();
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &RunArgs::default(), None));
    let n = s.runtime.block_on(s.executor.baseline(&plan, &version, args.reason.as_deref()))?;
    outln!("baselined at {version}: {n} migration(s) recorded as applied");
    Ok(0)
}

fn baseline_from(args: BaselineArgs) -> CommandResult {
    let dir = match (args.version, args.dir) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "baseline --from takes no version (the chain says what was applied), only the migrations directory"
                    .into(),
            ))
        }
        (first, dir) => dir.or(first.map(PathBuf::from)),
    };
    let (s, plan) = open_or_exit!(open(dir.as_ref(), &args.conn, &args.lock, &RunArgs::default(), None));
    let adoption = s.runtime.block_on(s.executor.adopt_neo4j_migrations(&plan, args.reason.as_deref()))?;
    for file in &adoption.rerun {
        outln!(
            "{file}: repeatable migration edited since neo4j-migrations ran it: left pending, `cymig up` runs it again"
        );
    }
    outln!(
        "adopted neo4j-migrations' chain at version {}: {} migration(s) recorded as applied; `cymig up` applies only newer ones",
        adoption.version.as_deref().unwrap_or("none"),
        adoption.recorded
    );
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn unlock(args: UnlockArgs) -> CommandResult {
    refuse_lint_flags("unlock", &args.conn.flags)?;
    let s = settings(None, &args.conn, &LockArgs::default(), &RunArgs::default(), None)?.connect()?;
    match s.runtime.block_on(s.executor.unlock())? {
        Some(info) => {
            outln!("released the stale lock of {} (lease expired {})", info.owner, info.expires_at.unwrap_or_default())
        }
        None => outln!("the lock is free"),
    }
    Ok(0)
}

/// A command that lints nothing says so, rather than accept lint flags it would ignore.
fn refuse_lint_flags(command: &str, flags: &ConfigFlags) -> Result<()> {
    let given: Vec<&str> = [
        ("--target", flags.target.is_some()),
        ("--edition", flags.edition.is_some()),
        ("--select", !flags.select.is_empty()),
        ("--extend-select", !flags.extend_select.is_empty()),
        ("--ignore", !flags.ignore.is_empty()),
    ]
    .into_iter()
    .filter_map(|(flag, set)| set.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    let verb = if given.len() == 1 { "has" } else { "have" };
    Err(Error::Usage(format!(
        "`cymig {command}` lints nothing: {} {verb} no effect on it; leave it out",
        given.join(", ")
    )))
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
    /// Do not plant decoys (data synthesised from each up's patterns that a wrong down would
    /// touch): prove against the seed only.
    #[arg(long)]
    pub no_decoys: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn verify(args: VerifyArgs) -> CommandResult {
    let seed = match &args.seed {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.clone(), source })?),
        None => None,
    };
    let (s, plan) = open_or_exit!(open(args.dir.as_ref(), &args.conn, &args.lock, &args.run, None));
    let proofs = s.runtime.block_on(s.executor.prove(&plan, args.allow_non_empty, seed.as_deref(), !args.no_decoys))?;
    match args.format {
        OutputFormat::Text => out!("{}", prove::render(&proofs)),
        OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(&proofs).unwrap_or_default()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::dryrun::{Preview, StepPreview};

    fn step(outcome: Preview) -> StepPreview {
        StepPreview { migration: "V1".into(), step: 1, transaction: crate::plan::TransactionMode::Explicit, outcome }
    }

    #[test]
    fn a_dry_run_with_a_failing_step_exits_1() {
        let fine = step(Preview::RolledBack(Default::default()));
        let failing = step(Preview::WouldFail { error: "Neo.ClientError".into() });
        assert_eq!(dry_run_exit_code(&[]), 0);
        assert_eq!(dry_run_exit_code(std::slice::from_ref(&fine)), 0);
        assert_eq!(dry_run_exit_code(&[fine, failing]), 1);
    }
}
