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

use super::grammar::Rule;
use crate::ast::{Name, QualifiedName};
use crate::span::Span;

pub(crate) type Pair<'i> = pest::iterators::Pair<'i, Rule>;

/// A problem found while lowering (the grammar accepted the text, the AST cannot hold it).
#[derive(Debug)]
pub(crate) struct LowerError {
    pub span: Span,
    pub message: String,
}

pub(crate) type LResult<T> = Result<T, LowerError>;

/// Lowers the pairs of one statement whose text starts at `offset` in the file.
pub(crate) struct Lowerer {
    offset: usize,
}

impl Lowerer {
    pub(crate) fn new(offset: usize) -> Self {
        Lowerer { offset }
    }

    /// The pair's span in the file, without the whitespace and comments pest's implicit skipping
    /// leaves at the end of rules that end in an optional or repeated part.
    fn span(&self, pair: &Pair) -> Span {
        let s = pair.as_span();
        let end = trimmed_end(pair.get_input(), s.start(), s.end());
        Span::new(s.start() + self.offset, end + self.offset)
    }

    /// The pair's text without trailing whitespace and comments (see [`Lowerer::span`]).
    fn text<'i>(&self, pair: &Pair<'i>) -> &'i str {
        let s = pair.as_span();
        let end = trimmed_end(pair.get_input(), s.start(), s.end());
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

/// `end` moved back over trailing whitespace, `/* … */` and `// …` comments. No token ends in
/// `*/`, so a trailing `*/` always closes a comment.
fn trimmed_end(input: &str, start: usize, end: usize) -> usize {
    let mut end = end;
    loop {
        let Some(text) = input.get(start..end) else { return end };
        let trimmed = text.trim_end();
        end = start + trimmed.len();
        if let Some(before_close) = trimmed.strip_suffix("*/") {
            match before_close.rfind("/*") {
                Some(open) => end = start + open,
                None => return end,
            }
            continue;
        }
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        match line_comment_start(&trimmed[line_start..]) {
            Some(at) => end = start + line_start + at,
            None => return end,
        }
    }
}

/// Where `//` starts a comment on this line (outside quotes and backticks).
fn line_comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == b'\\' && q != b'`' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' || b == b'`' => quote = Some(b),
            None if b == b'/' && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
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

    #[test]
    fn trailing_whitespace_and_comments_are_not_part_of_a_span() {
        let text = "MATCH (n) // c; 'x'\n  /* b */ \n";
        assert_eq!(trimmed_end(text, 0, text.len()), "MATCH (n)".len());
        let text = "RETURN '//' ";
        assert_eq!(trimmed_end(text, 0, text.len()), "RETURN '//'".len());
    }
}
