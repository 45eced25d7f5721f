//! `cymig parse`: parse files or directories and report syntax errors, or dump the typed AST.
//!
//! - Directories are walked for `*.cypher` files (sorted by name); files given explicitly are
//!   parsed whatever their extension.
//! - Files are parsed in parallel; output is always in input order.
//! - An empty file (or one with only comments) is valid: 0 statements.
//! - A file that is not valid UTF-8 is a finding (`syntax-error`, exit 1) naming the byte offset,
//!   line and column of the first invalid byte; it is not parsed further.
//! - Exit codes: 0 everything parsed, 1 any syntax error, 2 a path that cannot be read.

use super::CommandResult;
use crate::ast::{Script, SyntaxError};
use crate::check::FileResult;
use crate::config::Secrets;
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::report::{self, ReportOptions};
use crate::source::SourceFile;
use crate::span::Span;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use walkdir::WalkDir;

/// Parser recursion on deeply nested input needs more stack than a default thread has; the
/// grammar also limits nesting, this is the safety margin.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 every file parses, 1 a syntax error (or a file that is not \
                        UTF-8), 2 a path that does not exist or cannot be read.")]
pub struct ParseArgs {
    /// Files or directories; directories are searched for *.cypher files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text`: syntax errors with source snippets and a summary. `json`: one object per line per
    /// file: {"file", "ok", "statements", "errors": [{"line", "column", "end_line", "end_column",
    /// "message"}]} with 1-based positions (columns in characters, ends exclusive).
    #[arg(long, value_enum, default_value_t = ParseFormat::Text)]
    pub format: ParseFormat,

    /// Also dump the typed AST as JSON (an "ast" field per file), for debugging the grammar.
    #[arg(long)]
    pub ast: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ParseFormat {
    Text,
    Json,
}

/// What parsing one file produced.
struct Parsed {
    source: Arc<SourceFile>,
    /// `None` when the file was not parsed (not UTF-8).
    script: Option<Script>,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(args: ParseArgs) -> CommandResult {
    let files = collect_files(&args.paths)?;
    let outcomes = parse_all(&files);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = write_outcomes(&args, &outcomes, &mut out).and_then(|()| out.flush());
    super::closed_pipe_is_fine(written).map_err(|e| Error::Io { path: PathBuf::from("<stdout>"), source: e })?;
    Ok(exit_code(&outcomes))
}

fn exit_code(outcomes: &[Result<Parsed, Error>]) -> i32 {
    if outcomes.iter().any(Result::is_err) {
        2
    } else if outcomes.iter().flatten().any(|p| !p.diagnostics.is_empty()) {
        1
    } else {
        0
    }
}

/// The files to parse, in the order given; directories expanded to their `*.cypher` files.
/// A missing path is a usage error reported before anything is parsed.
pub(crate) fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| Error::Io { path: path.clone(), source })?;
        if !metadata.is_dir() {
            files.push(path.clone());
            continue;
        }
        let before = files.len();
        for entry in WalkDir::new(path).follow_links(true).sort_by_file_name() {
            let entry = entry.map_err(|e| walk_error(path, e))?;
            if entry.file_type().is_file() && is_cypher(entry.path()) {
                files.push(entry.into_path());
            }
        }
        if files.len() == before {
            eprintln!("warning: no .cypher files in {}", path.display());
        }
    }
    Ok(files)
}

fn is_cypher(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("cypher"))
}

fn walk_error(root: &Path, error: walkdir::Error) -> Error {
    let path = error.path().unwrap_or(root).to_path_buf();
    let source = error.into_io_error().unwrap_or_else(|| io::Error::other("filesystem loop (symbolic links)"));
    Error::Io { path, source }
}

