//! Cypher inside string arguments of APOC procedures (`CALL apoc.periodic.iterate('MATCH (n)
//! RETURN n', 'DETACH DELETE n', {batchSize: 1000})`), parsed where it stands.
//!
//! A string literal's content is unescaped with the offset each of its bytes comes from, and
//! every span the parser gives its statements goes through those offsets, so a finding in the
//! string points at the line and column inside the string in the file, escapes counted. A
//! string in a string (`apoc.cypher.run('CALL apoc.periodic.commit(\'…\')')`) composes the
//! two maps.
//!
//! Runs after its statement is parsed and lowered, outside the statement's parse budget (the
//! budget gate is not re-entrant), one statement at a time.

use super::{budget, lower::unescape_with_offsets, parse_statement, split};
use crate::ast::{
    CallProcedureClause, Clause, EmbeddedCypher, EmbeddedRole, Expr, ExprKind, Literal, Query, Statement,
    StatementKind, SyntaxError,
};
use crate::span::Span;
use std::sync::Arc;

/// Strings in strings are followed this deep; deeper ones are left unparsed.
const MAX_DEPTH: usize = 3;

/// A procedure that runs Cypher given as a string: which arguments hold it, how it runs them,
/// and where the parameters it passes come from (APOC binds them as variables too).
struct Procedure {
    name: &'static str,
    cypher: &'static [(usize, EmbeddedRole)],
    params: Params,
}

enum Params {
    /// The map argument at this position.
    Map(usize),
    /// The `params` entry of the config map at this position.
    Config(usize),
}

use EmbeddedRole::*;

/// The procedures whose string arguments are parsed (compared without case, as the rest of
/// cymig names procedures).
const PROCEDURES: &[Procedure] = &[
    Procedure { name: "apoc.periodic.iterate", cypher: &[(0, Driving), (1, PerBatch)], params: Params::Config(2) },
    Procedure { name: "apoc.periodic.commit", cypher: &[(0, Repeated)], params: Params::Map(1) },
    Procedure { name: "apoc.periodic.submit", cypher: &[(1, Background)], params: Params::Map(2) },
    Procedure { name: "apoc.periodic.repeat", cypher: &[(1, Background)], params: Params::Config(3) },
    Procedure { name: "apoc.periodic.countdown", cypher: &[(1, Background)], params: Params::Map(3) },
    Procedure { name: "apoc.cypher.run", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.cypher.doIt", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.cypher.runWrite", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.cypher.runSchema", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.cypher.runMany", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.cypher.runTimeboxed", cypher: &[(0, Inline)], params: Params::Map(1) },
    Procedure { name: "apoc.when", cypher: &[(1, Inline), (2, Inline)], params: Params::Map(3) },
    Procedure { name: "apoc.do.when", cypher: &[(1, Inline), (2, Inline)], params: Params::Map(3) },
];

/// How many string arguments of the procedure `name` hold Cypher (0 for any other procedure).
pub fn cypher_arguments(name: &str) -> usize {
    PROCEDURES.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map_or(0, |p| p.cypher.len())
}

/// The text a statement was parsed from and where that text is in the file.
pub(super) struct Parsed<'t> {
    pub text: &'t str,
    /// `None` for the file itself; else the file offset of each byte of `text`, and of its end.
    pub file_offsets: Option<&'t Arc<[usize]>>,
    /// How many strings `text` is inside.
    pub depth: usize,
}

/// A span of unescaped text moved to the file.
pub(super) fn to_file(file_offsets: &[usize], span: Span) -> Span {
    let at = |i: usize| file_offsets.get(i).or(file_offsets.last()).copied().unwrap_or(0);
    Span::new(at(span.start), at(span.end))
}

/// A file span back in `parsed`'s text: exact, since file offsets strictly increase.
fn from_file(parsed: &Parsed, span: Span) -> Option<Span> {
    let Some(map) = parsed.file_offsets else { return Some(span) };
    let local = |offset: usize| {
        let i = map.partition_point(|&f| f < offset);
        (map.get(i) == Some(&offset)).then_some(i)
    };
    Some(Span::new(local(span.start)?, local(span.end)?))
}

