//! Which construct a syntax error sits in ("after the map entry", "in the relationship pattern"),
//! read from the statement text before the error. pest's own failure record cannot say it: its
//! call stacks collapse into the `expression` or `statement` rule as soon as a rule has a few
//! failed children, so a map and an argument list look alike there.
//!
//! The text before the error is scanned once (strings, backtick names and comments skipped) for
//! the innermost bracket still open and the last clause keyword outside brackets; what precedes
//! the bracket tells a node pattern from an argument list or a parenthesised expression.

use crate::syntax::depth::skip_quoted;

/// Where in the statement the error is, as a phrase that follows the expected tokens:
/// "after the map entry", "in the node pattern", …
pub(super) fn construct_at(text: &str, pos: usize) -> Option<String> {
    let scan = Scan::new(text, pos);
    match scan.open.last() {
        Some(&(bracket, at)) => {
            let clause = scan.clause_before(at);
            let schema_for = scan.clauses.iter().any(|(w, o)| w == "FOR" && *o < at);
            let clause = if schema_for && matches!(clause, Some("ON" | "REQUIRE" | "ASSERT")) {
                Some("PROPERTIES")
            } else {
                clause
            };
            bracket_context(text, pos, bracket, at, clause)
        }
        None => clause_context(text, pos, scan.clause.as_ref()?),
    }
}

/// The token that closes the innermost bracket open at `pos` (`)`, `]`, `}` or `END`): when it
/// is among the expected tokens it is named first, since a missing closer is the usual mistake.
pub(super) fn innermost_closer(text: &str, pos: usize) -> Option<&'static str> {
    Some(match Scan::new(text, pos).open.last()?.0 {
        '(' => ")",
        '[' => "]",
        '{' => "}",
        _ => "END",
    })
}

/// The clause keyword right before an error that a dangling operator swallowed as a name:
/// `WHERE a = 1 AND RETURN n` fails at `n`, but the mistake is the missing operand after `AND`.
/// Returns what was due ("an expression after `AND`") and the keyword's byte range.
pub(super) fn dangling_operator(text: &str, pos: usize) -> Option<(String, usize, usize)> {
    let (word, start) = previous_token(text, pos)?;
    if !CLAUSE_STARTS.contains(&word.to_ascii_uppercase().as_str()) {
        return None;
    }
    let (operator, _) = previous_token(text, start)?;
    let upper = operator.to_ascii_uppercase();
    let due = if DANGLING.contains(&upper.as_str()) {
        format!("an expression after `{operator}`")
    } else if matches!(operator, "|" | "&" | "!") {
        format!("a label after `{operator}`")
    } else {
        return None;
    };
    Some((due, start, start + word.len()))
}

/// The operator right before `pos` (`AND`, `=`, `+`, …), if that is what precedes it.
pub(super) fn operator_before(text: &str, pos: usize) -> Option<String> {
    let (token, _) = previous_token(text, pos)?;
    let upper = token.to_ascii_uppercase();
    DANGLING.contains(&upper.as_str()).then_some(upper)
}

const DANGLING: &[&str] = &["AND", "OR", "XOR", "NOT", "=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^"];

/// Words that start a clause; a clause keyword met where an operand was due means the operand is
/// missing.
const CLAUSE_STARTS: &[&str] = &[
    "MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "UNWIND", "CREATE", "MERGE", "SET", "REMOVE", "DELETE", "DETACH",
    "CALL", "FOREACH", "ORDER", "SKIP", "LIMIT", "UNION", "LOAD", "YIELD",
];

/// Clause keywords whose items the "no bracket open" context is phrased in.
const CLAUSE_WORDS: &[&str] = &[
    "MATCH", "MERGE", "CREATE", "WHERE", "WITH", "RETURN", "UNWIND", "SET", "REMOVE", "DELETE", "YIELD", "ORDER",
    "REQUIRE", "ASSERT", "FOR", "ON", "OPTIONS", "FOREACH", "CALL", "LIMIT", "SKIP",
];

struct Scan {
    /// Open brackets before the error: the character and its byte offset.
    open: Vec<(char, usize)>,
    /// Clause keywords met outside brackets: the keyword (upper case) and its offset.
    clauses: Vec<(String, usize)>,
    /// The last of those before the error.
    clause: Option<(String, usize)>,
}

