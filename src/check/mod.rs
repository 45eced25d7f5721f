//! The checker: runs the rules over a migration set, applies suppressions and fixes.

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::sync::Arc;

/// The findings for one file.
#[derive(Clone, Debug)]
pub struct FileResult {
    pub source: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}
