//! Migration sets: discovering migration files in a directory, their naming conventions and
//! versions, companion down scripts, `cymig:` directives and the `cymig.sum` integrity file.

use crate::ast::Script;
use crate::source::SourceFile;
use crate::span::Span;
use std::path::PathBuf;
use std::sync::Arc;

/// A migration version such as `1_10` or `2.1`, ordered numerically part by part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// As written in the file name.
    pub raw: String,
    pub parts: Vec<u64>,
}

/// One parsed migration file.
#[derive(Clone, Debug)]
pub struct MigrationFile {
    pub source: Arc<SourceFile>,
    pub script: Script,
    pub directives: Vec<Directive>,
}

/// A versioned migration with its optional explicit down script.
#[derive(Clone, Debug)]
pub struct Migration {
    pub version: Version,
    pub description: String,
    pub up: MigrationFile,
    pub down: Option<MigrationFile>,
}

/// A `// cymig:…` directive found in a comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    pub span: Span,
    pub kind: DirectiveKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DirectiveKind {
    /// `cymig:ignore rule[, rule] -- reason`: the next statement.
    Ignore { rules: Vec<(String, Span)>, reason: Option<String> },
    /// `cymig:ignore-file rule[, rule] -- reason`.
    IgnoreFile { rules: Vec<(String, Span)>, reason: Option<String> },
    /// `cymig:irreversible -- reason`: acknowledges the next statement cannot be undone.
    Irreversible { reason: Option<String> },
    /// Anything else after `cymig:`; the checker reports it.
    Unknown { text: String },
}
