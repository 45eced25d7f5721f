//! The grammar (grammar/*.pest) and its lowering into [`crate::ast`]. This is the only module
//! that imports pest; its public surface is [`parse`].
//!
//! Lines for the program that runs the script (cypher-shell `:begin`, neo4j-shell `COMMIT`,
//! Liquibase `-- changeset`, `-- +migrate Down`) are found first ([`framing`]), kept as
//! comments and turned into statement separators of the same length.
//!
//! A file is then parsed in three steps: the `script_chunks` rule splits it at top-level `;` and
//! collects comments; each statement is pre-scanned for nesting depth (so pest never recurses
//! without bound); then it is parsed with the `statement` rule and lowered into the AST. A bad
//! statement becomes one [`SyntaxError`] and the others are still parsed.

mod budget;
mod depth;
mod embedded;
mod errors;
mod framing;
mod grammar;
mod lower;
mod placeholder;
mod split;

pub use embedded::cypher_arguments;
pub use framing::tool_marker_section;

use crate::ast::{Clause, Script, Statement, StatementKind, SyntaxError};
use crate::span::Span;
use grammar::{CypherParser, Rule};
use pest::Parser;
use std::sync::Arc;

/// Parses a whole file: every statement, every comment; a bad statement is reported and the
/// following statements are still parsed.
pub fn parse(text: &str) -> Script {
    let framing = framing::find(text);
    let blanked;
    let text = if framing.is_empty() {
        text
    } else {
        blanked = framing::blank_out(text, &framing);
        blanked.as_str()
    };
    let placeholders = if text.contains("${") { placeholder::find(text) } else { Vec::new() };
    let substituted;
    let original = text;
    let text = if placeholders.iter().any(|p| p.in_code) {
        substituted = placeholder::substitute(text, &placeholders, placeholder::Stand::ByContext);
        substituted.as_str()
    } else {
        text
    };
    let split = budget::with_room_for(text.len(), || split::split(text));
    let comments: Vec<Span> = split.comments.iter().map(|c| c.span).collect();
    let mut all_comments = split.comments;
    if !framing.is_empty() {
        all_comments.extend(framing);
        all_comments.sort_by_key(|c| c.span.start);
    }
    let mut script = Script { statements: Vec::new(), errors: Vec::new(), comments: all_comments, placeholders };
    let mut other_stand_ins: Option<[String; 2]> = None;
    for span in split.statements {
        match parse_statement(text, span, &comments, None) {
            Ok(mut statement) => {
                embedded::attach(&mut statement, &embedded::Parsed { text, file_offsets: None, depth: 0 });
                script.statements.push(statement)
            }
            Err(_) if script.placeholders_in(span).any(|p| p.in_code) => {
                let others = other_stand_ins.get_or_insert_with(|| {
                    [placeholder::Stand::Identifier, placeholder::Stand::Parameter]
                        .map(|stand| placeholder::substitute(original, &script.placeholders, stand))
                });
                // When none parses, what the placeholders stand for decides whether the
                // statement does: unknown here, so no syntax error is claimed.
                let parsed = others.iter().find_map(|t| parse_statement(t, span, &comments, None).ok().map(|s| (s, t)));
                if let Some((mut statement, t)) = parsed {
                    embedded::attach(&mut statement, &embedded::Parsed { text: t, file_offsets: None, depth: 0 });
                    script.statements.push(statement);
                }
            }
            Err(error) => script.errors.push(error),
        }
    }
    for comment in split.unterminated_comments {
        script.errors.push(SyntaxError {
            span: Span::new(comment.start, comment.start + 2),
            statement_span: comment,
            message: "unterminated comment: `/*` without `*/`".to_string(),
        });
    }
    script.errors.sort_by_key(|e| e.span.start);
    script
}

/// For the parse benchmark only: splits `text` and runs the `statement` rule over each statement,
/// without lowering, so the grammar's share of [`parse`] can be measured apart. Returns how many
/// statements the grammar accepted.
#[doc(hidden)]
pub fn grammar_only(text: &str) -> usize {
    let split = budget::with_room_for(text.len(), || split::split(text));
    let accepted = |span: &Span| {
        let statement = &text[span.start..span.end];
        budget::with_budget_for(statement.len(), || CypherParser::parse(Rule::statement, statement).is_ok())
    };
    split.statements.iter().filter(|span| accepted(span)).count()
}

