//! Turning pest's failure into a message in user terms: what was expected (tokens and
//! constructs, never rule names), where (the construct, see [`context`]), what was found, and
//! which statement it is.

mod context;

use super::grammar::Rule;
use crate::span::Span;
use crate::suggest::edit_distance;
use pest::error::{ErrorVariant, InputLocation};
use std::collections::BTreeSet;

/// Positives that stand for a whole construct, so the tokens that can start it are not listed.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expression
        | Rule::slice_to
        | Rule::concurrency_count
        | Rule::comprehension_map
        | Rule::comprehension_where => "an expression",
        Rule::variable => "a variable name",
        Rule::schema_name => "a name",
        Rule::symbolic_name_key | Rule::function_name | Rule::procedure_name => "a name",
        Rule::label_name | Rule::label_expr | Rule::label_expr_in_expression => "a label or type",
        Rule::string_lit => "a string",
        Rule::dec_int | Rule::range_min | Rule::range_max | Rule::quantifier_min | Rule::quantifier_max => "an integer",
        Rule::hex_int | Rule::octal_int | Rule::float_lit => "a number",
        Rule::parameter | Rule::legacy_parameter => "a parameter",
        Rule::map_literal => "a map `{…}`",
        Rule::node_pattern => "a node pattern `(…)`",
        Rule::relationship_pattern => "a relationship pattern",
        Rule::pattern | Rule::pattern_part | Rule::path_pattern | Rule::relationships_pattern => "a pattern",
        Rule::parenthesized_path => "a node pattern `(…)`",
        Rule::property_ref => "a property such as `n.prop`",
        Rule::schema_entity => "`(n:Label)` or `()-[r:TYPE]-()`",
        Rule::cypher_type => "a type",
        Rule::projection | Rule::projection_item => "an expression",
        Rule::sort_item => "an expression",
        Rule::set_item => "a SET item such as `n.prop = value`",
        Rule::remove_item => "a property or label to remove",
        Rule::yield_item => "a name",
        Rule::regular_query | Rule::single_query => "a clause",
        Rule::match_clause
        | Rule::with_clause
        | Rule::return_clause
        | Rule::create_clause
        | Rule::merge_clause
        | Rule::set_clause
        | Rule::remove_clause
        | Rule::delete_clause
        | Rule::unwind_clause
        | Rule::foreach_clause
        | Rule::call_procedure
        | Rule::call_subquery
        | Rule::load_csv_clause
        | Rule::use_clause
        | Rule::finish_clause
        | Rule::modifier_clause
        | Rule::start_clause => "a clause",
        Rule::EOI => "end of statement",
        Rule::where_clause => "`WHERE`",
        Rule::options => "`OPTIONS`",
        Rule::in_transactions => "`IN TRANSACTIONS`",
        Rule::order_by => "`ORDER BY`",
        Rule::skip => "`SKIP`",
        Rule::limit => "`LIMIT`",
        Rule::union => "`UNION`",
        _ => return None,
    })
}

/// Tokens that can start an expression: listed as "an expression" when one is expected.
const EXPRESSION_STARTS: &[&str] = &[
    "(",
    "[",
    "{",
    "$",
    "-",
    "+",
    ".",
    "NOT",
    "CASE",
    "TRUE",
    "FALSE",
    "NULL",
    "COUNT",
    "EXISTS",
    "COLLECT",
    "ALL",
    "ANY",
    "NONE",
    "SINGLE",
    "REDUCE",
    "SHORTESTPATH",
    "ALLSHORTESTPATHS",
    "'",
    "\"",
    "`",
    "0",
    "0x",
    "0X",
    "0o",
    "0O",
    "INF",
    "INFINITY",
    "NAN",
    "TRIM",
];

/// Operators that may continue any operand.
const OPERATOR_TOKENS: &[&str] = &[
    "=~", "<>", "!=", "<=", ">=", "=", "<", ">", "||", "+", "-", "*", "/", "%", "^", ".", "[", ":", "::", "!", "&",
    "|", "IS", "OR", "XOR", "AND", "STARTS", "ENDS", "CONTAINS", "IN", "\u{AD}", "\u{2212}", "\u{FE58}", "\u{FE63}",
    "\u{FF0D}",
];

