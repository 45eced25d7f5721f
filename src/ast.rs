//! The typed AST of a migration file. It is independent of the parser generator: only
//! `crate::syntax` knows about pest, everything else works on these types.
//!
//! Every node carries a [`Span`] into the file's text. Names are stored unescaped
//! (backticks removed), with the span of the name as written.

use crate::span::Span;
use serde::Serialize;

/// Everything parsed from one file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Script {
    pub statements: Vec<Statement>,
    /// Statements that failed to parse, each reported once; the others are still in `statements`.
    pub errors: Vec<SyntaxError>,
    /// Every comment in the file, in order (directives are read from these).
    pub comments: Vec<Comment>,
    /// neo4j-migrations placeholders (`${name}`), in order: the tool replaces them before the
    /// statement runs, so the parser read each one outside strings as a neutral token of the
    /// same length.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<Placeholder>,
}

impl Script {
    /// The database the statement starting at `offset` runs against (see [`database_at`]).
    pub fn database_at(&self, offset: usize) -> Option<String> {
        database_at(&self.comments, offset)
    }

    /// The placeholders within `span`.
    pub fn placeholders_in(&self, span: Span) -> impl Iterator<Item = &Placeholder> {
        self.placeholders.iter().filter(move |p| span.start <= p.span.start && p.span.end <= span.end)
    }
}

/// The database a statement starting at `offset` runs against: the last `:use <db>` framing
/// line before it (cypher-shell, neo4j-migrations), lower case as Neo4j folds database names.
/// `None` for the default database: no `:use` yet, or `:use neo4j` (Neo4j's default name).
pub fn database_at(comments: &[Comment], offset: usize) -> Option<String> {
    let last_use = comments
        .iter()
        .take_while(|c| c.span.start < offset)
        .filter(|c| c.kind == CommentKind::Framing)
        .filter_map(|c| use_target(&c.text))
        .last()?;
    (last_use != "neo4j").then_some(last_use)
}

/// The database a `:use <db>` line names (`:use foo;`, ``:use `my-db` ``), lower case.
pub fn use_target(line: &str) -> Option<String> {
    let rest = line.strip_prefix(':')?;
    let (command, target) = rest.split_once(char::is_whitespace)?;
    if !command.eq_ignore_ascii_case("use") {
        return None;
    }
    let name = target.trim().trim_end_matches(';').trim().trim_matches('`');
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// `${name}` in a neo4j-migrations script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    /// From `$` to `}`.
    pub span: Span,
    /// What is between the braces.
    pub name: String,
    /// Outside strings, names and comments: the parser saw `token` there instead.
    pub in_code: bool,
    /// What the parser read in its place (same length), when `in_code`.
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntaxError {
    /// Where the parser stopped: the offending token, or an empty span at the end of input.
    pub span: Span,
    /// The whole statement the error belongs to.
    pub statement_span: Span,
    /// In user terms: "expected `)` or `,` after the map entry, found `SET`".
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub span: Span,
    /// The comment's text without `//`, `/*` or `*/`.
    pub text: String,
    pub kind: CommentKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CommentKind {
    Line,
    Block,
    /// A line for the program that runs the script, not for Neo4j: `:begin`, `BEGIN`,
    /// `-- changeset a:1`, `-- +migrate Down` (see `syntax::framing`).
    Framing,
}

/// A name as written in the source: an identifier or a backtick-quoted name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Name {
    pub span: Span,
    pub value: String,
}

/// A dotted name such as `apoc.periodic.iterate` or `db.awaitIndexes`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualifiedName {
    pub span: Span,
    pub parts: Vec<Name>,
}

