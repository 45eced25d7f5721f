//! Lowering: pest pairs of one statement into the typed AST.
//!
//! Recursion here follows the nesting of brackets in the source, which the depth pre-scan has
//! already bounded; operator chains are folded with explicit stacks (see `expr.rs`).

mod clause;
mod expr;
mod literal;
mod pattern;
mod schema;
mod statement;

pub(super) use literal::unescape_with_offsets;

use super::grammar::Rule;
use crate::ast::{Name, QualifiedName};
use crate::span::Span;
use std::sync::Arc;

pub(crate) type Pair<'i> = pest::iterators::Pair<'i, Rule>;

/// A problem found while lowering (the grammar accepted the text, the AST cannot hold it).
#[derive(Debug)]
pub(crate) struct LowerError {
    pub span: Span,
    pub message: String,
}

pub(crate) type LResult<T> = Result<T, LowerError>;

/// Lowers the pairs of one statement whose text starts at `offset` in the text parsed.
pub(crate) struct Lowerer {
    offset: usize,
    statement_len: usize,
    /// For Cypher unescaped from a string literal: the file offset of each byte of that text
    /// (see `syntax::embedded`); spans go through it so they point into the file.
    file_offsets: Option<Arc<[usize]>>,
    /// The comments inside the statement, in order, relative to its text (the split pass has
    /// already found them all, so spans are trimmed without rescanning the text).
    comments: Vec<Span>,
}

impl Lowerer {
    /// `comments`: the file's comments in order, as the split pass found them.
    pub(crate) fn new(statement: Span, comments: &[Span]) -> Self {
        let first = comments.partition_point(|c| c.start < statement.start);
        let inside = comments[first..].iter().take_while(|c| c.end <= statement.end);
        let comments = inside.map(|c| Span::new(c.start - statement.start, c.end - statement.start)).collect();
        Lowerer { offset: statement.start, statement_len: statement.len(), file_offsets: None, comments }
    }

    /// Lowers a statement of a text whose byte `i` stands at `file_offsets[i]` in the file.
    pub(crate) fn mapped(statement: Span, comments: &[Span], file_offsets: Option<Arc<[usize]>>) -> Self {
        Lowerer { file_offsets, ..Lowerer::new(statement, comments) }
    }

    /// Where the statement's text starts in the text parsed.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// The whole statement's span in the file.
    pub(crate) fn statement_span(&self) -> Span {
        self.file_span(Span::new(self.offset, self.offset + self.statement_len))
    }

    /// Where an offset of the parsed text is in the file.
    pub(crate) fn file_span(&self, span: Span) -> Span {
        match &self.file_offsets {
            None => span,
            Some(map) => super::embedded::to_file(map, span),
        }
    }

    /// The pair's span in the file, without the whitespace and comments pest's implicit skipping
    /// leaves at the end of rules that end in an optional or repeated part.
    fn span(&self, pair: &Pair) -> Span {
        let s = pair.as_span();
        let end = trimmed_end(pair.get_input(), s.start(), s.end(), &self.comments);
        self.file_span(Span::new(s.start() + self.offset, end + self.offset))
    }

    /// The pair's text without trailing whitespace and comments (see [`Lowerer::span`]).
    fn text<'i>(&self, pair: &Pair<'i>) -> &'i str {
        let s = pair.as_span();
        let end = trimmed_end(pair.get_input(), s.start(), s.end(), &self.comments);
        pair.get_input().get(s.start()..end).unwrap_or("")
    }

    fn error(&self, pair: &Pair, message: impl Into<String>) -> LowerError {
        LowerError { span: self.span(pair), message: message.into() }
    }

    /// A name from any rule whose text is a plain or backtick-quoted name.
    fn name(&self, pair: &Pair) -> Name {
        Name { span: self.span(pair), value: unquote_name(pair.as_str()) }
    }

    fn qualified_name(&self, pair: Pair) -> QualifiedName {
        let span = self.span(&pair);
        let parts = pair.into_inner().map(|p| self.name(&p)).collect();
        QualifiedName { span, parts }
    }
}

/// `end` moved back over trailing whitespace and comments (`comments`: every comment of
/// `input`, in order). Cheap: no rescan of the text, one binary search per trailing comment.
fn trimmed_end(input: &str, start: usize, end: usize, comments: &[Span]) -> usize {
    let mut end = end;
    loop {
        let Some(text) = input.get(start..end) else { return end };
        end = start + text.trim_end().len();
        match comments.binary_search_by_key(&end, |c| c.end) {
            Ok(i) if comments[i].start >= start && comments[i].start < end => end = comments[i].start,
            _ => return end,
        }
    }
}

/// `` `a``b` `` -> ``a`b``; plain names are returned as written.
pub(crate) fn unquote_name(text: &str) -> String {
    if text.len() >= 2 && text.starts_with('`') && text.ends_with('`') {
        text[1..text.len() - 1].replace("``", "`")
    } else {
        text.to_string()
    }
}

/// The first child with this rule, if any.
fn child<'i>(pair: &Pair<'i>, rule: Rule) -> Option<Pair<'i>> {
    pair.clone().into_inner().find(|p| p.as_rule() == rule)
}

fn has_child(pair: &Pair, rule: Rule) -> bool {
    pair.clone().into_inner().any(|p| p.as_rule() == rule)
}

#[cfg(test)]
mod tests {
    use super::trimmed_end;
    use crate::span::Span;

    #[test]
    fn trailing_whitespace_and_comments_are_not_part_of_a_span() {
        let text = "MATCH (n) // c; 'x'\n  /* b */ \n";
        let comments = [Span::new(10, 19), Span::new(22, 29)];
        assert_eq!(trimmed_end(text, 0, text.len(), &comments), "MATCH (n)".len());
        let text = "RETURN '//' ";
        assert_eq!(trimmed_end(text, 0, text.len(), &[]), "RETURN '//'".len());
    }
}
