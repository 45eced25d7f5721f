//! The rule catalogue: one file per rule with its docs, and the [`registry`] that owns every
//! rule's name, code, default severity and category.
//!
//! A rule sees one file at a time through a [`FileContext`] and reports through [`Findings`].
//! It may hook into the file as a whole, each statement, or — through the checker's single
//! shared walk — each clause and each expression ([`Hooks`]).

pub mod context;
pub mod registry;
pub mod rerun;
pub mod util;

mod await_indexes;
mod btree_index;
mod call_subquery_scope;
mod cartesian_product;
mod case_when_null;
mod create_unique;
mod deprecated_identifier_character;
mod destructive_delete;
mod down_mismatch;
mod duplicate_version;
mod duration_component;
mod edited_migration;
mod enterprise_only;
mod exists_function;
mod has_function;
mod id_function;
mod ineffective_batching;
mod irreversible;
mod label_less_scan;
mod legacy_constraint_syntax;
mod legacy_index_syntax;
mod legacy_parameter;
mod load_csv_unbatched;
mod merge_null_key;
mod merge_without_constraint;
mod migration_naming;
mod mixed_schema_and_data;
mod non_idempotent_batch;
mod nondeterministic_data;
mod periodic_commit;
mod removed_procedure;
mod require_if_exists;
mod require_if_not_exists;
mod require_schema_name;
mod semantic_error;
mod start_clause;
mod syntax_error;
mod unbatched_write;
mod undefined_variable;
pub(crate) mod unused_suppression;

pub use context::{Edition, FileContext, FileRole, Settings, Target};
pub use registry::{all, by_name, Category, RuleMeta};
/// The rule the parser's findings are reported under (`cymig parse` builds them directly).
pub use syntax_error::META as SYNTAX_ERROR;

use crate::ast::{Clause, EmbeddedCypher, Expr, Statement};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::span::Span;

/// Which parts of a file a rule wants to see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    pub file: bool,
    pub statement: bool,
    pub clause: bool,
    pub expr: bool,
}

impl Hooks {
    pub const FILE: Hooks = Hooks { file: true, statement: false, clause: false, expr: false };
    pub const STATEMENT: Hooks = Hooks { file: false, statement: true, clause: false, expr: false };
    pub const CLAUSE: Hooks = Hooks { file: false, statement: false, clause: true, expr: false };
    pub const EXPR: Hooks = Hooks { file: false, statement: false, clause: false, expr: true };
}

/// Where a clause sits, as the checker's walk sees it.
#[derive(Clone, Copy, Debug)]
pub struct ClauseSite<'a> {
    pub statement: &'a Statement,
    /// Inside the body of a `CALL { … } IN TRANSACTIONS` (at any depth).
    pub in_transactions: bool,
    /// Inside a CALL subquery, EXISTS/COUNT/COLLECT or FOREACH (not at the statement's top level).
    pub nested: bool,
}

/// Where an expression sits.
#[derive(Clone, Copy, Debug)]
pub struct ExprSite<'a> {
    pub statement: &'a Statement,
    /// The directly enclosing expression, if any.
    pub parent: Option<&'a Expr>,
}

/// One rule of the catalogue.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn hooks(&self) -> Hooks;
    fn check_file(&self, _cx: &FileContext, _out: &mut Findings) {}
    fn check_statement(&self, _cx: &FileContext, _stmt: &Statement, _out: &mut Findings) {}
    fn check_clause(&self, _cx: &FileContext, _clause: &Clause, _site: ClauseSite, _out: &mut Findings) {}
    fn check_expr(&self, _cx: &FileContext, _expr: &Expr, _site: ExprSite, _out: &mut Findings) {}
    /// Whether the rule also checks Cypher embedded in procedure strings
    /// (`apoc.periodic.iterate('…', '…')`): its hooks then see those statements too, with
    /// [`ClauseSite::in_transactions`] set where the procedure batches them.
    fn checks_embedded(&self) -> bool {
        false
    }
    /// The statement hook for an embedded statement; `embedding` says how the procedure runs it.
    fn check_embedded(&self, cx: &FileContext, stmt: &Statement, _embedding: &EmbeddedCypher, out: &mut Findings) {
        self.check_statement(cx, stmt, out)
    }
}

/// Collects the diagnostics rules report for one file.
#[derive(Debug, Default)]
pub struct Findings {
    pub diagnostics: Vec<Diagnostic>,
}

impl Findings {
    /// Reports a finding of `meta`'s rule at its default severity; returns it for refinement.
    pub fn report(&mut self, meta: &'static RuleMeta, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(meta.diagnostic(span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }
}

impl RuleMeta {
    pub fn diagnostic(&'static self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule: self.name,
            code: self.code,
            severity: self.severity,
            span,
            message: message.into(),
            help: None,
            fix: None,
        }
    }
}

/// Builder-style refinements used by rules.
impl Diagnostic {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<crate::diagnostic::Edit>) -> Fix {
        Fix { message: message.into(), edits, safe: true }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<crate::diagnostic::Edit>) -> Fix {
        Fix { message: message.into(), edits, safe: false }
    }
}