/// Parses every file on a few worker threads; results come back in input order.
fn parse_all(files: &[PathBuf]) -> Vec<Result<Parsed, Error>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut indexed: Vec<(usize, Result<Parsed, Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new().name("cymig-parse".into()).stack_size(WORKER_STACK_BYTES).spawn_scoped(
                    scope,
                    || {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(path) = files.get(index) else { break done };
                            done.push((index, parse_file(path)));
                        }
                    },
                )
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle {
                Ok(handle) => handle.join().unwrap_or_default(),
                Err(_) => Vec::new(),
            })
            .collect()
    });
    indexed.sort_by_key(|(index, _)| *index);
    let mut by_index = indexed.into_iter().peekable();
    // A worker that could not start or died leaves gaps; name the files it did not report.
    (0..files.len())
        .map(|index| match by_index.next_if(|(i, _)| *i == index) {
            Some((_, outcome)) => outcome,
            None => Err(Error::Internal(format!("{}: the parser thread failed", files[index].display()))),
        })
        .collect()
}

fn parse_file(path: &Path) -> Result<Parsed, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    match String::from_utf8(bytes) {
        Ok(text) => {
            let source = Arc::new(SourceFile::new(path, text));
            let script = parse_guarded(&source)?;
            let diagnostics = script.errors.iter().map(syntax_error_diagnostic).collect();
            Ok(Parsed { source, script: Some(script), diagnostics })
        }
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let invalid_byte = error.as_bytes()[valid_up_to];
            let source = Arc::new(SourceFile::new(path, String::from_utf8_lossy(error.as_bytes()).into_owned()));
            let diagnostic = invalid_utf8_diagnostic(&source, valid_up_to, invalid_byte);
            Ok(Parsed { source, script: None, diagnostics: vec![diagnostic] })
        }
    }
}

/// The parser must never panic; if it does, that file is reported as an internal error and the
/// other files are still parsed.
fn parse_guarded(source: &SourceFile) -> Result<Script, Error> {
    std::panic::catch_unwind(|| crate::syntax::parse(&source.text)).map_err(|_| {
        Error::Internal(format!("{}: the parser panicked (please report this file)", source.display_path()))
    })
}

/// A parser error as a `syntax-error` finding.
pub(crate) fn syntax_error_diagnostic(error: &SyntaxError) -> Diagnostic {
    crate::rules::SYNTAX_ERROR.diagnostic(error.span, error.message.clone())
}

/// `source` holds the lossy text, identical to the file up to `offset`, where U+FFFD (3 bytes)
/// stands for the invalid sequence.
fn invalid_utf8_diagnostic(source: &SourceFile, offset: usize, byte: u8) -> Diagnostic {
    let position = source.line_col(offset);
    let mut diagnostic = crate::rules::SYNTAX_ERROR.diagnostic(
        Span::new(offset, offset + char::REPLACEMENT_CHARACTER.len_utf8()),
        format!(
            "{} is not valid UTF-8: invalid byte 0x{byte:02X} at byte offset {offset} (line {}, column {})",
            crate::report::display_path(source.path(), crate::report::Base::WorkingDir),
            position.line,
            position.column
        ),
    );
    diagnostic.help("Neo4j reads Cypher as UTF-8; re-encode the file, e.g. `iconv -f latin1 -t utf-8`");
    diagnostic
}

