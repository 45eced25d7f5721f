//! Expressions.

use super::{LabelExpr, Literal, Name, Parameter, PathPattern, Pattern, PatternPart, QualifiedName, Query};
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    Literal(Literal),
    Parameter(Parameter),
    Variable(Name),
    /// `subject.key`
    Property {
        subject: Box<Expr>,
        key: Name,
    },
    /// `subject[index]` (list index, map or dynamic property access).
    Index {
        subject: Box<Expr>,
        index: Box<Expr>,
    },
    /// `subject[from..to]`.
    Slice {
        subject: Box<Expr>,
        from: Option<Box<Expr>>,
        to: Option<Box<Expr>>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `x IS [NOT] NULL`.
    IsNull {
        operand: Box<Expr>,
        negated: bool,
    },
    /// `x IS [NOT] :: TYPE` (also `x :: TYPE`, `x IS [NOT] TYPED TYPE`); the type as written.
    IsType {
        operand: Box<Expr>,
        negated: bool,
        type_name: String,
    },
    /// `x IS [NOT] [NFC|NFD|NFKC|NFKD] NORMALIZED`.
    IsNormalized {
        operand: Box<Expr>,
        negated: bool,
        form: Option<NormalForm>,
    },
    /// A bare normal form, as the second argument of `normalize(s, NFKC)`.
    NormalForm(NormalForm),
    /// `trim([BOTH|LEADING|TRAILING] [characters] FROM source)`; a plain `trim(s)` is a
    /// [`ExprKind::FunctionCall`].
    Trim {
        side: Option<TrimSide>,
        characters: Option<Box<Expr>>,
        source: Box<Expr>,
    },
    /// The subject of the enclosing simple CASE, implicit in an extended `WHEN`: `CASE x WHEN > 5`
    /// holds `CaseSubject > 5` (an empty span where the comparison starts).
    CaseSubject,
    /// `n:Label` / `n IS Label` as a predicate.
    LabelCheck {
        subject: Box<Expr>,
        labels: LabelExpr,
    },
    /// `f(args)`, `ns.f(DISTINCT args)`; `count(*)` is [`ExprKind::CountStar`].
    FunctionCall {
        name: QualifiedName,
        distinct: bool,
        args: Vec<Expr>,
    },
    CountStar,
    List(Vec<Expr>),
    Map(MapLiteral),
    /// `CASE [subject] WHEN … THEN … [ELSE …] END`.
    Case {
        subject: Option<Box<Expr>>,
        alternatives: Vec<CaseAlternative>,
        default: Option<Box<Expr>>,
    },
    /// `[x IN list WHERE pred | map]`.
    ListComprehension {
        variable: Name,
        list: Box<Expr>,
        where_: Option<Box<Expr>>,
        map: Option<Box<Expr>>,
    },
    /// `[p = (a)-->(b) WHERE pred | map]`.
    PatternComprehension {
        variable: Option<Name>,
        pattern: Box<PathPattern>,
        where_: Option<Box<Expr>>,
        map: Box<Expr>,
    },
    /// `all(x IN list WHERE pred)` and friends.
    Quantified {
        quantifier: ListQuantifier,
        variable: Name,
        list: Box<Expr>,
        where_: Option<Box<Expr>>,
    },
    /// `reduce(acc = init, x IN list | expr)`.
    Reduce {
        accumulator: Name,
        init: Box<Expr>,
        variable: Name,
        list: Box<Expr>,
        expr: Box<Expr>,
    },
    /// `n { .a, b: expr, .*, v }`.
    MapProjection {
        subject: Name,
        items: Vec<MapProjectionItem>,
    },
    /// `EXISTS { … }`.
    Exists(Box<SubqueryExpr>),
    /// `COUNT { … }`.
    Count(Box<SubqueryExpr>),
    /// `COLLECT { … }` (always a full query).
    Collect(Box<Query>),
    /// A pattern used as a predicate or value: `WHERE (a)-[:R]->(b)`.
    Pattern(Box<PatternPart>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Eq,
    NotEq,
    Lt,
    Gt,
    Le,
    Ge,
    /// `=~`
    RegexMatch,
    StartsWith,
    EndsWith,
    Contains,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    /// `||` string and list concatenation.
    Concat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NormalForm {
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TrimSide {
    Both,
    Leading,
    Trailing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Not,
    Minus,
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ListQuantifier {
    All,
    Any,
    None,
    Single,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MapLiteral {
    pub entries: Vec<MapEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MapEntry {
    pub span: Span,
    pub key: Name,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseAlternative {
    pub span: Span,
    pub when: Expr,
    pub then: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum MapProjectionItem {
    /// `.key`
    Property(Name),
    /// `key: expr`
    Literal { span: Span, key: Name, value: Expr },
    /// `variable`
    Variable(Name),
    /// `.*`
    AllProperties(Span),
}

/// The body of `EXISTS { … }` and `COUNT { … }`: a full query or a pattern with an optional WHERE.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SubqueryExpr {
    Query(Query),
    Pattern { pattern: Pattern, where_: Option<Expr> },
}