/// Parses the Cypher of every known procedure call in `statement` and attaches it to the call.
pub(super) fn attach(statement: &mut Statement, parsed: &Parsed) {
    if parsed.depth >= MAX_DEPTH {
        return;
    }
    let StatementKind::Query(query) = &mut statement.kind else { return };
    for_each_call(query, &mut |call| attach_to_call(call, parsed));
}

fn for_each_call(query: &mut Query, f: &mut dyn FnMut(&mut CallProcedureClause)) {
    let mut parts: Vec<&mut crate::ast::SingleQuery> = vec![&mut query.first];
    parts.extend(query.unions.iter_mut().map(|u| &mut u.query));
    for part in parts {
        for_each_call_in(&mut part.clauses, f);
    }
}

fn for_each_call_in(clauses: &mut [Clause], f: &mut dyn FnMut(&mut CallProcedureClause)) {
    for clause in clauses {
        match clause {
            Clause::CallProcedure(call) => f(call),
            Clause::CallSubquery(sub) => for_each_call(&mut sub.body, f),
            Clause::Foreach(each) => for_each_call_in(&mut each.clauses, f),
            _ => {}
        }
    }
}

fn attach_to_call(call: &mut CallProcedureClause, parsed: &Parsed) {
    let name = call.procedure.dotted();
    let Some(procedure) = PROCEDURES.iter().find(|p| p.name.eq_ignore_ascii_case(&name)) else { return };
    let Some(args) = &call.args else { return };
    let params = params_of(args, &procedure.params);
    for &(argument, role) in procedure.cypher {
        let Some(ExprKind::Literal(Literal::String(lit))) = args.get(argument).map(|a| &a.kind) else { continue };
        let Some((statements, errors)) = parse_literal(lit.span, parsed) else { continue };
        let bound = match role {
            PerBatch => driving_columns(&call.embedded).and_then(|columns| {
                params.clone().map(|p| columns.into_iter().chain(p).chain(["_batch".to_string()]).collect())
            }),
            _ => params.clone(),
        };
        call.embedded.push(EmbeddedCypher { span: lit.span, argument, role, bound, statements, errors });
    }
}

/// The parameter names a call passes: `Some(empty)` when it passes none, `None` when they
/// cannot be known (a `$params` map).
fn params_of(args: &[Expr], params: &Params) -> Option<Vec<String>> {
    let map_keys = |e: Option<&Expr>| match e.map(|e| &e.kind) {
        None | Some(ExprKind::Literal(Literal::Null)) => Some(Vec::new()),
        Some(ExprKind::Map(m)) => Some(m.entries.iter().map(|e| e.key.value.clone()).collect()),
        Some(_) => None,
    };
    match *params {
        Params::Map(i) => map_keys(args.get(i)),
        Params::Config(i) => match args.get(i).map(|e| &e.kind) {
            None | Some(ExprKind::Literal(Literal::Null)) => Some(Vec::new()),
            Some(ExprKind::Map(m)) => map_keys(m.entries.iter().find(|e| e.key.value == "params").map(|e| &e.value)),
            Some(_) => None,
        },
    }
}

/// The columns `apoc.periodic.iterate`'s driving statement returns, which its action sees as
/// variables; `None` unless every column has a name known here.
fn driving_columns(embedded: &[EmbeddedCypher]) -> Option<Vec<String>> {
    let driving = embedded.iter().find(|e| e.role == Driving)?;
    let [statement] = driving.statements.as_slice() else { return None };
    let query = statement.as_query()?;
    let Some(Clause::Return(ret)) = query.first.clauses.last() else { return None };
    if ret.projection.star {
        return None;
    }
    let name = |item: &crate::ast::ProjectionItem| match (&item.alias, &item.expr.kind) {
        (Some(alias), _) => Some(alias.value.clone()),
        (None, ExprKind::Variable(v)) => Some(v.value.clone()),
        _ => None,
    };
    ret.projection.items.iter().map(name).collect()
}

/// Parses the Cypher in the string literal at `literal` (a file span); `None` when the literal
/// cannot be read back (it always can: its span came from this text).
fn parse_literal(literal: Span, parsed: &Parsed) -> Option<(Vec<Statement>, Vec<SyntaxError>)> {
    let local = from_file(parsed, literal)?;
    let raw = parsed.text.get(local.start..local.end)?;
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    let (content, offsets) = unescape_with_offsets(inner)?;
    let to_parsed = |i: usize| local.start + 1 + i;
    let file_offsets: Arc<[usize]> = match parsed.file_offsets {
        None => offsets.iter().map(|&i| to_parsed(i)).collect(),
        Some(outer) => offsets.iter().map(|&i| outer[to_parsed(i)]).collect(),
    };
    Some(parse_text(&content, &file_offsets, parsed.depth + 1))
}

