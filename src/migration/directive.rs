//! `cymig:` directives read from the comments the parser collected.
//!
//! ```cypher
//! // cymig:ignore unbatched-write, label-less-scan -- table has 20 rows
//! // cymig:ignore-file exists-function -- kept verbatim from the 4.4 original
//! // cymig:irreversible -- the old values are gone for good
//! // cymig:verify
//! ```
//!
//! A directive is a comment (`//` or `/* */`) whose text starts with `cymig:` (after
//! whitespace). The reason follows ` -- `; rule names are separated by commas. The parser
//! never interprets directives: this module does, so the checker gets spans for every rule
//! name (for `unused-suppression`) and the reason (mandatory, checked by the checker).

use super::{Directive, DirectiveKind};
use crate::ast::{Comment, Statement};
use crate::span::Span;

const PREFIX: &str = "cymig:";

/// Every directive in `comments`, in source order. `source` is the file's text; the spans
/// point into it.
pub fn parse_directives(source: &str, comments: &[Comment]) -> Vec<Directive> {
    comments.iter().filter_map(|c| parse_comment(source, c)).collect()
}

/// The directive in one comment, if it is one.
pub fn parse_comment(source: &str, comment: &Comment) -> Option<Directive> {
    let text_start = comment_text_offset(source, comment);
    let text = comment.text.as_str();
    let leading = text.len() - text.trim_start().len();
    let body = text[leading..].strip_prefix(PREFIX)?;
    let body_start = text_start + leading + PREFIX.len();
    Some(Directive { span: comment.span, kind: parse_body(body, body_start) })
}

/// Where `comment.text` starts in the file: after `//` or `/*`.
fn comment_text_offset(source: &str, comment: &Comment) -> usize {
    let raw = comment.span.text(source);
    let within = if raw.starts_with("//") || raw.starts_with("/*") { 2 } else { 0 };
    match raw.get(within..) {
        Some(rest) if rest.starts_with(comment.text.as_str()) => comment.span.start + within,
        _ => raw.find(comment.text.as_str()).map_or(comment.span.start + within, |i| comment.span.start + i),
    }
}

/// `body` is everything after `cymig:`; `offset` is where it starts in the file.
fn parse_body(body: &str, offset: usize) -> DirectiveKind {
    // Block comments may run over several lines; a directive is one line.
    let body = body.split(['\n', '\r']).next().unwrap_or("");
    let name_len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(body.len());
    let (name, rest) = body.split_at(name_len);
    let (args, reason) = split_reason(rest);
    let args_offset = offset + name_len;
    match name {
        "ignore" => DirectiveKind::Ignore { rules: parse_rules(args, args_offset), reason },
        "ignore-file" => DirectiveKind::IgnoreFile { rules: parse_rules(args, args_offset), reason },
        "irreversible" if args.trim().is_empty() => DirectiveKind::Irreversible { reason },
        "verify" if args.trim().is_empty() && reason.is_none() => DirectiveKind::Verify,
        _ => DirectiveKind::Unknown { text: body.trim_end().to_string() },
    }
}

/// `" a, b -- why"` -> (`" a, b"`, Some("why")). An empty reason is no reason.
fn split_reason(rest: &str) -> (&str, Option<String>) {
    match rest.find("--") {
        Some(i) => {
            let reason = rest[i + 2..].trim();
            (&rest[..i], (!reason.is_empty()).then(|| reason.to_string()))
        }
        None => (rest, None),
    }
}

/// Comma- or whitespace-separated rule names with their spans.
fn parse_rules(args: &str, offset: usize) -> Vec<(String, Span)> {
    let mut rules = Vec::new();
    let mut start = None;
    for (i, c) in args.char_indices().chain(std::iter::once((args.len(), ','))) {
        let separator = c == ',' || c.is_whitespace();
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                rules.push((args[s..i].to_string(), Span::new(offset + s, offset + i)));
                start = None;
            }
            _ => {}
        }
    }
    rules
}