pub(crate) struct Failure {
    pub span: Span,
    pub message: String,
}

/// `text` is the statement's text, `offset` where it starts in the file.
pub(crate) fn describe_failure(err: &pest::error::Error<Rule>, text: &str, offset: usize) -> Failure {
    let rule_pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // pest reports the position of its last failed rule, but records the tokens it wanted at the
    // farthest position it reached; when that is further on (`{name 'x'}` fails the entry at
    // `name`, but `:` was wanted after it), the farthest position is where the mistake is.
    // A farthest position inside a word only means a keyword matched a prefix (`DESC` of `DESCC`).
    let farthest = err.parse_attempts().map_or(0, |a| a.max_position);
    let farthest_ahead = farthest > rule_pos && !inside_word(text, farthest);
    let tokens_apply = farthest <= rule_pos || farthest_ahead;
    let pos = floor_char_boundary(text, if farthest_ahead { farthest } else { rule_pos });
    if let Some((due, start, end)) = context::dangling_operator(text, pos) {
        let found = &text[start..end];
        let message = format!("expected {due}, found the keyword `{found}`");
        return Failure { span: Span::new(offset + start, offset + end), message: with_statement(message, text) };
    }
    let (found, found_len) = found_token(text, pos);
    let span = Span::new(offset + pos, offset + pos + found_len);

    let mut constructs: Vec<&'static str> = Vec::new();
    let mut keywords: BTreeSet<String> = BTreeSet::new();
    let mut punctuation: BTreeSet<String> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        // Rules pest tried at an earlier position say nothing about the farthest one.
        let positives: &[Rule] = if farthest_ahead { &[] } else { positives };
        for rule in positives {
            if let Some(k) = keyword_of(*rule) {
                keywords.insert(k);
            } else if let Some(d) = describe(*rule) {
                if !constructs.contains(&d) {
                    constructs.push(d);
                }
            }
        }
    }
    if let Some(attempts) = err.parse_attempts().filter(|_| tokens_apply) {
        // pest does not export the token type; its display is the literal text (upper-cased
        // for case-insensitive literals), a `a..z` range, or a builtin marker.
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if token == "BUILTIN_RULE" || (token.chars().count() == 4 && token.contains("..")) {
                continue;
            }
            // A lone letter is the inside of a token (the `e` of `1e5`), never what to write.
            if token.chars().count() == 1 && token.chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if token.chars().all(|c| c.is_alphabetic()) {
                keywords.insert(token.to_uppercase());
            } else {
                punctuation.insert(token);
            }
        }
    }
    // Tokens read at the farthest position come without their rule: the tokens that start an
    // operand stand for "an expression".
    if !constructs.contains(&"an expression") && ["$", "(", "'"].iter().all(|t| punctuation.contains(*t)) {
        constructs.retain(|c| *c != "a name");
        constructs.insert(0, "an expression");
    }
    let expects_expression = constructs.contains(&"an expression");
    let mut expected: Vec<String> = constructs.iter().map(|c| c.to_string()).collect();
    let candidates: Vec<String> = punctuation
        .into_iter()
        .chain(keywords.iter().cloned())
        .filter(|t| !(expects_expression && EXPRESSION_STARTS.contains(&t.as_str())))
        .filter(|t| !t.chars().all(|c| c.is_whitespace() || c.is_control() || c == '\u{FEFF}'))
        .filter(|t| t != "//" && t != "/*" && t != "_")
        .filter(|t| !(t == "$" && constructs.contains(&"a parameter")))
        .filter(|t| !(t == "{" && constructs.contains(&"a map `{…}`")))
        .filter(|t| !(t == "(" && constructs.contains(&"a node pattern `(…)`")))
        .filter(|t| !(constructs.contains(&"a clause") && CLAUSE_KEYWORDS.contains(&t.as_str())))
        .collect();
    // After a complete operand every operator could follow; listing them buries the tokens
    // that would actually close the construct.
    // After a property key in a map, `:` is the one token that matters, not a label operator.
    let place = context::construct_at(text, pos);
    let after_key = place.as_deref().is_some_and(|p| p.starts_with("after the property key"));
    let closing: Vec<&String> = candidates
        .iter()
        .filter(|t| !OPERATOR_TOKENS.contains(&t.as_str()) || (after_key && t.as_str() == ":"))
        .collect();
    let chosen: Vec<&String> =
        if closing.is_empty() && expected.is_empty() { candidates.iter().collect() } else { closing };
    // After a complete item (`count(n`, `RETURN n`), `(` and `{` would only turn the name into a
    // call or a map projection: never what was meant when the item is left unclosed.
    let after_item = place.as_deref().is_some_and(|p| p.starts_with("after ") && !p.starts_with("after `"));
    let item_done = (after_item && !after_key) || context::ends_after_name(text, pos);
    let mut tokens: Vec<String> = chosen
        .into_iter()
        .filter(|t| !(item_done && (t.as_str() == "(" || t.as_str() == "{")))
        .map(|t| format!("`{t}`"))
        .collect();
    tokens.dedup();
    if let Some(closer) = context::innermost_closer(text, pos).map(|c| format!("`{c}`")) {
        if let Some(i) = tokens.iter().position(|t| *t == closer) {
            let closer = tokens.remove(i);
            expected.insert(0, closer);
        }
    }
    expected.extend(tokens.into_iter().filter(|t| !constructs.iter().any(|c| c == t)));
    if let Some(i) = expected.iter().position(|t| after_key && t == "`:`") {
        let colon = expected.remove(i);
        expected.insert(0, colon);
    }
    let suggestion = did_you_mean(text, pos, &keywords).or_else(|| keyword_prefix(text, pos, farthest));
    let expected = join_alternatives(&expected);
    // A missing operand is best placed by the operator that wants it.
    let place = match context::operator_before(text, pos) {
        Some(operator) if expected == "an expression" => Some(format!("after `{operator}`")),
        _ => place,
    };
    let expected = match place {
        Some(place) if !expected.is_empty() => format!("{expected} {place}"),
        _ => expected,
    };
    let message = match (expected.is_empty(), err.variant.message().contains("limit reached")) {
        (_, true) => "statement too complex to parse".to_string(),
        _ if malformed_string_at(text, pos) => {
            format!(
                "invalid string literal {found}: an escape such as `\\uXXXX` is malformed or the quote is not closed"
            )
        }
        (_, false) if pos == 0 => {
            format!("expected a clause (MATCH, CREATE, RETURN, …) or a command (CREATE INDEX, SHOW, …), found {found}")
        }
        (true, false) => format!("unexpected {found}"),
        (false, false) => format!("expected {expected}, found {found}"),
    };
    let message = match suggestion {
        Some(keyword) => format!("{message}; did you mean `{keyword}`?"),
        None => message,
    };
    Failure { span, message: with_statement(message, text) }
}

