//! Helpers about source text that rules share: keyword positions in a statement, names as
//! Cypher spells them, and indentation for rewritten blocks.

use crate::span::Span;

/// Finds `keyword` (a whole word, case-insensitive) in `span` of `text`; returns its span.
pub fn find_keyword(text: &str, span: Span, keyword: &str) -> Option<Span> {
    let hay = span.text(text);
    let lower = hay.to_ascii_lowercase();
    let kw = keyword.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&kw) {
        let start = from + i;
        let end = start + kw.len();
        let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !is_word_byte(bytes[end]);
        if before_ok && after_ok && !inside_comment_or_string(hay, start) {
            return Some(Span::new(span.start + start, span.start + end));
        }
        from = end;
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'`'
}

/// A cheap guard for keyword searches: whether `pos` lies in a string or comment of `text`.
fn inside_comment_or_string(text: &str, pos: usize) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < pos && i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= pos {
                    return true;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                if i >= pos {
                    return true;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
                if i >= pos {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The span of the leading keywords of a schema command up to and including `last_keyword`
/// (e.g. `CREATE INDEX`, `CREATE RANGE INDEX`, `DROP CONSTRAINT`).
pub fn keywords_span(text: &str, command: Span, last_keyword: &str) -> Span {
    find_keyword(text, command, last_keyword).map_or(command, |k| Span::new(command.start, k.end))
}

/// `SomeLabel` → `some_label`, for conventional schema names.
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

/// Whether `name` must be backtick-quoted in Cypher.
pub fn quote_name(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// Leading whitespace of the line containing `offset`, for re-indenting rewritten blocks.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}
