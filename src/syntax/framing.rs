//! Lines that belong to the program that runs a script, not to Cypher: cypher-shell commands
//! (`:begin`, `:commit`, `:param x => 1`, `:use db`), neo4j-shell commands (`BEGIN`, `COMMIT`,
//! `SCHEMA AWAIT`), Liquibase formatted-Cypher lines (`-- changeset author:id`,
//! `-- rollback …`) and migration-tool section markers (`-- +migrate Up`, `-- +neo4go Down`).
//!
//! Neo4j would reject each of these lines, but the tool strips them before Neo4j sees the
//! script, so they are framing, not errors. Each one also ends the statement before it, as it
//! does for the tool (a Liquibase changeset needs no `;`).
//!
//! One linear pass that knows strings, backtick names and comments, so a `:` or `--` inside
//! them is never framing.

use crate::ast::{Comment, CommentKind};
use crate::span::Span;

/// The framing lines of `text`, in order (their span excludes the line break).
pub(crate) fn find(text: &str) -> Vec<Comment> {
    let liquibase = is_liquibase_formatted(text);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut state = State::Code;
    let mut statement_empty = true;
    let mut i = 0;
    let mut at_line_start = true;
    while i < bytes.len() {
        if std::mem::take(&mut at_line_start) && state == State::Code {
            if let Some(comment) = framing_line(text, i, statement_empty, liquibase) {
                i = comment.span.end;
                statement_empty = true;
                found.push(comment);
                continue;
            }
        }
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            at_line_start = true;
            if state == State::LineComment {
                state = State::Code;
            }
            i += 1;
            continue;
        }
        i += match state {
            State::Code => code_byte(bytes, i, &mut state, &mut statement_empty),
            State::Quoted(quote) => quoted_byte(bytes, i, quote, &mut state),
            State::LineComment => 1,
            State::BlockComment => {
                if bytes[i..].starts_with(b"*/") {
                    state = State::Code;
                    2
                } else {
                    1
                }
            }
        };
    }
    found
}

/// `text` with every framing line turned into a statement separator of the same length: its
/// first byte becomes `;`, the rest spaces, so every span in the file stays where it was.
pub(crate) fn blank_out(text: &str, framing: &[Comment]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for line in framing {
        bytes[line.span.start] = b';';
        bytes[line.span.start + 1..line.span.end].fill(b' ');
    }
    // Only whole lines were replaced, each by ASCII: the text is still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Code,
    Quoted(u8),
    LineComment,
    BlockComment,
}