fn parse_text(text: &str, file_offsets: &Arc<[usize]>, depth: usize) -> (Vec<Statement>, Vec<SyntaxError>) {
    let split = budget::with_room_for(text.len(), || split::split(text));
    let comments: Vec<Span> = split.comments.iter().map(|c| c.span).collect();
    let mut statements = Vec::new();
    let mut errors = Vec::new();
    for span in split.statements {
        match parse_statement(text, span, &comments, Some(file_offsets)) {
            Ok(mut statement) => {
                attach(&mut statement, &Parsed { text, file_offsets: Some(file_offsets), depth });
                statements.push(statement);
            }
            Err(error) => errors.push(error),
        }
    }
    for comment in split.unterminated_comments {
        let span = to_file(file_offsets, comment);
        let message = "unterminated comment: `/*` without `*/`".to_string();
        errors.push(SyntaxError { span: Span::new(span.start, span.start + 2), statement_span: span, message });
    }
    (statements, errors)
}

#[cfg(test)]
mod tests {
    use crate::ast::{Clause, EmbeddedCypher, EmbeddedRole};
    use crate::span::Span;

    fn embedded(text: &str) -> Vec<EmbeddedCypher> {
        let script = crate::syntax::parse(text);
        assert!(script.errors.is_empty(), "{:?}", script.errors);
        let query = script.statements[0].as_query().unwrap();
        query
            .first
            .clauses
            .iter()
            .filter_map(|c| match c {
                Clause::CallProcedure(p) => Some(p.embedded.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn iterate_parses_both_statements_where_they_stand() {
        let text = "CALL apoc.periodic.iterate('MATCH (n:A) RETURN n, n.x AS x', 'DETACH DELETE n', {batchSize: 10})";
        let e = embedded(text);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].role, e[0].argument), (EmbeddedRole::Driving, 0));
        assert_eq!(text_at(text, e[0].statements[0].span), "MATCH (n:A) RETURN n, n.x AS x");
        assert_eq!(text_at(text, e[1].statements[0].span), "DETACH DELETE n");
        assert_eq!(e[1].bound.as_deref(), Some(&["n".to_string(), "x".to_string(), "_batch".to_string()][..]));
    }

    #[test]
    fn spans_skip_escapes_and_strings_in_strings_compose() {
        let text = r#"CALL apoc.cypher.doIt('MATCH (n {name: \'O\\\'Hara\'}) CALL apoc.periodic.commit("MATCH (m) WITH m LIMIT 5 DELETE m RETURN count(*)") YIELD updates RETURN n', {})"#;
        let e = embedded(text);
        let outer = &e[0].statements[0];
        assert!(text_at(text, outer.span).starts_with(r"MATCH (n {name: \'O\\\'Hara\'})"));
        let Some(Clause::CallProcedure(commit)) = outer.as_query().unwrap().first.clauses.get(1) else { panic!() };
        let inner = &commit.embedded[0].statements[0];
        assert_eq!(text_at(text, inner.span), "MATCH (m) WITH m LIMIT 5 DELETE m RETURN count(*)");
        let Some(Clause::Delete(delete)) = inner.as_query().unwrap().first.clauses.get(2) else { panic!() };
        assert_eq!(text_at(text, delete.span), "DELETE m");
    }

    #[test]
    fn bad_cypher_is_kept_as_errors_of_the_string_not_of_the_file() {
        let text = "CALL apoc.cypher.run('MATCH (n RETURN n', {})";
        let e = embedded(text);
        assert!(e[0].statements.is_empty());
        assert_eq!(text_at(text, e[0].errors[0].span), "RETURN");
    }

    #[test]
    fn concatenations_and_parameters_are_not_parsed() {
        let text = "CALL apoc.periodic.iterate('MATCH (n) ' + 'RETURN n', $action, {})";
        assert!(embedded(text).is_empty());
    }
}
