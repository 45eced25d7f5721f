//! The command line: argument parsing, and dispatch to one module per command (or family).

/// `print!` for a command's results: a reader that closed the pipe (`cymig status | head -1`) is
/// not a panic, as `print!` makes it.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::print_out(&format!($($arg)*))
    };
}

/// `println!` the same way as [`out!`].
macro_rules! outln {
    () => {
        $crate::cli::print_out("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::print_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod config;
mod db;
pub(crate) mod derive_down;
mod hash;
mod lint;
mod parse;
mod plan;
pub(crate) mod rule;
mod server;
mod shell;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cymig",
    version = VERSION,
    about = "A Cypher-aware migration compiler and linter for Neo4j",
    long_about = "cymig parses Neo4j migration files (.cypher) into a typed AST, lints them, derives \
                  rollback scripts, compiles a transaction plan and applies it over Bolt.\n\n\
                  Exit codes: 0 clean, 1 findings, 2 usage, configuration, IO or internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The version and the commit it was built from (`build.rs`), so a bug report names the build.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("CYMIG_GIT_COMMIT"), ")");

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse migration files and report syntax errors (or dump the AST).
    Parse(parse::ParseArgs),
    /// Lint migration files or directories.
    Lint(lint::LintArgs),
    /// Print a rule's documentation, or list all rules.
    Rule(rule::RuleArgs),
    /// Show the effective configuration.
    Config(config::ConfigArgs),
    /// Write the cymig.sum integrity file for a migration directory.
    Hash(hash::HashArgs),
    /// Derive the down (rollback) script of a migration.
    DeriveDown(derive_down::DeriveDownArgs),
    /// Compile pending migrations into transaction steps.
    Plan(plan::PlanArgs),
    /// Show applied, pending, failed and running migrations (never takes the lock).
    Status(db::StatusArgs),
    /// Lint, compile and apply pending migrations.
    Up(db::UpArgs),
    /// Apply down scripts, newest first.
    Down(db::DownArgs),
    /// Retry a failed or interrupted migration.
    Retry(db::RetryArgs),
    /// Record a migration as applied (for changes applied by hand).
    MarkApplied(db::MarkAppliedArgs),
    /// Accept edited checksums of applied migrations, with a recorded reason.
    Repair(db::RepairArgs),
    /// Compare local files with the checksums recorded in the database.
    Validate(db::ValidateArgs),
    /// Adopt an existing database: record everything up to a version as applied.
    Baseline(db::BaselineArgs),
    /// Release a stale migration lock (only once its lease has expired).
    Unlock(db::UnlockArgs),
    /// Prove rollbacks on a scratch database: up, down, compare, up again.
    Verify(db::VerifyArgs),
    /// Serve diagnostics, fixes, rule docs and derived down scripts to an editor (LSP over stdio).
    Server(server::ServerArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff) to standard output.
    Man(shell::ManArgs),
}

/// Runs the command line and returns the process exit code: 0 clean, 1 findings, 2 usage,
/// configuration, IO or internal error.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Parse(a) => parse::run(a),
        Command::Lint(a) => lint::run(a),
        Command::Rule(a) => rule::run(a),
        Command::Config(a) => config::run(a),
        Command::Hash(a) => hash::run(a),
        Command::DeriveDown(a) => derive_down::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Status(a) => db::status(a),
        Command::Up(a) => db::up(a),
        Command::Down(a) => db::down(a),
        Command::Retry(a) => db::retry(a),
        Command::MarkApplied(a) => db::mark_applied(a),
        Command::Repair(a) => db::repair(a),
        Command::Validate(a) => db::validate(a),
        Command::Baseline(a) => db::baseline(a),
        Command::Unlock(a) => db::unlock(a),
        Command::Verify(a) => db::verify(a),
        Command::Server(a) => server::run(a),
        Command::Completions(a) => shell::completions(a),
        Command::Man(a) => shell::man(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// Writes a command's whole output. A closed pipe (`cymig man | head`, `cymig plan | head`) is the
/// reader's choice, not an error worth exit 2.
pub(crate) fn write_stdout(bytes: &[u8]) -> CommandResult {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    closed_pipe_is_fine(stdout.write_all(bytes).and_then(|()| stdout.flush()))
        .map(|()| 0)
        .map_err(|e| shell::io_error("standard output", e))
}

/// `cymig … | head` closes the pipe early: the reader has what it wanted, which is no error;
/// the exit code still tells the command's outcome.
pub(crate) fn closed_pipe_is_fine(written: std::io::Result<()>) -> std::io::Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes part of a command's output. A closed pipe ends the output quietly; any other failure
/// is said once on stderr, and nothing more is written (the exit code is the command's own).
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static GONE: AtomicBool = AtomicBool::new(false);
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = closed_pipe_is_fine(stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())) {
        GONE.store(true, Ordering::Relaxed);
        eprintln!("cymig: cannot write to standard output: {e}");
    }
}

/// What every command returns: an exit code, or an error that exits with 2.
pub(crate) type CommandResult = crate::error::Result<i32>;
