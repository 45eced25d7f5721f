//! The one span type used everywhere: a half-open byte range into a source text.

use serde::Serialize;

/// A half-open byte range `start..end` into the text of one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`, for insertions.
    pub const fn at(offset: usize) -> Self {
        Span { start: offset, end: offset }
    }

    pub const fn len(self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Moves a span found in a sub-slice back into the coordinates of the whole file.
    pub fn shifted(self, by: usize) -> Span {
        Span { start: self.start + by, end: self.end + by }
    }

    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// `span` without leading and trailing whitespace: node spans from the parser may include the
/// whitespace after a clause; diagnostics and edits must not.
pub fn tight(text: &str, span: Span) -> Span {
    let s = span.text(text);
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if s.is_empty() || lead + trail >= s.len() {
        return span;
    }
    Span::new(span.start + lead, span.end - trail)
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}
