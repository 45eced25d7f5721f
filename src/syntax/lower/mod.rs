//! Lowering: pest pairs of one statement into the typed AST.
//!
//! Recursion here follows the nesting of brackets in the source, which the depth pre-scan has
//! already bounded; operator chains are folded with explicit stacks (see `expr.rs`).

mod clause;
mod expr;
mod literal;
mod pattern;
mod schema;
mod statement;

use super::grammar::Rule;
use crate::ast::{Name, QualifiedName};
use crate::span::Span;

pub(crate) type Pair<'i> = pest::iterators::Pair<'i, Rule>;

/// A problem found while lowering (the grammar accepted the text, the AST cannot hold it).
#[derive(Debug)]
pub(crate) struct LowerError {
    pub span: Span,
    pub message: String,
}

pub(crate) type LResult<T> = Result<T, LowerError>;

/// Lowers the pairs of one statement whose text starts at `offset` in the file.
pub(crate) struct Lowerer {
    offset: usize,
}

impl Lowerer {
    pub(crate) fn new(offset: usize) -> Self {
        Lowerer { offset }
    }

    fn span(&self, pair: &Pair) -> Span {
        let s = pair.as_span();
        Span::new(s.start() + self.offset, s.end() + self.offset)
    }

    fn error(&self, pair: &Pair, message: impl Into<String>) -> LowerError {
        LowerError { span: self.span(pair), message: message.into() }
    }

    /// A name from any rule whose text is a plain or backtick-quoted name.
    fn name(&self, pair: &Pair) -> Name {
        Name { span: self.span(pair), value: unquote_name(pair.as_str()) }
    }

    fn qualified_name(&self, pair: Pair) -> QualifiedName {
        let span = self.span(&pair);
        let parts = pair.into_inner().map(|p| self.name(&p)).collect();
        QualifiedName { span, parts }
    }
}

/// `` `a``b` `` -> ``a`b``; plain names are returned as written.
pub(crate) fn unquote_name(text: &str) -> String {
    if text.len() >= 2 && text.starts_with('`') && text.ends_with('`') {
        text[1..text.len() - 1].replace("``", "`")
    } else {
        text.to_string()
    }
}

/// The first child with this rule, if any.
fn child<'i>(pair: &Pair<'i>, rule: Rule) -> Option<Pair<'i>> {
    pair.clone().into_inner().find(|p| p.as_rule() == rule)
}

fn has_child(pair: &Pair, rule: Rule) -> bool {
    pair.clone().into_inner().any(|p| p.as_rule() == rule)
}
