//! The rule catalogue: one file per rule with its docs, and the [`registry`] that owns every
//! rule's name, code, default severity and category.
//!
//! A rule sees one file at a time through a [`FileContext`] and reports through [`Findings`].
//! It may hook into the file as a whole, each statement, or — through the checker's single
//! shared walk — each clause and each expression ([`Hooks`]).

pub mod context;
pub mod fixes;
pub mod registry;
pub mod text;

// Every rule, declared once: code, module and type, name, category, default severity, and the
// applicability of the fixes it may offer. A code is never reassigned: `codes.txt` beside it
// is the ledger of every code ever given (a removed rule's stays, retired), and a test holds
// this table to it. Adding a rule: its file (docs, and a `META` that takes `..identity::<module>`),
// one line here, one in the ledger, and its fixture.
registry::declare_rules! {
    CM001 syntax_error::SyntaxError => "syntax-error", Correctness, Error, [];
    CM002 require_if_not_exists::RequireIfNotExists => "require-if-not-exists", Robustness, Warning, [Safe];
    CM003 require_if_exists::RequireIfExists => "require-if-exists", Robustness, Warning, [Safe];
    CM004 require_schema_name::RequireSchemaName => "require-schema-name", Reversibility, Warning, [Safe];
    CM005 unbatched_write::UnbatchedWrite => "unbatched-write", Performance, Warning, [Unsafe];
    CM006 ineffective_batching::IneffectiveBatching => "ineffective-batching", Performance, Warning, [Unsafe];
    CM007 load_csv_unbatched::LoadCsvUnbatched => "load-csv-unbatched", Performance, Warning, [Unsafe];
    CM008 mixed_schema_and_data::MixedSchemaAndData => "mixed-schema-and-data", Robustness, Warning, [];
    CM009 irreversible::Irreversible => "irreversible", Reversibility, Warning, [];
    CM010 destructive_delete::DestructiveDelete => "destructive-delete", Correctness, Warning, [];
    CM011 legacy_constraint_syntax::LegacyConstraintSyntax => "legacy-constraint-syntax", Compatibility, Error, [Safe];
    CM012 legacy_index_syntax::LegacyIndexSyntax => "legacy-index-syntax", Compatibility, Error, [Safe];
    CM013 exists_function::ExistsFunction => "exists-function", Compatibility, Error, [Safe];
    CM014 periodic_commit::PeriodicCommit => "periodic-commit", Compatibility, Error, [Safe];
    CM015 legacy_parameter::LegacyParameter => "legacy-parameter", Compatibility, Error, [Safe];
    CM016 btree_index::BtreeIndex => "btree-index", Compatibility, Error, [Safe];
    CM017 removed_procedure::RemovedProcedure => "removed-procedure", Compatibility, Error, [Safe, Unsafe];
    CM018 undefined_variable::UndefinedVariable => "undefined-variable", Correctness, Error, [];
    CM019 cartesian_product::CartesianProduct => "cartesian-product", Performance, Warning, [];
    CM020 label_less_scan::LabelLessScan => "label-less-scan", Performance, Warning, [];
    CM021 merge_without_constraint::MergeWithoutConstraint => "merge-without-constraint", Correctness, Warning, [];
    CM022 pub(crate) unused_suppression::UnusedSuppression => "unused-suppression", Hygiene, Warning, [];
    CM023 migration_naming::MigrationNaming => "migration-naming", Hygiene, Warning, [];
    CM024 duplicate_version::DuplicateVersion => "duplicate-version", Hygiene, Error, [];
    CM025 edited_migration::EditedMigration => "edited-migration", Hygiene, Error, [];
    CM026 await_indexes::AwaitIndexes => "await-indexes", Performance, Warning, [];
    CM027 call_subquery_scope::CallSubqueryScope => "call-subquery-scope", Compatibility, Warning, [Safe];
    CM028 id_function::IdFunction => "id-function", Correctness, Warning, [Unsafe];
    CM029 nondeterministic_data::NondeterministicData => "nondeterministic-data", Correctness, Warning, [];
    CM030 enterprise_only::EnterpriseOnly => "enterprise-only", Correctness, Error, [];
    CM031 merge_null_key::MergeNullKey => "merge-null-key", Correctness, Warning, [];
    CM032 case_when_null::CaseWhenNull => "case-when-null", Correctness, Error, [];
    CM033 duration_component::DurationComponent => "duration-component", Correctness, Warning, [Unsafe];
    CM034 has_function::HasFunction => "has-function", Compatibility, Error, [Safe];
    CM035 start_clause::StartClause => "start-clause", Compatibility, Error, [Safe];
    CM036 create_unique::CreateUnique => "create-unique", Compatibility, Error, [Unsafe];
    CM037 down_mismatch::DownMismatch => "down-mismatch", Reversibility, Warning, [];
    CM038 pub(crate) semantic_error::SemanticError => "semantic-error", Correctness, Error, [Safe, Unsafe];
    CM039 deprecated_identifier_character::DeprecatedIdentifierCharacter => "deprecated-identifier-character", Compatibility, Warning, [Safe];
    CM040 non_idempotent_batch::NonIdempotentBatch => "non-idempotent-batch", Robustness, Error, [];
    CM041 liquibase_attribute_ignored::LiquibaseAttributeIgnored => "liquibase-attribute-ignored", Robustness, Warning, [];
}

pub use context::{Edition, FileContext, FileRole, Settings, Target};
pub use registry::{all, by_name, Category, RuleMeta};
/// The rule the parser's findings are reported under (`cymig parse` builds them directly).
pub use syntax_error::META as SYNTAX_ERROR;

use crate::ast::{Clause, EmbeddedCypher, Expr, Statement};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
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
        Fix { message: message.into(), edits, applicability: Applicability::Safe }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<crate::diagnostic::Edit>) -> Fix {
        Fix { message: message.into(), edits, applicability: Applicability::Unsafe }
    }
}
