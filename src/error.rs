//! Errors that end a command with exit code 2: usage, configuration, IO and internal errors.
//! Findings in migrations are never errors of this kind; they are diagnostics (exit 1).

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    Usage(String),
    Config { path: Option<PathBuf>, message: String },
    Io { path: PathBuf, source: std::io::Error },
    Database(String),
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}"),
            Error::Config { path: Some(p), message } => write!(f, "{}: {message}", p.display()),
            Error::Config { path: None, message } => write!(f, "configuration: {message}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Database(m) => write!(f, "database: {m}"),
            Error::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
