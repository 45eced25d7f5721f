//! Statements: prefixes (`CYPHER`, `EXPLAIN`, `PROFILE`) and what kind of command the body is.

use super::{AdminCommand, Query, SchemaCommand, ShowCommand, TerminateCommand};
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    /// From the first token to the last token, without the terminating `;`.
    pub span: Span,
    /// `CYPHER 5`, `EXPLAIN`, `PROFILE`, in source order.
    pub prefixes: Vec<StatementPrefix>,
    pub kind: StatementKind,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StatementPrefix {
    /// `CYPHER 5`, `CYPHER 25`, `CYPHER runtime=slotted`: the text after `CYPHER`.
    Cypher {
        span: Span,
        options: String,
    },
    Explain {
        span: Span,
    },
    Profile {
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StatementKind {
    Query(Query),
    Schema(SchemaCommand),
    Show(ShowCommand),
    Terminate(TerminateCommand),
    Admin(AdminCommand),
}

impl Statement {
    pub fn as_query(&self) -> Option<&Query> {
        match &self.kind {
            StatementKind::Query(q) => Some(q),
            _ => None,
        }
    }

    pub fn as_schema(&self) -> Option<&SchemaCommand> {
        match &self.kind {
            StatementKind::Schema(s) => Some(s),
            _ => None,
        }
    }
}