pub(super) fn code_byte(bytes: &[u8], i: usize, state: &mut State, statement_empty: &mut bool) -> usize {
    match bytes[i] {
        b';' => *statement_empty = true,
        b'\'' | b'"' | b'`' => {
            *state = State::Quoted(bytes[i]);
            *statement_empty = false;
        }
        b'/' if bytes.get(i + 1) == Some(&b'/') => {
            *state = State::LineComment;
            return 2;
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => {
            *state = State::BlockComment;
            return 2;
        }
        b' ' | b'\t' => {}
        _ => *statement_empty = false,
    }
    1
}

pub(super) fn quoted_byte(bytes: &[u8], i: usize, quote: u8, state: &mut State) -> usize {
    match bytes[i] {
        b'\\' if quote != b'`' => 2.min(bytes.len() - i),
        b if b == quote => {
            *state = State::Code;
            1
        }
        _ => 1,
    }
}

/// The framing line starting at `line_start`, if it is one.
fn framing_line(text: &str, line_start: usize, statement_empty: bool, liquibase: bool) -> Option<Comment> {
    let rest = &text[line_start..];
    let line_len = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let line = &rest[..line_len];
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let content = line[indent..].trim_end();
    let is_framing = if content.starts_with("--") {
        liquibase || is_tool_marker(content)
    } else {
        statement_empty && (is_cypher_shell_command(content) || is_neo4j_shell_command(content))
    };
    is_framing.then(|| Comment {
        span: Span::new(line_start + indent, line_start + indent + content.len()),
        text: content.to_string(),
        kind: CommentKind::Framing,
    })
}

/// `-- liquibase formatted cypher` (or `sql`, as some Cypher changelogs say) on the first line
/// that is not blank.
fn is_liquibase_formatted(text: &str) -> bool {
    let first = text.trim_start_matches('\u{feff}').lines().map(str::trim).find(|l| !l.is_empty());
    first.is_some_and(|line| {
        let words: Vec<String> = line.trim_start_matches('-').split_whitespace().map(str::to_ascii_lowercase).collect();
        line.starts_with("--") && words.len() >= 2 && words[0] == "liquibase" && words[1] == "formatted"
    })
}

/// `-- +migrate Up`, `-- +neo4go Down`, `-- +goose StatementBegin`: section markers of
/// SQL-style migration tools.
fn is_tool_marker(content: &str) -> bool {
    let mut words = content.trim_start_matches('-').split_whitespace();
    let tool = words.next().unwrap_or("");
    let section = words.next().unwrap_or("").to_ascii_lowercase();
    tool.len() > 1
        && tool.starts_with('+')
        && matches!(section.as_str(), "up" | "down" | "statementbegin" | "statementend")
}

/// The section a tool marker opens: `Some(true)` for `Down`, `Some(false)` for `Up`.
pub fn tool_marker_section(content: &str) -> Option<bool> {
    if !is_tool_marker(content) {
        return None;
    }
    let section = content.trim_start_matches('-').split_whitespace().nth(1)?.to_ascii_lowercase();
    match section.as_str() {
        "down" => Some(true),
        "up" => Some(false),
        _ => None,
    }
}

/// `:begin`, `:commit`, `:rollback`, `:param …`, `:params`, `:use db` and the other
/// cypher-shell commands: a `:` and a letter at the start of a statement.
fn is_cypher_shell_command(content: &str) -> bool {
    content.strip_prefix(':').is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// neo4j-shell (Neo4j 3.x): `BEGIN [TRANSACTION]`, `COMMIT`, `ROLLBACK`, `SCHEMA AWAIT`, each a
/// whole line, optionally ending in `;`.
fn is_neo4j_shell_command(content: &str) -> bool {
    let words: Vec<String> = content.trim_end_matches(';').split_whitespace().map(str::to_ascii_lowercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(words.as_slice(), ["begin"] | ["begin", "transaction"] | ["commit"] | ["rollback"] | ["schema", "await"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|c| &text[c.span.start..c.span.end]).collect()
    }

    #[test]
    fn shell_commands_frame_only_at_the_start_of_a_statement() {
        let text = ":begin\nCREATE (n)\n:commit;\n:param x => 'a;b';\nRETURN 1;\nBEGIN\nCOMMIT\nschema await\n";
        assert_eq!(lines(text), [":begin", ":param x => 'a;b';", "BEGIN", "COMMIT", "schema await"]);
    }

    #[test]
    fn nothing_inside_strings_names_or_comments_is_framing() {
        let text = "RETURN 'x\n:begin\n';\nRETURN `a\nBEGIN`;\n/*\n:use x\n*/ RETURN 1;\n// :use y\n:use z\n";
        assert_eq!(lines(text), [":use z"]);
    }

    #[test]
    fn double_dash_lines_frame_in_liquibase_changelogs_and_as_tool_markers() {
        let liquibase =
            "-- liquibase formatted cypher\n-- changeset a:1\nCREATE (:A)\n-- rollback MATCH (a:A) DELETE a\n";
        assert_eq!(lines(liquibase).len(), 3);
        let plain = "-- a comment Neo4j rejects\nCREATE (:A);\n-- +migrate Down\nMATCH (a:A) DELETE a;\n";
        assert_eq!(lines(plain), ["-- +migrate Down"]);
        assert_eq!(tool_marker_section("-- +migrate Down"), Some(true));
        assert_eq!(tool_marker_section("-- +neo4go Up"), Some(false));
    }

    #[test]
    fn carriage_returns_end_lines_too() {
        let text = "RETURN 1;\r:use foo;\rRETURN 2;\r\n:commit\r\n";
        assert_eq!(lines(text), [":use foo;", ":commit"]);
    }

    #[test]
    fn blanking_keeps_every_offset_and_separates_statements() {
        let text = "-- liquibase formatted cypher\n-- changeset a:1\nCREATE (:Ä)\n-- changeset a:2\nRETURN 1";
        let blanked = blank_out(text, &find(text));
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.matches(';').count(), 3);
        assert!(blanked.contains("CREATE (:Ä)"));
    }
}