fn with_statement(message: String, text: &str) -> String {
    match statement_kind(text) {
        Some(kind) => format!("{message} (in {kind} statement)"),
        None => message,
    }
}

/// Keywords that start a clause: listed as "a clause" when a clause may follow.
const CLAUSE_KEYWORDS: &[&str] = &[
    "CALL", "CREATE", "DELETE", "DETACH", "FINISH", "FOREACH", "LOAD", "MATCH", "MERGE", "NODETACH", "OPTIONAL",
    "REMOVE", "RETURN", "SET", "START", "UNWIND", "USE", "WITH", "INSERT", "ORDER", "SKIP", "OFFSET", "LIMIT",
];

/// A misspelt keyword: the word found is within two edits of one that was expected there.
fn did_you_mean(text: &str, pos: usize, expected_keywords: &BTreeSet<String>) -> Option<String> {
    let rest = &text[pos..];
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    if word.len() < 3 || expected_keywords.contains(&word.to_ascii_uppercase()) {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    expected_keywords
        .iter()
        .filter(|k| k.len() >= 3)
        .map(|k| (edit_distance(&upper, k), k))
        .filter(|(d, k)| *d <= 1 || (*d == 2 && k.len() >= 5))
        .min()
        .map(|(_, k)| k.clone())
}

/// A keyword that matched the start of the word found (`DESC` of `DESCC`): pest got that far
/// inside the word before the keyword's word boundary failed, so the keyword is what it read.
fn keyword_prefix(text: &str, pos: usize, farthest: usize) -> Option<String> {
    let prefix = text.get(pos..farthest)?;
    let word_len: usize =
        text[pos..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum();
    let plausible = prefix.len() >= 2 && prefix.chars().all(|c| c.is_ascii_alphabetic()) && farthest < pos + word_len;
    plausible.then(|| prefix.to_ascii_uppercase())
}

/// A string literal starts at `pos` and is unterminated or holds a bad escape.
fn malformed_string_at(text: &str, pos: usize) -> bool {
    let rest = &text[pos..];
    let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else { return false };
    let mut chars = rest[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if hex.len() < 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                        return true;
                    }
                }
                Some(_) => {}
                None => return true,
            },
            c if c == quote => return false,
            _ => {}
        }
    }
    true
}

