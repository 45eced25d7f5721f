//! Reading `cymig:` directives from comments. (The migration-set loader reads them too; this is
//! the checker's own reader for files linted outside a set, with the same grammar:
//! `cymig:ignore a, b -- reason`, `cymig:ignore-file …`, `cymig:irreversible -- reason`.)

use crate::ast::{Comment, CommentKind};
use crate::migration::{Directive, DirectiveKind};
use crate::span::Span;

pub fn parse_directives(source: &str, comments: &[Comment]) -> Vec<Directive> {
    if comments.is_empty() && source.contains("cymig:") {
        // The parser did not record comments (or found none): find them ourselves.
        return scan_comments(source).iter().filter_map(|c| parse_comment(source, c)).collect();
    }
    comments.iter().filter_map(|c| parse_comment(source, c)).collect()
}

/// Comments of a Cypher text, skipping string literals and quoted names.
pub fn scan_comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                let end = if i > start && b[i - 1] == b'\r' { i - 1 } else { i };
                out.push(Comment { span: Span::new(start, end), text: text[start + 2..end].to_string(), kind: CommentKind::Line });
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                let end = (i + 2).min(b.len());
                let inner_end = if end >= start + 4 && text[..end].ends_with("*/") { end - 2 } else { end };
                out.push(Comment { span: Span::new(start, end), text: text[start + 2..inner_end.max(start + 2)].to_string(), kind: CommentKind::Block });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn parse_comment(source: &str, comment: &Comment) -> Option<Directive> {
    let raw = comment.span.text(source);
    let at = raw.find("cymig:")?;
    // Only a directive when `cymig:` opens the comment (after `//`, `/*`, spaces).
    if !raw[..at].trim_start_matches(['/', '*']).trim().is_empty() {
        return None;
    }
    let body_start = comment.span.start + at + "cymig:".len();
    let body = raw[at + "cymig:".len()..].trim_end_matches("*/");
    let (head, reason) = match body.find("--") {
        Some(i) => (&body[..i], Some(body[i + 2..].trim().to_string()).filter(|r| !r.is_empty())),
        None => (body, None),
    };
    let keyword_len = head.len() - head.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '-').len();
    let keyword = &head[..keyword_len];
    let rules = || rule_list(&head[keyword_len..], body_start + keyword_len);
    let kind = match keyword {
        "ignore" => DirectiveKind::Ignore { rules: rules(), reason },
        "ignore-file" => DirectiveKind::IgnoreFile { rules: rules(), reason },
        "irreversible" => DirectiveKind::Irreversible { reason },
        _ => DirectiveKind::Unknown { text: body.trim().to_string() },
    };
    Some(Directive { span: comment.span, kind })
}

fn rule_list(text: &str, offset: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for piece in text.split([',', ' ', '\t', '\n', '\r']) {
        let start = pos;
        pos += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        out.push((piece.to_string(), Span::new(offset + start, offset + start + piece.len())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_reason_and_spans() {
        let text = "// cymig:ignore unbatched-write, CM010 -- small table\nMATCH (n) RETURN n; // not: 'cymig:ignore x'\n/* cymig:irreversible */";
        let d = parse_directives(text, &[]);
        assert_eq!(d.len(), 2);
        match &d[0].kind {
            DirectiveKind::Ignore { rules, reason } => {
                assert_eq!(reason.as_deref(), Some("small table"));
                let names: Vec<_> = rules.iter().map(|(n, s)| (n.as_str(), s.text(text))).collect();
                assert_eq!(names, vec![("unbatched-write", "unbatched-write"), ("CM010", "CM010")]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d[1].kind, DirectiveKind::Irreversible { reason: None });
    }

    #[test]
    fn strings_are_not_comments() {
        let text = "RETURN '// cymig:ignore x -- y' AS s, \"/* cymig:ignore-file z */\" AS t;";
        assert!(parse_directives(text, &[]).is_empty());
    }

    #[test]
    fn unknown_directives_are_kept_for_reporting() {
        let d = parse_directives("// cymig:ignored a -- b\n", &[]);
        assert!(matches!(&d[0].kind, DirectiveKind::Unknown { text } if text.starts_with("ignored")));
    }
}