impl Scan {
    fn new(text: &str, pos: usize) -> Scan {
        let mut open = Vec::new();
        let mut clauses = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < pos.min(text.len()) {
            let c = bytes[i];
            match c {
                b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i),
                b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_until(bytes, i, b"\n"),
                b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_until(bytes, i + 2, b"*/"),
                b'(' | b'[' | b'{' => {
                    open.push((c as char, i));
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    // An unclosed CASE inside the bracket is abandoned with it.
                    while open.last().is_some_and(|&(b, _)| b == 'C') {
                        open.pop();
                    }
                    open.pop();
                    i += 1;
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let end = word_end(bytes, i);
                    let word = text[i..end].to_ascii_uppercase();
                    let after_dot = i > 0 && bytes[i - 1] == b'.';
                    match word.as_str() {
                        _ if after_dot => {}
                        // CASE … END brackets an expression as much as `(…)` does.
                        "CASE" => open.push(('C', i)),
                        "END" if open.last().is_some_and(|&(b, _)| b == 'C') => {
                            open.pop();
                        }
                        w if CLAUSE_WORDS.contains(&w) => clauses.push((word, i)),
                        _ => {}
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
        let depth0: Vec<(String, usize)> =
            clauses.iter().filter(|(_, at)| open.iter().all(|&(_, o)| *at < o)).cloned().collect();
        let clause = depth0.last().cloned();
        Scan { open, clauses, clause }
    }

    /// The last clause keyword before offset `at` (for a bracket: the clause it belongs to).
    fn clause_before(&self, at: usize) -> Option<&str> {
        self.clauses.iter().rev().find(|(_, o)| *o < at).map(|(w, _)| w.as_str())
    }
}

fn skip_until(bytes: &[u8], start: usize, end: &[u8]) -> usize {
    let mut i = start;
    while i < bytes.len() {
        if bytes[i..].starts_with(end) {
            return i + end.len();
        }
        i += 1;
    }
    bytes.len()
}

fn word_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80) {
        i += 1;
    }
    i
}

/// The token ending right before `pos` (whitespace skipped): a word, a backtick name, a two-
/// character operator or one character; with its start offset.
fn previous_token(text: &str, pos: usize) -> Option<(&str, usize)> {
    let before = text.get(..pos)?.trim_end();
    let end = before.len();
    let last = before.chars().last()?;
    let start = if last.is_alphanumeric() || last == '_' {
        before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8))
    } else if last == '`' {
        before[..end - 1].rfind('`').unwrap_or(0)
    } else if ["<>", "<=", ">=", "=~", "->", "<-", "..", "::"].iter().any(|op| before.ends_with(op)) {
        end - 2
    } else {
        end - last.len_utf8()
    };
    Some((&before[start..end], start))
}

/// The statement ends right after a plain name (`… RETURN n`): a `(` or `{` there would only
/// turn the name into a call or a map projection, never what a missing closer means.
pub(super) fn ends_after_name(text: &str, pos: usize) -> bool {
    if !text[pos.min(text.len())..].trim().is_empty() {
        return false;
    }
    previous_token(text, pos).is_some_and(|(token, _)| {
        let upper = token.to_ascii_uppercase();
        token.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && !CLAUSE_STARTS.contains(&upper.as_str())
            && !CALLED_KEYWORDS.contains(&upper.as_str())
    })
}

/// Words that are followed by `(` or `{` as a rule, not by accident.
const CALLED_KEYWORDS: &[&str] = &[
    "SHORTESTPATH",
    "ALLSHORTESTPATHS",
    "EXISTS",
    "COUNT",
    "COLLECT",
    "CALL",
    "ALL",
    "ANY",
    "NONE",
    "SINGLE",
    "REDUCE",
];

fn is_opening(token: &str) -> bool {
    matches!(token, "(" | "[" | "{" | ",")
}

