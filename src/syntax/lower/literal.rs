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
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'b' | 'B' => out.push('\u{8}'),
            'f' | 'F' => out.push('\u{c}'),
            'n' | 'N' => out.push('\n'),
            'r' | 'R' => out.push('\r'),
            't' | 'T' => out.push('\t'),
            'u' | 'U' => {
                let len = if e == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(len).collect();
                let code = u32::from_str_radix(&hex, 16).ok()?;
                out.push(char::from_u32(code)?);
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn unescapes_cypher_escapes() {
        assert_eq!(unescape(r"a\nb\u0041\\\'").as_deref(), Some("a\nbA\\'"));
        assert_eq!(unescape(r"\q").as_deref(), Some(r"\q"));
        assert_eq!(unescape(r"\uD800"), None);
    }
}
