//! Finding comments in a text without the parser: the fallback when a parse recorded none
//! (directives are then read from these by `migration::directive`).

use crate::ast::{Comment, CommentKind};
use crate::span::Span;

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
                out.push(Comment {
                    span: Span::new(start, end),
                    text: text[start + 2..end].to_string(),
                    kind: CommentKind::Line,
                });
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                let end = (i + 2).min(b.len());
                let inner_end = if end >= start + 4 && text[..end].ends_with("*/") { end - 2 } else { end };
                out.push(Comment {
                    span: Span::new(start, end),
                    text: text[start + 2..inner_end.max(start + 2)].to_string(),
                    kind: CommentKind::Block,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::directive::parse_directives;
    use crate::migration::DirectiveKind;

    fn directives(text: &str) -> Vec<crate::migration::Directive> {
        parse_directives(text, &scan_comments(text))
    }

    #[test]
    fn reads_rules_reason_and_spans() {
        let text = "// cymig:ignore unbatched-write, CM010 -- small table\nMATCH (n) RETURN n; // not: 'cymig:ignore x'\n/* cymig:irreversible */";
        let d = directives(text);
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
        assert!(directives(text).is_empty());
    }

    #[test]
    fn unknown_directives_are_kept_for_reporting() {
        let d = directives("// cymig:ignored a -- b\n");
        assert!(matches!(&d[0].kind, DirectiveKind::Unknown { text } if text.starts_with("ignored")));
    }
}