impl Directive {
    /// The statement this directive applies to (`ignore`, `irreversible`): the first statement
    /// starting after the comment. `None` at the end of the file.
    pub fn target_statement(&self, statements: &[Statement]) -> Option<usize> {
        next_statement_after(self.span, statements)
    }

    /// The rule names of an `ignore` or `ignore-file` directive.
    pub fn rules(&self) -> &[(String, Span)] {
        match &self.kind {
            DirectiveKind::Ignore { rules, .. } | DirectiveKind::IgnoreFile { rules, .. } => rules,
            _ => &[],
        }
    }

    /// The reason after ` -- `, for the directives that take one.
    pub fn reason(&self) -> Option<&str> {
        match &self.kind {
            DirectiveKind::Ignore { reason, .. }
            | DirectiveKind::IgnoreFile { reason, .. }
            | DirectiveKind::Irreversible { reason } => reason.as_deref(),
            _ => None,
        }
    }

    /// Whether this directive needs a reason (`ignore`, `ignore-file`, `irreversible`).
    pub fn takes_reason(&self) -> bool {
        matches!(
            self.kind,
            DirectiveKind::Ignore { .. } | DirectiveKind::IgnoreFile { .. } | DirectiveKind::Irreversible { .. }
        )
    }
}

/// The index of the first statement that starts at or after the end of `span`.
pub fn next_statement_after(span: Span, statements: &[Statement]) -> Option<usize> {
    statements.iter().position(|s| s.span.start >= span.end)
}

