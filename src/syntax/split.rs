//! Splitting a file into statements with the grammar's `script_chunks` rule, which knows
//! strings, comments and backtick names: a `;` inside them never ends a statement.

use super::grammar::{CypherParser, Rule};
use crate::ast::{Comment, CommentKind};
use crate::span::Span;
use pest::Parser;

pub(crate) struct Split {
    /// The text between top-level `;`, trimmed of whitespace and comments; empty chunks dropped.
    pub statements: Vec<Span>,
    pub comments: Vec<Comment>,
    /// Block comments without their `*/` (they run to the end of the file).
    pub unterminated_comments: Vec<Span>,
}

pub(crate) fn split(text: &str) -> Split {
    let mut statements = Vec::new();
    let mut comments = Vec::new();
    let Ok(mut pairs) = CypherParser::parse(Rule::script_chunks, text) else {
        // The rule accepts every input; should that ever change, fall back to one statement.
        let whole = Span::new(0, text.len());
        let statements = trimmed(text, whole, &[]).into_iter().collect();
        return Split { statements, comments, unterminated_comments: Vec::new() };
    };
    let mut unterminated_comments = Vec::new();
    let Some(root) = pairs.next() else { return Split { statements, comments, unterminated_comments } };
    for chunk in root.into_inner().filter(|p| p.as_rule() == Rule::chunk) {
        let span = Span::new(chunk.as_span().start(), chunk.as_span().end());
        let first_comment = comments.len();
        for c in chunk.into_inner() {
            if c.clone().into_inner().any(|p| p.as_rule() == Rule::unterminated_comment) {
                unterminated_comments.push(Span::new(c.as_span().start(), c.as_span().end()));
            }
            if let Some(comment) = comment(c) {
                comments.push(comment);
            }
        }
        if let Some(s) = trimmed(text, span, &comments[first_comment..]) {
            statements.push(s);
        }
    }
    Split { statements, comments, unterminated_comments }
}

fn comment(pair: pest::iterators::Pair<Rule>) -> Option<Comment> {
    let span = Span::new(pair.as_span().start(), pair.as_span().end());
    let kind = match pair.as_rule() {
        Rule::line_comment => CommentKind::Line,
        Rule::block_comment => CommentKind::Block,
        _ => return None,
    };
    let text = pair
        .into_inner()
        .find(|p| matches!(p.as_rule(), Rule::comment_text_line | Rule::comment_text_block))
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    Some(Comment { span, text, kind })
}

/// `span` without leading and trailing whitespace and comments; `None` when nothing is left.
fn trimmed(text: &str, span: Span, comments: &[Comment]) -> Option<Span> {
    let mut start = span.start;
    let mut end = span.end;
    let mut i = 0;
    loop {
        start += leading_whitespace(&text[start..end]);
        match comments.get(i) {
            Some(c) if c.span.start == start => {
                start = c.span.end.min(end);
                i += 1;
            }
            _ => break,
        }
    }
    let mut j = comments.len();
    loop {
        end -= trailing_whitespace(&text[start..end]);
        match j.checked_sub(1).and_then(|k| comments.get(k)) {
            Some(c) if c.span.end == end && c.span.start >= start => {
                end = c.span.start;
                j -= 1;
            }
            _ => break,
        }
    }
    (start < end).then(|| Span::new(start, end))
}

fn leading_whitespace(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn trailing_whitespace(s: &str) -> usize {
    s.len() - s.trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::super::budget;
    use super::*;

    /// The splitter's room (`budget::room_for`) must hold for the inputs that make it work
    /// hardest; a split stopped by the limit would come back as one statement.
    #[test]
    fn the_splitter_fits_in_its_room_on_the_hardest_inputs() {
        let n = 30_000;
        let cases = [
            (";/".repeat(n / 2), n / 2),
            ("; ".repeat(n / 2), 0),
            (";'';".repeat(n / 4), n / 4),
            (";/a".repeat(n / 3), n / 3),
            ("`x`;".repeat(n / 4), n / 4),
            ("//\n;".repeat(n / 4), 0),
        ];
        for (text, statements) in cases {
            let limit = budget::room_for(text.len());
            let found = budget::with_exact_limit(limit, || split(&text)).statements.len();
            assert_eq!(found, statements, "{:?}… ({} bytes) under a limit of {limit}", &text[..8], text.len());
        }
    }
}
