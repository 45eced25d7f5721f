//! Byte spans ↔ LSP positions, and findings → LSP diagnostics. LSP counts columns in UTF-16
//! code units (the only encoding every client supports), the checker in bytes.

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;
use lsp_types::{DiagnosticSeverity, NumberOrString, Position, Range};

/// Where each line of a text starts, for position conversions. Lines end at `\n`, `\r\n` and
/// a lone `\r`, as the LSP specification counts them.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let breaks = bytes.iter().enumerate().filter_map(|(i, &b)| {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            ends_line.then_some(i + 1)
        });
        LineIndex { text, starts: std::iter::once(0).chain(breaks).collect() }
    }

    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let character = utf16_len(&self.text[self.starts[line]..offset]);
        Position { line: to_u32(line), character: to_u32(character) }
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start), end: self.position(span.end) }
    }

    /// The byte offset of a position; a line past the end is the end of the text, a column
    /// past the end of its line is the end of the line (as the specification asks).
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else { return self.text.len() };
        let end = self.starts.get(position.line as usize + 1).copied().unwrap_or(self.text.len());
        let line = self.text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        Span::new(start, self.offset(range.end).max(start))
    }
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A finding as the editor shows it: the rule's name as the code (what suppressions name), the
/// help on a line of its own.
pub fn diagnostic(index: &LineIndex, d: &Diagnostic) -> lsp_types::Diagnostic {
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    lsp_types::Diagnostic {
        range: index.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        source: Some("cymig".to_string()),
        message,
        ..Default::default()
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        // `é` is 2 bytes and 1 unit, `𝄞` 4 bytes and 2 units.
        let text = "é𝄞x\r\nab\rc";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), Position { line: 0, character: 3 });
        assert_eq!(index.offset(Position { line: 0, character: 3 }), x);
        assert_eq!(index.position(text.find('b').unwrap()), Position { line: 1, character: 1 });
        assert_eq!(index.position(text.len()), Position { line: 2, character: 1 });
        assert_eq!(index.offset(Position { line: 0, character: 99 }), x + 1);
        assert_eq!(index.offset(Position { line: 9, character: 0 }), text.len());
    }

    #[test]
    fn an_offset_inside_a_character_is_its_start() {
        let index = LineIndex::new("é");
        assert_eq!(index.position(1), Position { line: 0, character: 0 });
    }
}