/// The index of the first verify statement: the first statement after the first
/// `cymig:verify` directive. `Some(statements.len())` when the section is empty.
pub fn verify_section_start(directives: &[Directive], statements: &[Statement]) -> Option<usize> {
    let verify = directives.iter().find(|d| d.kind == DirectiveKind::Verify)?;
    Some(next_statement_after(verify.span, statements).unwrap_or(statements.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::CommentKind;

    /// Finds `//` line comments the way the parser reports them (enough for these tests).
    fn line_comments(source: &str) -> Vec<Comment> {
        let mut comments = Vec::new();
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            if let Some(i) = line.find("//") {
                let end = line.trim_end_matches(['\n', '\r']).len();
                comments.push(Comment {
                    span: Span::new(offset + i, offset + end),
                    text: line[i + 2..end].to_string(),
                    kind: CommentKind::Line,
                });
            }
            offset += line.len();
        }
        comments
    }

    fn one(source: &str) -> Directive {
        let mut d = parse_directives(source, &line_comments(source));
        assert_eq!(d.len(), 1, "{d:?}");
        d.remove(0)
    }

    fn rule_texts<'a>(source: &'a str, d: &Directive) -> Vec<&'a str> {
        d.rules().iter().map(|(_, span)| span.text(source)).collect()
    }

    #[test]
    fn ignore_with_rules_and_reason() {
        let src = "MATCH (n) RETURN n;\n// cymig:ignore unbatched-write, label-less-scan -- tiny table\nMATCH (n) SET n.x = 1;\n";
        let d = one(src);
        let DirectiveKind::Ignore { rules, reason } = &d.kind else { panic!("{d:?}") };
        let names: Vec<&str> = rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["unbatched-write", "label-less-scan"]);
        assert_eq!(rule_texts(src, &d), ["unbatched-write", "label-less-scan"]);
        assert_eq!(reason.as_deref(), Some("tiny table"));
        assert!(d.span.text(src).starts_with("// cymig:ignore"));
    }

    #[test]
    fn ignore_file_and_missing_reason() {
        let src = "//cymig:ignore-file exists-function\n";
        let d = one(src);
        assert_eq!(
            d.kind,
            DirectiveKind::IgnoreFile { rules: vec![("exists-function".into(), Span::new(20, 35))], reason: None }
        );
        assert_eq!(rule_texts(src, &d), ["exists-function"]);
        assert!(d.takes_reason());
        assert_eq!(d.reason(), None);
    }

    #[test]
    fn empty_reason_is_no_reason_and_empty_rule_list_is_kept_empty() {
        let d = one("// cymig:ignore --   \n");
        assert_eq!(d.kind, DirectiveKind::Ignore { rules: vec![], reason: None });
    }

    #[test]
    fn irreversible_and_verify() {
        assert_eq!(
            one("// cymig:irreversible -- values are gone\n").kind,
            DirectiveKind::Irreversible { reason: Some("values are gone".into()) }
        );
        assert_eq!(one("// cymig:irreversible\n").kind, DirectiveKind::Irreversible { reason: None });
        assert_eq!(one("//  cymig:verify  \n").kind, DirectiveKind::Verify);
    }

    #[test]
    fn unknown_directives_keep_their_text() {
        assert_eq!(
            one("// cymig:ignroe unbatched-write -- x\n").kind,
            DirectiveKind::Unknown { text: "ignroe unbatched-write -- x".into() }
        );
        assert_eq!(one("// cymig:verify extra\n").kind, DirectiveKind::Unknown { text: "verify extra".into() });
        assert_eq!(one("// cymig:\n").kind, DirectiveKind::Unknown { text: String::new() });
    }

    #[test]
    fn ordinary_comments_are_not_directives() {
        let src = "// TODO cymig:ignore x -- y\n// CYMIG:ignore x\n// plain\n";
        assert!(parse_directives(src, &line_comments(src)).is_empty());
    }

    #[test]
    fn block_comment_directive_stops_at_end_of_line() {
        let src = "/* cymig:ignore a -- why\n more text */";
        let comment = Comment {
            span: Span::new(0, src.len()),
            text: src[2..src.len() - 2].to_string(),
            kind: CommentKind::Block,
        };
        let d = parse_comment(src, &comment).expect("directive");
        assert_eq!(
            d.kind,
            DirectiveKind::Ignore { rules: vec![("a".into(), Span::new(16, 17))], reason: Some("why".into()) }
        );
    }

    #[test]
    fn non_ascii_before_the_directive_keeps_spans_right() {
        let src = "// é\n// cymig:ignore-file a,b -- ç\n";
        let d = one_of(src, 1);
        assert_eq!(rule_texts(src, &d), ["a", "b"]);
        assert_eq!(d.reason(), Some("ç"));
    }

    fn statement_at(src: &str, text: &str) -> Statement {
        let start = src.find(text).expect("statement text");
        Statement {
            span: Span::new(start, start + text.len()),
            prefixes: vec![],
            kind: crate::ast::StatementKind::Admin(crate::ast::AdminCommand {
                span: Span::new(start, start + text.len()),
                keywords: vec![],
            }),
        }
    }

    #[test]
    fn a_directive_applies_to_the_next_statement_and_verify_starts_a_section() {
        let src = "RETURN 1; // cymig:ignore a -- same line, so the NEXT statement
                   RETURN 2;
                   // cymig:irreversible -- x
                   RETURN 3;
                   // cymig:verify
                   RETURN 4;
                   RETURN 5;
                   // cymig:ignore b -- nothing follows
";
        let statements: Vec<Statement> =
            ["RETURN 1", "RETURN 2", "RETURN 3", "RETURN 4", "RETURN 5"].iter().map(|t| statement_at(src, t)).collect();
        let directives = parse_directives(src, &line_comments(src));
        let targets: Vec<Option<usize>> = directives.iter().map(|d| d.target_statement(&statements)).collect();
        assert_eq!(targets, [Some(1), Some(2), Some(3), None]);
        assert_eq!(verify_section_start(&directives, &statements), Some(3));
        assert_eq!(verify_section_start(&directives[..2], &statements), None);
    }

    fn one_of(src: &str, index: usize) -> Directive {
        let comments = line_comments(src);
        parse_comment(src, &comments[index]).expect("directive")
    }
}