/// Parses one statement (its span excludes the `;` and surrounding comments); `comments` are
/// the file's comments, in order. `file_offsets` maps the offsets of Cypher unescaped from a
/// string literal into the file (see [`embedded`]): every span returned is a file span.
fn parse_statement(
    file: &str,
    span: Span,
    comments: &[Span],
    file_offsets: Option<&Arc<[usize]>>,
) -> Result<Statement, SyntaxError> {
    let text = &file[span.start..span.end];
    let to_file = |s: Span| file_offsets.map_or(s, |map| embedded::to_file(map, s));
    let (nesting, too_deep_at) = depth::max_nesting(text, depth::MAX_NESTING);
    if let Some(at) = too_deep_at {
        return Err(SyntaxError {
            span: to_file(Span::new(span.start + at, span.start + at + 1)),
            statement_span: to_file(span),
            message: format!("nesting too deep (more than {} levels)", depth::MAX_NESTING),
        });
    }
    let lowerer = lower::Lowerer::mapped(span, comments, file_offsets.cloned());
    if nesting > depth::BIG_STACK_NESTING {
        return on_big_stack(text, lowerer);
    }
    parse_and_lower(text, &lowerer)
}

/// Deeply nested (but accepted) statements get a thread with a stack sized for them.
fn on_big_stack(text: &str, lowerer: lower::Lowerer) -> Result<Statement, SyntaxError> {
    let owned = text.to_string();
    let span = lowerer.statement_span();
    let worker = std::thread::Builder::new()
        .name("cymig-parse".to_string())
        .stack_size(512 << 20)
        .spawn(move || parse_and_lower(&owned, &lowerer));
    match worker.map(|h| h.join()) {
        Ok(Ok(result)) => result,
        _ => {
            Err(SyntaxError { span, statement_span: span, message: "statement too deeply nested to parse".to_string() })
        }
    }
}

fn parse_and_lower(text: &str, lowerer: &lower::Lowerer) -> Result<Statement, SyntaxError> {
    budget::with_budget_for(text.len(), || lower_statement(text, lowerer))
}

fn lower_statement(text: &str, lowerer: &lower::Lowerer) -> Result<Statement, SyntaxError> {
    let span = lowerer.statement_span();
    let pairs = match CypherParser::parse(Rule::statement, text) {
        Ok(pairs) => pairs,
        Err(_) => return Err(detailed_error(text, lowerer)),
    };
    let Some(root) = pairs.into_iter().next() else {
        return Err(SyntaxError { span, statement_span: span, message: "empty statement".to_string() });
    };
    let statement = lowerer.statement(root, span).map_err(|e| SyntaxError {
        span: e.span,
        statement_span: span,
        message: e.message,
    })?;
    check_procedure_calls(&statement)?;
    Ok(statement)
}

/// Parses again with pest's error detail on (slower, so only on failure) and describes it.
fn detailed_error(text: &str, lowerer: &lower::Lowerer) -> SyntaxError {
    let span = lowerer.statement_span();
    let result = with_error_detail(|| CypherParser::parse(Rule::statement, text).map(drop).map_err(Box::new));
    let failure = match result {
        Err(err) => errors::describe_failure(&err, text, lowerer.offset()),
        Ok(_) => errors::Failure { span, message: "syntax error".to_string() },
    };
    SyntaxError { span: lowerer.file_span(failure.span), statement_span: span, message: failure.message }
}

/// pest's error detail is a process-wide switch read when a parse starts: detailed parses take
/// turns, so that none can switch it off while another is about to start. (Parses that start
/// meanwhile merely collect detail they do not need.)
fn with_error_detail<T>(parse: impl FnOnce() -> T) -> T {
    static DETAILED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = DETAILED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    pest::set_error_detail(true);
    let result = parse();
    pest::set_error_detail(false);
    result
}

/// Neo4j's grammar rules on in-query procedure calls: arguments must be explicit and
/// `YIELD *` is only for a standalone call.
fn check_procedure_calls(statement: &Statement) -> Result<(), SyntaxError> {
    let StatementKind::Query(query) = &statement.kind else { return Ok(()) };
    for single in query.single_queries() {
        if single.clauses.len() < 2 {
            continue;
        }
        for clause in &single.clauses {
            let Clause::CallProcedure(call) = clause else { continue };
            let message = if call.args.is_none() {
                "a procedure called inside a query needs explicit arguments in parentheses"
            } else if call.yield_.as_ref().is_some_and(|y| y.star) {
                "`YIELD *` is only allowed when the procedure call is the whole query"
            } else {
                continue;
            };
            return Err(SyntaxError {
                span: call.procedure.span,
                statement_span: statement.span,
                message: message.to_string(),
            });
        }
    }
    Ok(())
}