fn keyword_of(rule: Rule) -> Option<String> {
    let name = format!("{rule:?}");
    name.strip_prefix("K_").map(|k| k.to_string())
}

fn join_alternatives(items: &[String]) -> String {
    const MAX: usize = 8;
    let shown: Vec<&String> = items.iter().take(MAX).collect();
    let more = items.len().saturating_sub(MAX);
    match shown.as_slice() {
        [] => String::new(),
        [one] if more == 0 => one.to_string(),
        _ if more > 0 => {
            let list = shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            format!("{list} or {more} other token{}", if more == 1 { "" } else { "s" })
        }
        [init @ .., last] => {
            let list = init.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            format!("{list} or {last}")
        }
    }
}

/// What stands at `pos`, as the user sees it: `` `SET` ``, `` `)` ``, or "the end of the statement".
fn found_token(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else { return ("the end of the statement".to_string(), 0) };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
    } else if first == '\'' || first == '"' {
        rest[1..].find(first).map_or(rest.len(), |p| p + 2)
    } else {
        ["<>", "<=", ">=", "=~", "+=", "!=", "..", "::", "||", "->", "<-", "--"]
            .iter()
            .find(|op| rest.starts_with(*op))
            .map_or(first.len_utf8(), |op| op.len())
    };
    let token = &rest[..len];
    let shown: String = token.chars().take(40).collect();
    let shown = if shown.len() < token.len() { format!("{shown}…") } else { shown };
    (format!("`{shown}`"), len)
}

fn inside_word(text: &str, pos: usize) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text.get(..pos).and_then(|t| t.chars().last()).is_some_and(is_word);
    let after = text.get(pos..).and_then(|t| t.chars().next()).is_some_and(is_word);
    before && after
}

fn floor_char_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// "a CREATE CONSTRAINT", "a MATCH", …: the statement's leading keywords.
pub(crate) fn statement_kind(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let first = words.first()?.as_str();
    let second = words.get(1).map(String::as_str).unwrap_or("");
    let kind = match first {
        "CREATE" | "DROP" => match second {
            "CONSTRAINT" | "INDEX" | "DATABASE" | "ALIAS" | "USER" | "ROLE" => format!("{first} {second}"),
            "OR" | "RANGE" | "TEXT" | "POINT" | "FULLTEXT" | "LOOKUP" | "VECTOR" | "BTREE" => {
                format!("{first} INDEX")
            }
            _ => first.to_string(),
        },
        "OPTIONAL" => "OPTIONAL MATCH".to_string(),
        "MATCH" | "MERGE" | "WITH" | "UNWIND" | "RETURN" | "CALL" | "LOAD" | "USING" | "SHOW" | "TERMINATE"
        | "FOREACH" | "SET" | "REMOVE" | "DELETE" | "DETACH" | "USE" | "GRANT" | "REVOKE" | "DENY" | "ALTER" => {
            if first == "LOAD" {
                "LOAD CSV".to_string()
            } else {
                first.to_string()
            }
        }
        _ => return None,
    };
    let article = if kind.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" };
    Some(format!("{article} {kind}"))
}
