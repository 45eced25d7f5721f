//! The "Show derived down script" code lens on a versioned up migration, and the command behind
//! it (what `cymig derive-down <file>` prints).

use crate::migration::naming::{classify, FileName};
use crate::migration::{convention::Convention, MigrationSet, Overlay};
use lsp_types::{CodeLens, Command, Position, Range, Uri};
use std::path::Path;

pub const SHOW_DERIVED_DOWN: &str = "cymig.showDerivedDown";

pub fn code_lenses(uri: &Uri) -> Vec<CodeLens> {
    let Ok(path) = super::documents::path_of(uri.as_str()) else { return Vec::new() };
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if !matches!(classify(&name), FileName::Up { .. }) {
        return Vec::new();
    }
    let command = Command {
        title: "Show derived down script".to_string(),
        command: SHOW_DERIVED_DOWN.to_string(),
        arguments: Some(vec![serde_json::Value::String(uri.as_str().to_string())]),
    };
    let top = Range { start: Position::new(0, 0), end: Position::new(0, 0) };
    vec![CodeLens { range: top, command: Some(command), data: None }]
}

/// The derived down script of the migration at `path`, its set read as `cymig derive-down`
/// reads it (with the open documents' texts), or why there is none.
pub fn derived_down(path: &Path, overlay: &Overlay) -> Result<String, String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let set = MigrationSet::load_overlaid(dir, &Convention::Auto, overlay).map_err(|e| e.to_string())?;
    crate::cli::derive_down::derived_text(&set, path)
}
