//! The documents the editor has open: their text as the user sees it (which replaces the file
//! on disk when the migration set is linted), and file URIs ↔ paths.

use super::convert::LineIndex;
use crate::diagnostic::Diagnostic;
use lsp_types::TextDocumentContentChangeEvent;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Document {
    pub path: PathBuf,
    pub text: String,
    pub version: i32,
    /// The findings on the current text, once linted.
    pub findings: Option<Vec<Diagnostic>>,
}

/// Open documents by URI, as the editor spelled it (responses name them the same way).
#[derive(Default)]
pub struct Documents {
    open: BTreeMap<String, Document>,
}

impl Documents {
    pub fn open(&mut self, uri: &str, text: String, version: i32) -> Result<(), String> {
        let path = path_of(uri)?;
        self.open.insert(uri.to_string(), Document { path, text, version, findings: None });
        Ok(())
    }

    pub fn close(&mut self, uri: &str) {
        self.open.remove(uri);
    }

    pub fn get(&self, uri: &str) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn get_mut(&mut self, uri: &str) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    pub fn uris(&self) -> impl Iterator<Item = &String> {
        self.open.keys()
    }

    /// Applies the editor's changes in order: a change with a range replaces that range, one
    /// without replaces the whole text.
    pub fn change(&mut self, uri: &str, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> bool {
        let Some(doc) = self.open.get_mut(uri) else { return false };
        for change in changes {
            match change.range {
                Some(range) => {
                    let span = LineIndex::new(&doc.text).span(range);
                    doc.text.replace_range(span.start..span.end, &change.text);
                }
                None => doc.text = change.text,
            }
        }
        doc.version = version;
        doc.findings = None;
        true
    }

    /// The open texts by canonical path, to stand in for the files on disk.
    pub fn overlay(&self) -> crate::migration::Overlay {
        self.open.values().map(|d| (canonical(&d.path), d.text.clone())).collect()
    }
}

pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The local path a `file:` URI names (percent-decoded; `/C:/…` on Windows is `C:/…`).
pub fn path_of(uri: &str) -> Result<PathBuf, String> {
    let rest = uri.strip_prefix("file://").ok_or_else(|| format!("cymig only lints local files, not `{uri}`"))?;
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    let decoded = percent_decode(path).ok_or_else(|| format!("`{uri}` is not a valid file URI"))?;
    let bytes = decoded.as_bytes();
    let drive = bytes.len() >= 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':';
    Ok(PathBuf::from(if drive { &decoded[1..] } else { &decoded[..] }))
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// The `file:` URI of a local path (links in hovers).
pub fn uri_of(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from(if text.starts_with('/') { "file://" } else { "file:///" });
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = path_of("file:///tmp/my%20dir/V1__a.cypher").unwrap();
        assert_eq!(path, PathBuf::from("/tmp/my dir/V1__a.cypher"));
        assert_eq!(uri_of(&path), "file:///tmp/my%20dir/V1__a.cypher");
        assert_eq!(path_of("file:///C:/m/V1.cypher").unwrap(), PathBuf::from("C:/m/V1.cypher"));
        assert!(path_of("untitled:Untitled-1").is_err());
        assert!(path_of("file:///bad%zz").is_err());
    }

    #[test]
    fn incremental_changes_use_utf16_ranges() {
        let mut docs = Documents::default();
        docs.open("file:///m/V1__a.cypher", "RETURN 'é';\n".into(), 1).unwrap();
        let at = |character| lsp_types::Position { line: 0, character };
        let change = TextDocumentContentChangeEvent {
            range: Some(lsp_types::Range { start: at(9), end: at(10) }),
            range_length: None,
            text: "x".into(),
        };
        assert!(docs.change("file:///m/V1__a.cypher", 2, vec![change]));
        assert_eq!(docs.get("file:///m/V1__a.cypher").unwrap().text, "RETURN 'éx;\n");
    }
}
