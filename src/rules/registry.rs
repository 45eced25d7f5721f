//! The one place that knows every rule: name, code, default severity, category, summary, docs.
//! Codes are stable: never reuse or renumber one.

use super::*;
use crate::diagnostic::Severity;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The statement fails, or does something other than what it says.
    Correctness,
    /// Re-running or partially failing migrations.
    Robustness,
    /// Transaction size, locks and memory on large graphs.
    Performance,
    /// Rollback: whether a down migration can exist.
    Reversibility,
    /// Syntax and procedures deprecated or removed in the target Neo4j version.
    Compatibility,
    /// File layout, versions, integrity and suppressions.
    Hygiene,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Robustness => "robustness",
            Category::Performance => "performance",
            Category::Reversibility => "reversibility",
            Category::Compatibility => "compatibility",
            Category::Hygiene => "hygiene",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Kebab-case name used in configuration, suppressions and output.
    pub name: &'static str,
    /// Short stable code, `CM001`…
    pub code: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters, example, use instead.
    pub docs: &'static str,
    /// Whether the rule offers fixes (safe ones are applied by `--fix`).
    pub fixable: bool,
}

static RULES: &[&dyn Rule] = &[
    &syntax_error::SyntaxError,
    &require_if_not_exists::RequireIfNotExists,
    &require_if_exists::RequireIfExists,
    &require_schema_name::RequireSchemaName,
    &unbatched_write::UnbatchedWrite,
    &ineffective_batching::IneffectiveBatching,
    &load_csv_unbatched::LoadCsvUnbatched,
    &mixed_schema_and_data::MixedSchemaAndData,
    &irreversible::Irreversible,
    &destructive_delete::DestructiveDelete,
    &legacy_constraint_syntax::LegacyConstraintSyntax,
    &legacy_index_syntax::LegacyIndexSyntax,
    &exists_function::ExistsFunction,
    &periodic_commit::PeriodicCommit,
    &legacy_parameter::LegacyParameter,
    &btree_index::BtreeIndex,
    &removed_procedure::RemovedProcedure,
    &undefined_variable::UndefinedVariable,
    &cartesian_product::CartesianProduct,
    &label_less_scan::LabelLessScan,
    &merge_without_constraint::MergeWithoutConstraint,
    &unused_suppression::UnusedSuppression,
    &migration_naming::MigrationNaming,
    &duplicate_version::DuplicateVersion,
    &edited_migration::EditedMigration,
    &await_indexes::AwaitIndexes,
    &call_subquery_scope::CallSubqueryScope,
    &id_function::IdFunction,
    &nondeterministic_data::NondeterministicData,
    &enterprise_only::EnterpriseOnly,
    &merge_null_key::MergeNullKey,
    &case_when_null::CaseWhenNull,
    &duration_component::DurationComponent,
    &has_function::HasFunction,
    &start_clause::StartClause,
    &create_unique::CreateUnique,
    &down_mismatch::DownMismatch,
    &semantic_error::SemanticError,
    &deprecated_identifier_character::DeprecatedIdentifierCharacter,
    &non_idempotent_batch::NonIdempotentBatch,
];

/// Every rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// A rule by kebab-case name or code (case-insensitive for codes).
pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().name == name || r.meta().code.eq_ignore_ascii_case(name))
}

/// The rule name or category a mistyped `selector` most likely meant, for "did you mean".
pub fn suggestion(selector: &str) -> Option<&'static str> {
    crate::suggest::closest(selector, RULES.iter().flat_map(|r| [r.meta().name, r.meta().category.as_str()]))
}

/// ` (did you mean `x`?)` after an unknown rule name, or nothing.
pub fn did_you_mean(selector: &str) -> String {
    suggestion(selector).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

/// Whether `selector` names a rule, a code, a category or `all`.
pub fn is_known_selector(selector: &str) -> bool {
    selector == "all" || by_name(selector).is_some() || RULES.iter().any(|r| r.meta().category.as_str() == selector)
}

/// Whether `selector` (a name, code, code prefix such as `CM0`, category or `all`) selects `meta`.
pub fn selects(selector: &str, meta: &RuleMeta) -> bool {
    selector == "all"
        || selector == meta.name
        || selector.eq_ignore_ascii_case(meta.code)
        || selector == meta.category.as_str()
        || (selector.len() >= 3
            && selector.len() < meta.code.len()
            && meta.code.to_ascii_lowercase().starts_with(&selector.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_codes_are_unique_and_well_formed() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for r in all() {
            let m = r.meta();
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{} is kebab-case", m.name);
            for section in ["## What it does", "## Why it matters", "## Example", "## Use instead"] {
                assert!(m.docs.contains(section), "{} docs lack `{section}`", m.name);
            }
        }
    }

    /// `(code, rule, retired)` of every line of `codes.txt`, the ledger of codes ever assigned.
    fn ledger() -> Vec<(&'static str, &'static str, bool)> {
        include_str!("codes.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut words = l.split_whitespace();
                let (code, name) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                (code, name, words.next() == Some("retired"))
            })
            .collect()
    }

    /// A code once given to a rule is never given to another, whatever is added or removed: each
    /// rule's code is the one the ledger assigned to it, and the ledger only grows, one number at a time.
    #[test]
    fn codes_are_the_ones_the_ledger_assigned() {
        let ledger = ledger();
        for (n, (code, _, _)) in ledger.iter().enumerate() {
            assert_eq!(*code, format!("CM{:03}", n + 1), "codes.txt: a new rule takes the next number");
        }
        for r in all() {
            let m = r.meta();
            let assigned = ledger.iter().find(|(code, _, _)| *code == m.code).map(|(_, name, _)| *name);
            assert_eq!(
                assigned,
                Some(m.name),
                "{} must carry the code codes.txt gives it (add a line for a new rule)",
                m.name
            );
        }
        for (code, name, retired) in &ledger {
            let live = all().iter().any(|r| r.meta().name == *name);
            assert!(live != *retired, "{code} {name}: a removed rule's line stays, marked `retired` (and only then)");
        }
    }
}
