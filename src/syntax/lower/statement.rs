//! One statement: prefixes and body.

use super::expr::internal;
use super::{LResult, Lowerer, Pair};
use crate::ast::*;
use crate::syntax::grammar::Rule;

impl Lowerer {
    /// Lowers a `statement` pair. `span` is the statement's span in the file.
    pub(crate) fn statement(&self, pair: Pair, span: crate::span::Span) -> LResult<Statement> {
        let mut prefixes = Vec::new();
        let mut kind = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::statement_prefix => prefixes.push(self.prefix(p)?),
                Rule::EOI => {}
                _ => kind = Some(self.statement_body(p)?),
            }
        }
        let kind = kind.ok_or_else(|| internal(span))?;
        Ok(Statement { span, prefixes, kind })
    }

    fn prefix(&self, pair: Pair) -> LResult<StatementPrefix> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or_else(|| internal(span))?;
        Ok(match inner.as_rule() {
            Rule::K_EXPLAIN => StatementPrefix::Explain { span },
            Rule::K_PROFILE => StatementPrefix::Profile { span },
            _ => {
                let text = inner.as_str();
                let options = text.get(6..).unwrap_or("").trim().to_string();
                StatementPrefix::Cypher { span, options }
            }
        })
    }

    fn statement_body(&self, pair: Pair) -> LResult<StatementKind> {
        Ok(match pair.as_rule() {
            Rule::create_constraint => {
                StatementKind::Schema(SchemaCommand::CreateConstraint(self.create_constraint(pair)?))
            }
            Rule::drop_constraint => StatementKind::Schema(SchemaCommand::DropConstraint(self.drop_constraint(pair)?)),
            Rule::create_index => StatementKind::Schema(SchemaCommand::CreateIndex(self.create_index(pair)?)),
            Rule::drop_index => StatementKind::Schema(SchemaCommand::DropIndex(self.drop_index(pair)?)),
            Rule::show_command => self.show_command(pair)?,
            Rule::terminate_command => StatementKind::Terminate(self.terminate_command(pair)?),
            Rule::admin_command => StatementKind::Admin(self.admin_command(pair)?),
            _ => StatementKind::Query(self.regular_query(pair)?),
        })
    }
}
