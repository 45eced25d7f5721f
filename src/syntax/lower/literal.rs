//! Literal values: numbers (with overflow checks), strings (unescaped), parameters.

use super::{LResult, Lowerer, Pair};
use crate::ast::{Literal, Parameter, StringLit};
use crate::syntax::grammar::Rule;

/// An integer literal before its sign is known: `9223372036854775808` is only valid negated.
pub(crate) enum IntValue {
    Fits(i64),
    /// Exactly 2^63: valid only as the operand of a unary minus.
    MinMagnitude,
}

impl Lowerer {
    pub(super) fn integer(&self, pair: &Pair) -> LResult<IntValue> {
        let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        let (digits, radix) = match pair.as_rule() {
            Rule::hex_int => (&text[2..], 16),
            Rule::octal_int => (&text[2..], 8),
            _ => (text.as_str(), 10),
        };
        match u64::from_str_radix(digits, radix) {
            Ok(v) if v <= i64::MAX as u64 => Ok(IntValue::Fits(v as i64)),
            Ok(v) if v == 1u64 << 63 => Ok(IntValue::MinMagnitude),
            _ => Err(self.error(pair, format!("integer literal `{}` is too large", pair.as_str()))),
        }
    }

    pub(super) fn float(&self, pair: &Pair) -> LResult<f64> {
        let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(pair, format!("floating point literal `{}` is too large", pair.as_str()))),
        }
    }

    pub(super) fn string(&self, pair: &Pair) -> LResult<StringLit> {
        let raw = pair.as_str();
        let inner = &raw[1..raw.len() - 1];
        match unescape(inner) {
            Some(value) => Ok(StringLit { span: self.span(pair), value }),
            None => Err(self.error(pair, "invalid unicode escape in string literal")),
        }
    }

    pub(super) fn parameter(&self, pair: &Pair) -> Parameter {
        let legacy = pair.as_rule() == Rule::legacy_parameter;
        let name = pair.clone().into_inner().next().map(|p| super::unquote_name(p.as_str())).unwrap_or_default();
        Parameter { name, legacy }
    }

    pub(super) fn boolean_or_null(rule: Rule) -> Option<Literal> {
        match rule {
            Rule::K_TRUE => Some(Literal::Boolean(true)),
            Rule::K_FALSE => Some(Literal::Boolean(false)),
            Rule::K_NULL => Some(Literal::Null),
            _ => None,
        }
    }
}

/// Cypher string escapes. Unknown escapes keep the backslash, as Neo4j does; `None` for a
/// `\u` escape that is not a Unicode scalar value.
fn unescape(inner: &str) -> Option<String> {
    if !inner.contains('\\') {
        return Some(inner.to_string());
    }
    unescape_with_offsets(inner).map(|(value, _)| value)
}

/// [`unescape`], with where each byte of the value comes from: `offsets[i]` is the offset in
/// `inner` of the character or escape that byte `i` belongs to (plus its position in the
/// character, so offsets strictly increase), and one more entry, `inner.len()`, for the end.
pub(crate) fn unescape_with_offsets(inner: &str) -> Option<(String, Vec<usize>)> {
    let mut out = String::with_capacity(inner.len());
    let mut offsets = Vec::with_capacity(inner.len() + 1);
    let mut chars = inner.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let decoded = if c != '\\' {
            Some(c)
        } else {
            match chars.peek().map(|&(_, e)| e) {
                None => None,
                Some(e) => {
                    chars.next();
                    escape(e, &mut chars)?
                }
            }
        };
        match decoded {
            Some(d) => push_char(&mut out, &mut offsets, d, at),
            None => {
                // An unknown escape (or a final backslash) stands for itself.
                push_char(&mut out, &mut offsets, '\\', at);
                if let Some(e) = inner[at + 1..].chars().next() {
                    push_char(&mut out, &mut offsets, e, at + 1);
                }
            }
        }
    }
    offsets.push(inner.len());
    Some((out, offsets))
}

/// The character the escape `\e` stands for; `Some(None)` when it stands for itself; `None`
/// (outer) for an invalid `\u`.
fn escape(e: char, rest: &mut std::iter::Peekable<std::str::CharIndices>) -> Option<Option<char>> {
    Some(Some(match e {
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'b' | 'B' => '\u{8}',
        'f' | 'F' => '\u{c}',
        'n' | 'N' => '\n',
        'r' | 'R' => '\r',
        't' | 'T' => '\t',
        'u' | 'U' => {
            let len = if e == 'u' { 4 } else { 8 };
            let hex: String = rest.by_ref().take(len).map(|(_, h)| h).collect();
            let code = u32::from_str_radix(&hex, 16).ok()?;
            char::from_u32(code)?
        }
        _ => return Some(None),
    }))
}

fn push_char(out: &mut String, offsets: &mut Vec<usize>, c: char, at: usize) {
    out.push(c);
    offsets.extend((0..c.len_utf8()).map(|k| at + k));
}

#[cfg(test)]
mod tests {
    use super::{unescape, unescape_with_offsets};

    #[test]
    fn unescapes_cypher_escapes() {
        assert_eq!(unescape(r"a\nb\u0041\\\'").as_deref(), Some("a\nbA\\'"));
        assert_eq!(unescape(r"\q").as_deref(), Some(r"\q"));
        assert_eq!(unescape(r"\uD800"), None);
    }

    #[test]
    fn offsets_point_at_the_escape_each_byte_comes_from() {
        let (value, offsets) = unescape_with_offsets(r"a\'b\u00e9\q").unwrap();
        assert_eq!(value, "a'bé\\q");
        assert_eq!(offsets, [0, 1, 3, 4, 5, 10, 11, 12]);
    }
}
