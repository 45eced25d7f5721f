//! Findings as every reporter and the CLI see them.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding of one rule in one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// The rule's kebab-case name, e.g. `require-if-not-exists`.
    pub rule: &'static str,
    /// The rule's short code, e.g. `CM002`.
    pub code: &'static str,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// A text change that resolves a diagnostic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fix {
    /// What the fix does, e.g. "insert `IF NOT EXISTS`".
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// How far a fix may be applied without a reviewer (as in ruff).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// The result means the same to Neo4j: `--fix` applies it.
    Safe,
    /// It may change what runs: applied only with `--fix --unsafe-fixes`, for review.
    Unsafe,
    /// Shown as a suggestion, never applied.
    DisplayOnly,
}

impl Applicability {
    /// How `cymig rule` names it.
    pub fn describe(self) -> &'static str {
        match self {
            Applicability::Safe => "safe (applied by `--fix`)",
            Applicability::Unsafe => "unsafe (applied only with `--fix --unsafe-fixes`)",
            Applicability::DisplayOnly => "shown only, never applied",
        }
    }
}

impl Fix {
    /// Applied by `--fix`.
    pub fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit { span: Span::at(at), replacement: text.into() }
    }

    pub fn replace(span: Span, text: impl Into<String>) -> Self {
        Edit { span, replacement: text.into() }
    }
}

/// Applies non-overlapping edits to `text`; overlapping later edits are skipped.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for edit in sorted {
        if edit.span.start < cursor || edit.span.end > text.len() {
            continue;
        }
        out.push_str(&text[cursor..edit.span.start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end;
    }
    out.push_str(&text[cursor..]);
    out
}