fn write_outcomes(args: &ParseArgs, outcomes: &[Result<Parsed, Error>], out: &mut dyn Write) -> io::Result<()> {
    match args.format {
        ParseFormat::Json => {
            for outcome in outcomes {
                match outcome {
                    Ok(parsed) => {
                        serde_json::to_writer(&mut *out, &file_json(parsed, args.ast))?;
                        writeln!(out)?;
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            Ok(())
        }
        ParseFormat::Text if args.ast => {
            for outcome in outcomes {
                match outcome {
                    Ok(parsed) => {
                        serde_json::to_writer_pretty(&mut *out, &file_json(parsed, true))?;
                        writeln!(out)?;
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            Ok(())
        }
        ParseFormat::Text => write_text(outcomes, out),
    }
}

fn write_text(outcomes: &[Result<Parsed, Error>], out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<FileResult> = outcomes
        .iter()
        .flatten()
        .map(|p| FileResult { source: p.source.clone(), diagnostics: p.diagnostics.clone() })
        .collect();
    let options = ReportOptions { color: report::stdout_wants_color(), ..ReportOptions::default() };
    report::render_diagnostics(&results, &options, out)?;
    for outcome in outcomes {
        if let Err(e) = outcome {
            eprintln!("error: {e}");
        }
    }
    writeln!(out, "{}", text_summary(outcomes))
}

/// `Parsed 3 files (12 statements): no syntax errors` or
/// `2 syntax errors in 1 of 3 files (12 statements parsed)`.
fn text_summary(outcomes: &[Result<Parsed, Error>]) -> String {
    let parsed: Vec<&Parsed> = outcomes.iter().flatten().collect();
    let statements: usize = parsed.iter().filter_map(|p| p.script.as_ref()).map(|s| s.statements.len()).sum();
    let errors: usize = parsed.iter().map(|p| p.diagnostics.len()).sum();
    let bad_files = parsed.iter().filter(|p| !p.diagnostics.is_empty()).count();
    let unreadable = outcomes.len() - parsed.len();
    let files = report::plural(parsed.len(), "file", "files");
    let statements = report::plural(statements, "statement", "statements");
    let mut line = if errors == 0 {
        format!("Parsed {files} ({statements}): no syntax errors")
    } else {
        format!(
            "{} in {bad_files} of {files} ({statements} parsed)",
            report::plural(errors, "syntax error", "syntax errors")
        )
    };
    if unreadable > 0 {
        line.push_str(&format!("; {} could not be read", report::plural(unreadable, "file", "files")));
    }
    line
}

/// One line of `--format json`.
#[derive(Serialize)]
struct FileJson<'a> {
    file: String,
    ok: bool,
    statements: usize,
    errors: Vec<ErrorJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ast: Option<AstJson<'a>>,
}

/// The AST as parsed or, in a file that sets passwords, as a JSON value with them masked (its
/// fields then in alphabetical order).
#[derive(Serialize)]
#[serde(untagged)]
enum AstJson<'a> {
    Parsed(&'a Script),
    Masked(serde_json::Value),
}

#[derive(Serialize)]
struct ErrorJson {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: String,
}

fn file_json(parsed: &Parsed, with_ast: bool) -> FileJson<'_> {
    let secrets = Secrets::of(&parsed.source.text, report::text_kind(parsed.source.path()));
    let errors = parsed
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = parsed.source.span_line_cols(d.span);
            ErrorJson {
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                message: secrets.redact(&d.message),
            }
        })
        .collect();
    FileJson {
        file: crate::report::display_path(parsed.source.path(), crate::report::Base::WorkingDir),
        ok: parsed.diagnostics.is_empty(),
        statements: parsed.script.as_ref().map_or(0, |s| s.statements.len()),
        errors,
        ast: parsed.script.as_ref().filter(|_| with_ast).map(|script| ast_json(script, &secrets)),
    }
}

/// The AST for the JSON output, the values of its password literals masked as `***` (also in
/// the text of comments).
fn ast_json<'a>(script: &'a Script, secrets: &Secrets) -> AstJson<'a> {
    if secrets.is_empty() {
        return AstJson::Parsed(script);
    }
    let mut value = serde_json::to_value(script).unwrap_or_else(|e| serde_json::Value::String(e.to_string()));
    mask_passwords(&mut value, secrets);
    AstJson::Masked(value)
}

fn mask_passwords(value: &mut serde_json::Value, secrets: &Secrets) {
    match value {
        serde_json::Value::String(s) if secrets.is_password(s) => *s = "***".to_string(),
        serde_json::Value::String(s) => *s = secrets.redact(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask_passwords(v, secrets)),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(|v| mask_passwords(v, secrets)),
        _ => {}
    }
}
