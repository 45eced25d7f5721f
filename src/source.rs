//! A source file kept whole for rendering, with byte-offset to line/column conversion.

use crate::span::Span;
use std::path::{Path, PathBuf};

/// One file's text and the path it was read from (as the user gave it).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(line_breaks(&text)).collect();
        SourceFile { path: path.into(), text, line_starts }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path as it is shown to users: forward slashes, as given.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp_to_char_boundary(offset);
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol { line: line_index + 1, column }
    }

    /// Start and end positions of a span; the end is exclusive (one past the last character).
    pub fn span_line_cols(&self, span: Span) -> (LineCol, LineCol) {
        (self.line_col(span.start), self.line_col(span.end))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of 1-based `line`, without its line terminator.
    pub fn line_span(&self, line: usize) -> Span {
        let start = self.line_starts[line.saturating_sub(1).min(self.line_starts.len() - 1)];
        let end = self.text[start..].find(['\n', '\r']).map_or(self.text.len(), |i| start + i);
        Span::new(start, end)
    }

    fn clamp_to_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Where each line after the first starts: after `\n`, and after a `\r` that no `\n` follows
/// (files saved with classic Mac line endings count their lines too).
fn line_breaks(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        ends_line.then_some(i + 1)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn carriage_returns_alone_end_lines() {
        let f = super::SourceFile::new("a.cypher", "a\rb\r\nc\nd");
        let lines: Vec<usize> = [0, 2, 5, 7].iter().map(|&o| f.line_col(o).line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        assert_eq!(f.line_span(2), crate::span::Span::new(2, 3));
    }

    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.cypher", "ab\nçd;\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 1 });
    }
}
