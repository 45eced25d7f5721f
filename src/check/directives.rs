//! Reading `cymig:` directives from comments. (The migration-set loader reads them too; this is
//! the checker's own reader for files linted outside a set, with the same grammar:
//! `cymig:ignore a, b -- reason`, `cymig:ignore-file …`, `cymig:irreversible -- reason`.)

use crate::ast::Comment;
use crate::migration::{Directive, DirectiveKind};
use crate::span::Span;

pub fn parse_directives(source: &str, comments: &[Comment]) -> Vec<Directive> {
    comments.iter().filter_map(|c| parse_comment(source, c)).collect()
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
