//! The pest parser generated from grammar/*.pest.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/lexical.pest"]
#[grammar = "../grammar/keywords.pest"]
#[grammar = "../grammar/expressions.pest"]
#[grammar = "../grammar/patterns.pest"]
#[grammar = "../grammar/clauses.pest"]
#[grammar = "../grammar/schema.pest"]
#[grammar = "../grammar/statement.pest"]
pub(crate) struct CypherParser;
