//! Node, relationship and path patterns, and label expressions.

use super::{Expr, Name};
use crate::span::Span;
use serde::Serialize;

/// A comma-separated list of path patterns, as in `MATCH (a), (b)-->(c)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pattern {
    pub span: Span,
    pub parts: Vec<PatternPart>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternPart {
    pub span: Span,
    /// `p = …`.
    pub variable: Option<Name>,
    /// `shortestPath(…)`, `ANY SHORTEST …`, `ALL …` and friends.
    pub selector: Option<PathSelector>,
    pub path: PathPattern,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PathSelector {
    /// Legacy function forms `shortestPath(…)` / `allShortestPaths(…)`.
    ShortestPathFunction { span: Span, all: bool },
    /// GQL selectors (`ANY SHORTEST`, `ALL SHORTEST`, `SHORTEST k [GROUPS]`, `ANY [k]`, `ALL`),
    /// kept as written.
    Gql { span: Span, text: String },
}

/// A sequence of nodes, relationships and parenthesized sub-paths.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathPattern {
    pub span: Span,
    pub elements: Vec<PathElement>,
}

// See `Clause`: built once, walked many times.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PathElement {
    Node(NodePattern),
    Relationship(RelationshipPattern),
    /// `((a)-[r]->(b) WHERE … ){1,3}`: a quantified (or merely parenthesized) path pattern.
    Parenthesized(ParenthesizedPath),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodePattern {
    pub span: Span,
    pub variable: Option<Name>,
    pub labels: Option<LabelExpr>,
    /// A map literal or a parameter.
    pub properties: Option<Expr>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RelationshipPattern {
    pub span: Span,
    pub direction: Direction,
    pub variable: Option<Name>,
    pub types: Option<LabelExpr>,
    /// `*`, `*2`, `*1..3`, `*..`: variable length.
    pub length: Option<RangeQuantifier>,
    pub properties: Option<Expr>,
    pub where_: Option<Expr>,
    /// A GQL quantifier written right after the relationship: `-[:R]->{1,3}`, `-->+`.
    pub quantifier: Option<Quantifier>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// `-->`
    Outgoing,
    /// `<--`
    Incoming,
    /// `--` (or `<-->`)
    Either,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RangeQuantifier {
    pub span: Span,
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    /// `*` alone, or `*n` without `..` (then min == max).
    pub exact: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParenthesizedPath {
    pub span: Span,
    pub pattern: Box<PatternPart>,
    pub where_: Option<Expr>,
    pub quantifier: Option<Quantifier>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Quantifier {
    /// `{m,n}`, `{m,}`, `{,n}`, `{n}`.
    Range { span: Span, min: Option<u64>, max: Option<u64> },
    /// `+`
    Plus { span: Span },
    /// `*`
    Star { span: Span },
}

impl Quantifier {
    pub fn span(&self) -> Span {
        match self {
            Quantifier::Range { span, .. } | Quantifier::Plus { span } | Quantifier::Star { span } => *span,
        }
    }
}

/// Label and relationship-type expressions: `:A:B`, `:A|B`, `:A&!B`, `:%`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LabelExpr {
    Name(Name),
    /// `%`: any label.
    Wildcard(Span),
    /// `:A:B` (legacy colon conjunction) and `A&B`.
    And(Span, Vec<LabelExpr>),
    /// `A|B` (and the legacy `:A|:B`).
    Or(Span, Vec<LabelExpr>),
    Not(Span, Box<LabelExpr>),
    /// `$(expr)` dynamic labels (`:$(x)` / `:$any(x)` / `:$all(x)`).
    Dynamic(Span, Box<Expr>),
}

impl LabelExpr {
    pub fn span(&self) -> Span {
        match self {
            LabelExpr::Name(n) => n.span,
            LabelExpr::Wildcard(s)
            | LabelExpr::And(s, _)
            | LabelExpr::Or(s, _)
            | LabelExpr::Not(s, _)
            | LabelExpr::Dynamic(s, _) => *s,
        }
    }

    /// Labels every match is guaranteed to carry: the names of a plain conjunction
    /// (`:A:B`, `A&B`), nothing for disjunctions, negations and wildcards.
    pub fn required_names(&self) -> Vec<&Name> {
        match self {
            LabelExpr::Name(n) => vec![n],
            LabelExpr::And(_, parts) => parts.iter().flat_map(|p| p.required_names()).collect(),
            _ => Vec::new(),
        }
    }
}