fn bracket_context(text: &str, pos: usize, bracket: char, at: usize, clause: Option<&str>) -> Option<String> {
    let (last, _) = previous_token(text, pos)?;
    let fresh = is_opening(last);
    let before = previous_token(text, at);
    let before_word = before.map(|(w, _)| w.to_ascii_uppercase());
    let before_word = before_word.as_deref().unwrap_or("");
    let inside = text.get(at + 1..pos).unwrap_or("");
    match bracket {
        'C' => Some("in the CASE expression".to_string()),
        '{' => Some(brace_context(before_word, inside, fresh, last)),
        '[' => Some(match before_word {
            "-" | "<-" | "<" => "in the relationship pattern `-[…]-`".to_string(),
            _ if ends_operand(before_word) => "in the index `[…]`".to_string(),
            _ if starts_comprehension(inside) => "in the list comprehension".to_string(),
            _ if fresh => "in the list".to_string(),
            _ => "after the list element".to_string(),
        }),
        _ => Some(paren_context(before, clause, fresh)),
    }
}

fn brace_context(before: &str, inside: &str, fresh: bool, last: &str) -> String {
    match before {
        "CALL" | ")" if !inside.contains(':') || before == "CALL" => return "in the `CALL { … }` subquery".to_string(),
        "EXISTS" | "COUNT" | "COLLECT" => return format!("in the `{before} {{ … }}` subquery"),
        "OPTIONS" => return "in the OPTIONS map".to_string(),
        _ => {}
    }
    // The entry being written: from the last `,` (outside nested brackets) to the error.
    let entry = current_item(inside);
    if fresh {
        return if last == "," { "after `,` in the map".to_string() } else { "in the map `{…}`".to_string() };
    }
    if entry.contains(':') {
        "after the map entry".to_string()
    } else {
        match entry.split_whitespace().next() {
            Some(key) => format!("after the property key `{key}`"),
            None => "in the map `{…}`".to_string(),
        }
    }
}

/// The text after the last top-level `,` of a bracket's contents.
fn current_item(inside: &str) -> &str {
    let mut depth = 0i32;
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in inside.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    &inside[start..]
}

fn paren_context(before: Option<(&str, usize)>, clause: Option<&str>, fresh: bool) -> String {
    let Some((word, _)) = before else { return "in the parentheses".to_string() };
    let upper = word.to_ascii_uppercase();
    let pattern_clause = matches!(clause, Some("MATCH" | "MERGE" | "CREATE" | "FOR" | "ON"));
    if clause == Some("PROPERTIES") && matches!(upper.as_str(), "ON" | "REQUIRE" | "ASSERT") {
        return "in the property list".to_string();
    }
    match upper.as_str() {
        "-" | ">" | "->" | "MATCH" | "MERGE" | "CREATE" | "FOR" | "ON" => return "in the node pattern".to_string(),
        "," | "=" if pattern_clause => return "in the node pattern".to_string(),
        "FOREACH" => return "in the FOREACH".to_string(),
        "CALL" => return "in the CALL scope `CALL (…)`".to_string(),
        "WHERE" | "AND" | "OR" | "XOR" | "NOT" | "RETURN" | "WITH" | "SET" | "IN" | "," | "(" | "[" | "=" | "+"
        | "*" | "/" | "THEN" | "ELSE" | "WHEN" | "CASE" | "UNWIND" | "<>" | "<" | "<=" | ">=" => {
            return "in the parentheses".to_string()
        }
        _ => {}
    }
    let is_name = word.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '`');
    if is_name {
        let call = format!("`{word}(…)`");
        return if fresh { format!("in the arguments of {call}") } else { format!("after an argument of {call}") };
    }
    "in the parentheses".to_string()
}

/// A token after which `[` indexes instead of opening a list.
fn ends_operand(token: &str) -> bool {
    token == ")"
        || token == "]"
        || token == "}"
        || token.starts_with('`')
        || (token.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !token.is_empty()
            && !token.chars().next().is_some_and(|c| c.is_ascii_digit())
            && !KEYWORDS_BEFORE_LIST.contains(&token))
}

const KEYWORDS_BEFORE_LIST: &[&str] = &[
    "RETURN", "WITH", "UNWIND", "IN", "AND", "OR", "XOR", "NOT", "WHEN", "THEN", "ELSE", "CASE", "SET", "WHERE",
    "CONTAINS", "BY", "DISTINCT", "EACH", "YIELD", "SKIP", "LIMIT",
];

