//! neo4j-migrations placeholders: `${name}` anywhere in a script is replaced by the tool before
//! Neo4j sees the statement (`CREATE (n:${label})`, `WHERE n.env = '${env}'`).
//!
//! `${` is no Cypher, so outside strings and names a placeholder would be a syntax error that
//! Neo4j never sees. The parser reads each one as a token of the same length instead (every span
//! stays exact): a parameter (`$_env_`) where an expression is expected, an identifier
//! (`__label_`) after `:` or `.` and after keywords (label, property, schema name). What
//! stands for a placeholder is unknown, so the checker drops findings about these tokens.

use super::framing::{code_byte, quoted_byte, State};
use crate::ast::Placeholder;
use crate::span::Span;

/// Longest name read as a placeholder: a `${` that is not closed soon is not one.
const MAX_NAME: usize = 200;

/// Which token stands in for a placeholder in code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stand {
    /// A parameter where an expression is expected, an identifier elsewhere.
    ByContext,
    Identifier,
    Parameter,
}

/// Every `${name}` of `text` outside comments, with the token the parser reads in code.
pub(crate) fn find(text: &str) -> Vec<Placeholder> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut state = State::Code;
    let mut statement_empty = true;
    let mut i = 0;
    while i < bytes.len() {
        let in_comment = matches!(state, State::LineComment | State::BlockComment);
        if !in_comment && bytes[i..].starts_with(b"${") {
            if let Some(end) = closing_brace(bytes, i + 2) {
                let in_code = state == State::Code;
                let span = Span::new(i, end + 1);
                let token = if in_code { token(text, span, Stand::ByContext) } else { String::new() };
                found.push(Placeholder { span, name: text[i + 2..end].to_string(), in_code, token });
                i = end + 1;
                continue;
            }
        }
        if matches!(bytes[i], b'\n' | b'\r') && state == State::LineComment {
            state = State::Code;
        }
        i += match state {
            State::Code => code_byte(bytes, i, &mut state, &mut statement_empty),
            State::Quoted(quote) => quoted_byte(bytes, i, quote, &mut state),
            State::LineComment => 1,
            State::BlockComment if bytes[i..].starts_with(b"*/") => {
                state = State::Code;
                2
            }
            State::BlockComment => 1,
        };
    }
    found
}

/// The `}` closing a placeholder whose name starts at `from`: on the same line, with no
/// quote, brace, `$` or `;` before it.
fn closing_brace(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = &bytes[from..bytes.len().min(from + MAX_NAME + 1)];
    let end = rest
        .iter()
        .position(|b| matches!(b, b'}' | b'\n' | b'\r' | b'\'' | b'"' | b'`' | b'{' | b'$' | b';' | b' ' | b'\t'))?;
    (end > 0 && rest[end] == b'}').then_some(from + end)
}

/// `text` with every placeholder in code replaced by its token (as `stand` chooses).
pub(crate) fn substitute(text: &str, placeholders: &[Placeholder], stand: Stand) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for p in placeholders.iter().filter(|p| p.in_code) {
        let token = if stand == Stand::ByContext { p.token.clone() } else { token(text, p.span, stand) };
        bytes[p.span.start..p.span.end].copy_from_slice(token.as_bytes());
    }
    // Each replaced range was a whole placeholder (ASCII delimiters), replaced by ASCII.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// The token of the placeholder at `span`, as long as it in bytes: `${a.b}` reads as `$_a_b_`
/// (a parameter) or `__a_b_` (an identifier).
fn token(text: &str, span: Span, stand: Stand) -> String {
    let name = &text.as_bytes()[span.start + 2..span.end - 1];
    let word: String = name.iter().map(|&b| if b.is_ascii_alphanumeric() { b as char } else { '_' }).collect();
    let parameter = match stand {
        Stand::Parameter => true,
        Stand::Identifier => false,
        Stand::ByContext => expects_expression(&text[..span.start]),
    };
    format!("{}_{word}_", if parameter { '$' } else { '_' })
}

/// Whether what precedes a placeholder asks for an expression: an operator, `(`, `[`, `,`.
/// After `:` or `.` comes a label, type or property key; after a word, a name.
fn expects_expression(before: &str) -> bool {
    let last = before.trim_end_matches([' ', '\t', '\n', '\r']).chars().next_back();
    last.is_some_and(|c| "=<>,([+-*/%^".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<(String, bool)>, String) {
        let found = find(text);
        let substituted = substitute(text, &found, Stand::ByContext);
        (found.into_iter().map(|p| (p.name, p.in_code)).collect(), substituted)
    }

    #[test]
    fn placeholders_in_code_become_tokens_of_the_same_length() {
        let text = "CREATE (n:${label} {env: '${env}'}) SET n.x = ${value}, n.`${k}` = 1 // ${not}\n";
        let (names, substituted) = read(text);
        let expected = [("label", true), ("env", false), ("value", true), ("k", false)];
        assert_eq!(names, expected.map(|(n, c)| (n.to_string(), c)));
        assert_eq!(substituted.len(), text.len());
        assert!(substituted.contains("(n:__label_ {env: '${env}'}) SET n.x = $_value_, n.`${k}`"));
    }

    #[test]
    fn an_unclosed_or_spaced_brace_is_no_placeholder() {
        assert!(find("RETURN '${a b}', ${x").is_empty());
        assert_eq!(find("RETURN ${nm:testLabel}")[0].name, "nm:testLabel");
    }

    #[test]
    fn every_stand_in_keeps_utf8_and_length() {
        let text = "MATCH (n:${läbel}) RETURN ${ü}";
        let found = find(text);
        for stand in [Stand::ByContext, Stand::Identifier, Stand::Parameter] {
            assert_eq!(substitute(text, &found, stand).len(), text.len());
        }
    }
}