impl QualifiedName {
    /// `a.b.c`, as Neo4j resolves it (case is kept; callers compare as Neo4j would).
    pub fn dotted(&self) -> String {
        self.parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".")
    }
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    pub span: Span,
    /// Legacy 4.x `USING PERIODIC COMMIT [n]` before the query.
    pub periodic_commit: Option<PeriodicCommit>,
    pub first: SingleQuery,
    pub unions: Vec<UnionPart>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodicCommit {
    pub span: Span,
    pub batch_size: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnionPart {
    /// The `UNION [ALL]` keywords.
    pub span: Span,
    pub all: bool,
    pub query: SingleQuery,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SingleQuery {
    pub span: Span,
    pub clauses: Vec<Clause>,
}

// A subquery clause holds its whole body inline. The tree is built once per parse and then only
// walked, so the size only costs memory per clause; boxing would add an allocation to each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Clause {
    Use(UseClause),
    /// Legacy 3.x `START n=node(…)` (removed in 3.2).
    Start(StartClause),
    Match(MatchClause),
    Unwind(UnwindClause),
    With(WithClause),
    Return(ReturnClause),
    Create(CreateClause),
    Merge(MergeClause),
    Set(SetClause),
    Remove(RemoveClause),
    Delete(DeleteClause),
    Foreach(ForeachClause),
    CallProcedure(CallProcedureClause),
    CallSubquery(CallSubqueryClause),
    LoadCsv(LoadCsvClause),
    Finish(FinishClause),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UseClause {
    pub span: Span,
    /// `USE db` / `USE graph.byName(...)`.
    pub graph: Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchClause {
    pub span: Span,
    pub optional: bool,
    pub pattern: Pattern,
    /// `USING INDEX`, `USING SCAN`, `USING JOIN` hints, kept as written.
    pub hints: Vec<Hint>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hint {
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnwindClause {
    pub span: Span,
    pub expr: Expr,
    pub variable: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithClause {
    pub span: Span,
    pub projection: Projection,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReturnClause {
    pub span: Span,
    pub projection: Projection,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projection {
    pub span: Span,
    pub distinct: bool,
    /// `*` as the first item.
    pub star: bool,
    pub items: Vec<ProjectionItem>,
    pub order_by: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectionItem {
    pub span: Span,
    pub expr: Expr,
    pub alias: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SortItem {
    pub span: Span,
    pub expr: Expr,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateClause {
    pub span: Span,
    /// Legacy 3.x `CREATE UNIQUE`: the span of `UNIQUE`.
    pub unique: Option<Span>,
    pub pattern: Pattern,
}

/// Legacy 3.x `START a=node(*), b=relationship(1, 2) [WHERE …]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartClause {
    pub span: Span,
    pub points: Vec<StartPoint>,
    pub where_: Option<Expr>,
}

/// `n=node(*)`, `n=node(1, 2)`, `n=node:index(key = 'v')`, `r=relationship(*)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartPoint {
    pub span: Span,
    pub variable: Name,
    /// `relationship(…)` / `rel(…)` rather than `node(…)`.
    pub relationship: bool,
    pub lookup: StartLookup,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StartLookup {
    /// `(*)`: every node or relationship.
    All,
    /// `(1, 2)` or `({ids})`: internal ids.
    Ids(Vec<Expr>),
    /// `:index(key = 'v')` or `:index('query')`: a legacy (manual) index.
    Index { index: Name, key: Option<Name>, query: Expr },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergeClause {
    pub span: Span,
    pub pattern: PatternPart,
    pub actions: Vec<MergeAction>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergeAction {
    pub span: Span,
    /// `ON CREATE` (true) or `ON MATCH` (false).
    pub on_create: bool,
    pub set: SetClause,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetClause {
    pub span: Span,
    pub items: Vec<SetItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SetItem {
    /// `n.p = expr` (also `n[key] = expr`: `target` is then an `Index` expression).
    Property { span: Span, target: Expr, value: Expr },
    /// `n = {map}`: replaces all properties.
    Replace { span: Span, target: Expr, value: Expr },
    /// `n += {map}`: merges properties.
    Merge { span: Span, target: Expr, value: Expr },
    /// `n:A:B` (or `n IS A`).
    Labels { span: Span, target: Name, labels: Vec<Name> },
}

impl SetItem {
    pub fn span(&self) -> Span {
        match self {
            SetItem::Property { span, .. }
            | SetItem::Replace { span, .. }
            | SetItem::Merge { span, .. }
            | SetItem::Labels { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemoveClause {
    pub span: Span,
    pub items: Vec<RemoveItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RemoveItem {
    /// `n.p` (a `Property` or `Index` expression).
    Property { span: Span, target: Expr },
    /// `n:A:B`.
    Labels { span: Span, target: Name, labels: Vec<Name> },
}

impl RemoveItem {
    pub fn span(&self) -> Span {
        match self {
            RemoveItem::Property { span, .. } | RemoveItem::Labels { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeleteClause {
    pub span: Span,
    pub detach: bool,
    pub exprs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForeachClause {
    pub span: Span,
    pub variable: Name,
    pub list: Expr,
    pub clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallProcedureClause {
    pub span: Span,
    pub procedure: QualifiedName,
    /// `None` for the implicit-argument form `CALL db.labels` (no parentheses).
    pub args: Option<Vec<Expr>>,
    pub yield_: Option<YieldClause>,
    /// The Cypher in its string arguments, for the procedures known to run one
    /// (`apoc.periodic.iterate('MATCH …', 'DELETE …', {})`); empty for every other call.
    pub embedded: Vec<EmbeddedCypher>,
}

/// Cypher held in a string literal argument of a procedure, parsed where it stands: every span
/// of its statements points into the string in the file, escapes and all.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmbeddedCypher {
    /// The string literal, quotes included.
    pub span: Span,
    /// The argument's position in the call, from 0.
    pub argument: usize,
    pub role: EmbeddedRole,
    /// Variables the procedure binds before the text runs (the driving statement's columns for
    /// `apoc.periodic.iterate`'s action, the `params` keys for `apoc.cypher.run`); `None` when
    /// they cannot be known (`RETURN *`, a params map that is not a literal).
    pub bound: Option<Vec<String>>,
    pub statements: Vec<Statement>,
    /// Why (part of) the text could not be parsed; not errors of the file: the string may be
    /// meant for another Cypher version, and Neo4j only parses it when the procedure runs.
    pub errors: Vec<SyntaxError>,
}

/// How a procedure runs the Cypher it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EmbeddedRole {
    /// Once, inside the caller's transaction (`apoc.cypher.run`, `apoc.cypher.doIt`, `apoc.do.when`).
    Inline,
    /// Once or on a schedule, in a background transaction of its own (`apoc.periodic.submit`,
    /// `apoc.periodic.repeat`, `apoc.periodic.countdown`).
    Background,
    /// `apoc.periodic.iterate`'s first statement: the rows to process.
    Driving,
    /// `apoc.periodic.iterate`'s second statement: run for each batch of driving rows, one
    /// transaction per batch.
    PerBatch,
    /// `apoc.periodic.commit`'s statement: run again, one transaction each, until it returns 0.
    Repeated,
}

impl EmbeddedRole {
    /// Whether the procedure commits the statement's writes in batches of its own.
    pub fn batched(self) -> bool {
        matches!(self, EmbeddedRole::PerBatch | EmbeddedRole::Repeated)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YieldClause {
    pub span: Span,
    /// `YIELD *`.
    pub star: bool,
    pub items: Vec<YieldItem>,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YieldItem {
    pub span: Span,
    /// The procedure's output column.
    pub field: Name,
    /// `AS alias`.
    pub alias: Option<Name>,
}

impl YieldItem {
    /// The variable this item binds.
    pub fn bound_name(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.field)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallSubqueryClause {
    pub span: Span,
    /// `OPTIONAL CALL`.
    pub optional: bool,
    /// The `CALL (x, y) { … }` scope: `None` for the plain `CALL { … }` form.
    pub scope: Option<SubqueryScope>,
    pub body: Query,
    pub in_transactions: Option<InTransactions>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubqueryScope {
    pub span: Span,
    /// `CALL (*) { … }`.
    pub all: bool,
    pub variables: Vec<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InTransactions {
    pub span: Span,
    /// `IN n CONCURRENT TRANSACTIONS` (Some(None) for `IN CONCURRENT TRANSACTIONS`).
    pub concurrency: Option<Option<Expr>>,
    /// `OF n ROWS`.
    pub batch_size: Option<Expr>,
    pub on_error: Option<OnError>,
    /// `REPORT STATUS AS v`.
    pub report_status: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum OnError {
    Continue,
    Break,
    Fail,
    /// `ON ERROR RETRY [FOR n SECONDS] [THEN CONTINUE|BREAK|FAIL]`.
    Retry {
        duration: Option<Expr>,
        then: Option<Box<OnError>>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadCsvClause {
    pub span: Span,
    pub with_headers: bool,
    pub from: Expr,
    pub variable: Name,
    pub field_terminator: Option<StringLit>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FinishClause {
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Literal {
    Integer(i64),
    /// `INF`, `INFINITY` and `NAN` included (serialised as the strings `"Infinity"`, `"NaN"`, …,
    /// since JSON has no such numbers).
    Float(#[serde(serialize_with = "serialize_float")] f64),
    String(StringLit),
    Boolean(bool),
    Null,
}

fn serialize_float<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        v if v.is_nan() => serializer.serialize_str("NaN"),
        v if v.is_infinite() => serializer.serialize_str(if *v > 0.0 { "Infinity" } else { "-Infinity" }),
        v => serializer.serialize_f64(*v),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StringLit {
    pub span: Span,
    /// The unescaped value.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    /// The name, or the decimal index for `$0`.
    pub name: String,
    /// Written in the 4.x form `{name}`.
    pub legacy: bool,
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

// ---------------------------------------------------------------------------------------------
// Schema commands
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SchemaCommand {
    CreateConstraint(CreateConstraint),
    DropConstraint(DropConstraint),
    CreateIndex(CreateIndex),
    DropIndex(DropIndex),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EntityKind {
    Node,
    Relationship,
}

/// `(n:Label)` or `()-[r:TYPE]-()` in a schema command.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemaEntity {
    pub span: Span,
    pub kind: EntityKind,
    pub variable: Option<Name>,
    /// One label or type, except full-text indexes (`(n:A|B)`) which may list several.
    pub labels: Vec<Name>,
}

/// `n.prop` in a schema command.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyRef {
    pub span: Span,
    pub variable: Name,
    pub key: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateConstraint {
    pub span: Span,
    pub name: Option<Name>,
    /// `OR REPLACE` is not valid for constraints; only IF NOT EXISTS is.
    pub if_not_exists: bool,
    pub entity: SchemaEntity,
    pub kind: ConstraintKind,
    pub properties: Vec<PropertyRef>,
    /// `OPTIONS {…}`.
    pub options: Option<Expr>,
    /// Set for the 4.x `ON … ASSERT …` form; spans from `ON` to the end.
    pub legacy: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ConstraintKind {
    Unique,
    /// `IS NODE KEY` / `IS KEY` on a node.
    NodeKey,
    /// `IS RELATIONSHIP KEY` / `IS KEY` on a relationship.
    RelationshipKey,
    /// `IS NOT NULL`, and the legacy `ASSERT exists(n.p)`.
    NotNull,
    /// `IS :: TYPE`, the type as written.
    PropertyType(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropConstraint {
    pub span: Span,
    pub if_exists: bool,
    pub target: DropTarget,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum DropTarget {
    Name(Name),
    /// 4.x `DROP CONSTRAINT ON (n:L) ASSERT …` / `DROP INDEX ON :L(p)`: dropped by definition.
    LegacyDefinition {
        span: Span,
        entity: SchemaEntity,
        kind: Option<ConstraintKind>,
        properties: Vec<PropertyRef>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreateIndex {
    pub span: Span,
    pub name: Option<Name>,
    pub if_not_exists: bool,
    /// `CREATE OR REPLACE INDEX` (accepted by the grammar, rejected by Neo4j; the checker says so).
    pub or_replace: bool,
    pub kind: IndexKind,
    pub entity: SchemaEntity,
    /// Empty for LOOKUP indexes.
    pub properties: Vec<PropertyRef>,
    pub options: Option<Expr>,
    /// Set for the 4.x `CREATE INDEX ON :L(p)` form.
    pub legacy: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum IndexKind {
    /// No kind keyword: a range index in Neo4j 5.
    Default,
    Range,
    Text,
    Point,
    Fulltext,
    Lookup,
    Vector,
    /// 4.x `BTREE`, removed in Neo4j 5.
    Btree,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropIndex {
    pub span: Span,
    pub if_exists: bool,
    pub target: DropTarget,
}

// ---------------------------------------------------------------------------------------------
// SHOW, TERMINATE and administration commands
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShowCommand {
    pub span: Span,
    /// What is shown, upper-cased and space-joined as written: `INDEXES`, `RANGE INDEXES`,
    /// `CONSTRAINTS`, `PROCEDURES`, `FUNCTIONS`, `TRANSACTIONS`, …
    pub target: String,
    pub yield_: Option<ShowYield>,
    pub where_: Option<Expr>,
    pub return_: Option<ReturnClause>,
    /// The command chained after this one, reading what its YIELD binds:
    /// `SHOW TRANSACTIONS YIELD transactionId AS txId TERMINATE TRANSACTIONS txId`.
    pub next: Option<Box<StatementKind>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShowYield {
    pub span: Span,
    pub projection: Projection,
    pub where_: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TerminateCommand {
    pub span: Span,
    pub ids: Vec<Expr>,
    pub yield_: Option<ShowYield>,
    pub where_: Option<Expr>,
    pub return_: Option<ReturnClause>,
    /// The command chained after this one, reading what its YIELD binds:
    /// `SHOW TRANSACTIONS YIELD transactionId AS txId TERMINATE TRANSACTIONS txId`.
    pub next: Option<Box<StatementKind>>,
}

impl ShowCommand {
    /// Whether a command of the chain terminates transactions (it is then an admin command).
    pub fn terminates(&self) -> bool {
        self.next.as_deref().is_some_and(chain_terminates)
    }
}

fn chain_terminates(kind: &StatementKind) -> bool {
    match kind {
        StatementKind::Show(show) => show.terminates(),
        _ => true,
    }
}

/// Database, alias, user, role, privilege and server commands: not analysed further.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdminCommand {
    pub span: Span,
    /// The leading keywords, upper-cased: `["CREATE", "DATABASE"]`, `["GRANT"]`, …
    pub keywords: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Convenience
// ---------------------------------------------------------------------------------------------

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

impl Query {
    /// The clauses of every part of a UNION, in order.
    pub fn single_queries(&self) -> impl Iterator<Item = &SingleQuery> {
        std::iter::once(&self.first).chain(self.unions.iter().map(|u| &u.query))
    }
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Use(c) => c.span,
            Clause::Start(c) => c.span,
            Clause::Match(c) => c.span,
            Clause::Unwind(c) => c.span,
            Clause::With(c) => c.span,
            Clause::Return(c) => c.span,
            Clause::Create(c) => c.span,
            Clause::Merge(c) => c.span,
            Clause::Set(c) => c.span,
            Clause::Remove(c) => c.span,
            Clause::Delete(c) => c.span,
            Clause::Foreach(c) => c.span,
            Clause::CallProcedure(c) => c.span,
            Clause::CallSubquery(c) => c.span,
            Clause::LoadCsv(c) => c.span,
            Clause::Finish(c) => c.span,
        }
    }
}

impl SchemaCommand {
    pub fn span(&self) -> Span {
        match self {
            SchemaCommand::CreateConstraint(c) => c.span,
            SchemaCommand::DropConstraint(c) => c.span,
            SchemaCommand::CreateIndex(c) => c.span,
            SchemaCommand::DropIndex(c) => c.span,
        }
    }
}
