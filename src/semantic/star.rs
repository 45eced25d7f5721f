//! `RETURN *` with nothing in scope (`MATCH () RETURN *`): Neo4j refuses it ("RETURN * is not
//! allowed when there are no variables in scope"). Only a statement's own top-level queries are
//! checked, up to the first clause that may bind a name: a subquery or a procedure's Cypher may
//! see variables from outside.

use super::scope::part_variables;
use super::{Analysis, ErrorKind, QueryContext};
use crate::ast::{Clause, PatternPart};

pub(super) fn check_single(cx: &mut Analysis, clauses: &[Clause], context: QueryContext) {
    if context != QueryContext::Statement || cx.outer_bound {
        return;
    }
    for c in clauses {
        match c {
            Clause::Return(r) if r.projection.star => {
                let message = "RETURN * is not allowed when there are no variables in scope";
                cx.error(ErrorKind::NoVariables, r.span, message).help =
                    Some("nothing before it names a variable: name the pattern elements, or return expressions".into());
                return;
            }
            Clause::With(w) if w.projection.items.is_empty() => {}
            Clause::Match(m) if binds_nothing(&m.pattern.parts) => {}
            Clause::Create(create) if binds_nothing(&create.pattern.parts) => {}
            Clause::Merge(merge) if binds_nothing(std::slice::from_ref(&merge.pattern)) => {}
            Clause::Use(_) | Clause::Set(_) | Clause::Remove(_) | Clause::Delete(_) | Clause::Foreach(_) => {}
            _ => return,
        }
    }
}

fn binds_nothing(parts: &[PatternPart]) -> bool {
    parts.iter().all(|p| part_variables(p).is_empty())
}
