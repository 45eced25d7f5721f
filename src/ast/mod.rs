//! The typed AST of a migration file. It is independent of the parser generator: only
//! `crate::syntax` knows about pest, everything else works on these types.
//!
//! Every node carries a [`Span`] into the file's text. Names are stored unescaped
//! (backticks removed), with the span of the name as written.
//!
//! One module per concern, as in `syntax::lower`; every type is re-exported here, so users
//! name them `crate::ast::X`.

mod clause;
mod expr;
mod literal;
mod pattern;
mod schema;
mod statement;

pub use clause::*;
pub use expr::*;
pub use literal::*;
pub use pattern::*;
pub use schema::*;
pub use statement::*;

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

    /// The index of the last statement that starts at or before `offset` (statements are in text
    /// order: a binary search, as a scan per lookup is quadratic in a file). Whether `offset` lies
    /// inside it is for the caller to say.
    pub fn last_statement_starting_by(&self, offset: usize) -> Option<usize> {
        self.statements.partition_point(|s| s.span.start <= offset).checked_sub(1)
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

/// A file's `:use <db>` framing lines, found once: [`database_at`] per statement reads every
/// comment before it, which made a file of many commented statements quadratic to plan (40,000
/// statements: 10 s, 60% of it there).
#[derive(Clone, Debug, Default)]
pub struct DatabaseUses {
    /// Where each `:use <db>` line starts, with the database it selects (`None`: the default).
    uses: Vec<(usize, Option<String>)>,
}

impl DatabaseUses {
    pub fn of(comments: &[Comment]) -> DatabaseUses {
        let uses = comments
            .iter()
            .filter(|c| c.kind == CommentKind::Framing)
            .filter_map(|c| use_target(&c.text).map(|db| (c.span.start, (db != "neo4j").then_some(db))))
            .collect();
        DatabaseUses { uses }
    }

    /// [`database_at`] `offset`, by a binary search.
    pub fn at(&self, offset: usize) -> Option<&str> {
        let i = self.uses.partition_point(|(start, _)| *start < offset);
        i.checked_sub(1).and_then(|i| self.uses[i].1.as_deref())
    }
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