fn starts_comprehension(inside: &str) -> bool {
    let mut words = inside.split_whitespace();
    words.next().is_some_and(|w| w.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && words.next().is_some_and(|w| w.eq_ignore_ascii_case("in"))
}

fn clause_context(text: &str, pos: usize, clause: &(String, usize)) -> Option<String> {
    let (word, at) = clause;
    let (last, last_at) = previous_token(text, pos)?;
    let fresh = last_at <= *at || last == ",";
    let item = match word.as_str() {
        "SET" => "SET item",
        "REMOVE" => "REMOVE item",
        "DELETE" => "DELETE item",
        "YIELD" => "YIELD item",
        "RETURN" => "RETURN item",
        "WITH" => "WITH item",
        "ORDER" => "sort item",
        "UNWIND" => "UNWIND expression",
        "WHERE" => return Some("in the WHERE condition".to_string()),
        "REQUIRE" | "ASSERT" => return Some(format!("in the constraint's {word} part")),
        "OPTIONS" => return Some("after OPTIONS".to_string()),
        "MATCH" | "MERGE" | "CREATE" => return Some("in the pattern".to_string()),
        _ => return None,
    };
    let keyword = &text[*at..*at + word.len()];
    Some(match last {
        "," => format!("after `,` in the {keyword} clause"),
        _ if word == "ORDER" && last.eq_ignore_ascii_case("BY") => "after `ORDER BY`".to_string(),
        _ if fresh => format!("after `{keyword}`"),
        _ => format!("after the {item}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, marker: &str) -> Option<String> {
        construct_at(text, text.find(marker).expect("marker"))
    }

    #[test]
    fn names_the_bracket_construct() {
        assert_eq!(at("MATCH (n {name: 'x' SET n.y = 1", "SET").as_deref(), Some("after the map entry"));
        assert_eq!(at("MATCH (n {name 'x'}) RETURN n", "'x'").as_deref(), Some("after the property key `name`"));
        assert_eq!(at("MATCH (n:Person {name: 'Ann'} RETURN n", "RETURN").as_deref(), Some("in the node pattern"));
        assert_eq!(at("MATCH (n)-[:KNOWS->(m) RETURN n", "->").as_deref(), Some("in the relationship pattern `-[…]-`"));
        assert_eq!(at("RETURN [1, 2 AS x", "AS").as_deref(), Some("after the list element"));
        assert_eq!(at("RETURN f(1, 2 AS x", "AS").as_deref(), Some("after an argument of `f(…)`"));
        assert_eq!(at("RETURN n.x[1 AS x", "AS").as_deref(), Some("in the index `[…]`"));
        assert_eq!(at("RETURN ('a' + 'b' AS x", "AS").as_deref(), Some("in the parentheses"));
        assert_eq!(at("RETURN {a: ')' AS x", "AS").as_deref(), Some("after the map entry"));
        assert_eq!(at("RETURN CASE WHEN x THEN 1 ELSE 2;", ";").as_deref(), Some("in the CASE expression"));
        assert_eq!(at("RETURN (CASE WHEN x THEN 1) + 1 AS y z", "z").as_deref(), Some("after the RETURN item"));
    }

    #[test]
    fn names_the_clause_item_outside_brackets() {
        assert_eq!(at("MATCH (n) SET n.x = 1 n.y = 2", "n.y").as_deref(), Some("after the SET item"));
        assert_eq!(at("CALL db.labels() YIELD label lbl RETURN lbl", "lbl R").as_deref(), Some("after the YIELD item"));
        assert_eq!(at("MATCH (n) WHERE n.x = 1 n", "1 n").as_deref(), Some("in the WHERE condition"));
    }

    #[test]
    fn finds_a_dangling_operator_before_a_clause_keyword() {
        let text = "MATCH (n) WHERE n.a = 1 AND RETURN n";
        let pos = text.rfind('n').expect("n");
        assert_eq!(dangling_operator(text, pos), Some(("an expression after `AND`".to_string(), 28, 34)));
        let text = "MATCH (n) WHERE n:Person| RETURN n";
        let pos = text.rfind('n').expect("n");
        assert_eq!(dangling_operator(text, pos).map(|d| d.0), Some("a label after `|`".to_string()));
        assert_eq!(dangling_operator("MATCH (n) RETURN n LIMIT x", 25), None);
    }
}
