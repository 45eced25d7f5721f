use super::*;
use crate::diagnostic::Edit;

pub struct DeprecatedIdentifierCharacter;

pub static META: RuleMeta = RuleMeta {
    summary: "a control or format character inside an unquoted name (deprecated in Neo4j 5)",
    docs: r#"## What it does
Flags unquoted names (variables, labels, property keys, …) that contain a character Neo4j 5
still accepts there but has deprecated: control characters (`\u0000`–`\u0008`,
`\u000E`–`\u001B`, `\u007F`–`\u009F`, among them `\u0085`) and Unicode format characters such
as the soft hyphen `\u00AD`, zero-width spaces and joiners, and `\uFEFF`.

## Why it matters
Neo4j 5 warns that the character "is deprecated for unescaped identifiers and will not be
supported in the future"; Cypher 25 reads `\u0085` as whitespace and rejects the others, so the
statement breaks on upgrade. The characters are invisible in most editors, so the name is
rarely what its author meant.

## Example
```cypher
MATCH (p:Per\u00ADson) RETURN p;
```
(with a real soft hyphen between `Per` and `son`)

## Use instead
Remove the character, or quote the name so it keeps it: ``MATCH (p:`Per\u00ADson`) RETURN p;``.
The fix backtick-quotes the name, which keeps its meaning.
"#,
    ..identity::deprecated_identifier_character
};

impl Rule for DeprecatedIdentifierCharacter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let text = cx.slice(stmt.span);
        for (start, end, deprecated) in names_with_deprecated_characters(text) {
            let span = Span::new(stmt.span.start + start, stmt.span.start + end);
            let name = &text[start..end];
            let quoted = format!("`{}`", name.replace('`', "``"));
            let future = if deprecated == '\u{85}' {
                "Cypher 25 reads it as whitespace"
            } else {
                "Neo4j will not accept it in a future version"
            };
            out.report(
                &META,
                span,
                format!("the character `\\u{:04X}` in an unquoted name is deprecated: {future}", deprecated as u32),
            )
            .help("remove the character, or backtick-quote the name to keep it")
            .fix(Fix::safe(format!("quote the name as {quoted}"), vec![Edit::replace(span, quoted)]));
        }
    }
}

/// Characters Neo4j 5 reads as part of an unquoted name but has deprecated there (Java's
/// identifier-ignorable characters: these controls and every format character).
pub(crate) fn is_deprecated_in_name(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{E}'..='\u{1B}' | '\u{7F}'..='\u{9F}') || is_format(c)
}

/// Unicode general category Cf, the ranges Neo4j's JVM knows.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{890}'..='\u{891}'
            | '\u{8E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `(start, end, first deprecated character)` of each unquoted name holding one, outside
/// strings, comments and backtick names. A deprecated character only belongs to a name when a
/// name character comes before it (elsewhere `\u0085` and `\uFEFF` are whitespace).
fn names_with_deprecated_characters(text: &str) -> Vec<(usize, usize, char)> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut name_start: Option<usize> = None;
    let mut deprecated: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let in_name = name_start.is_some();
        if is_name_char(c) || (in_name && is_deprecated_in_name(c)) {
            name_start.get_or_insert(i);
            if is_deprecated_in_name(c) && deprecated.is_none() {
                deprecated = Some(c);
            }
            continue;
        }
        if let (Some(start), Some(d)) = (name_start.take(), deprecated.take()) {
            found.push((start, i, d));
        }
        let closing = match c {
            '\'' | '"' | '`' => Some(c),
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => Some('\n'),
            '/' if chars.peek().is_some_and(|(_, n)| *n == '*') => {
                chars.next();
                skip_block_comment(&mut chars);
                None
            }
            _ => None,
        };
        if let Some(close) = closing {
            skip_until(&mut chars, close);
        }
    }
    if let (Some(start), Some(d)) = (name_start, deprecated) {
        found.push((start, text.len(), d));
    }
    found
}

fn skip_until(chars: &mut std::iter::Peekable<std::str::CharIndices>, close: char) {
    while let Some((_, c)) = chars.next() {
        if c == '\\' && close != '`' && close != '\n' {
            chars.next();
        } else if c == close {
            return;
        }
    }
}

fn skip_block_comment(chars: &mut std::iter::Peekable<std::str::CharIndices>) {
    while let Some((_, c)) = chars.next() {
        if c == '*' && chars.peek().is_some_and(|(_, n)| *n == '/') {
            chars.next();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::names_with_deprecated_characters;

    #[test]
    fn finds_names_but_not_strings_comments_or_whitespace() {
        let text = "MATCH (a\u{AD}b:L) WHERE a\u{AD}b.x = 'c\u{AD}d' /* e\u{AD}f */ RETURN `g\u{AD}h`,\u{85}1";
        let found: Vec<_> = names_with_deprecated_characters(text).into_iter().map(|(s, e, _)| &text[s..e]).collect();
        assert_eq!(found, ["a\u{AD}b", "a\u{AD}b"]);
    }
}
