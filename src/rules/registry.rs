//! The one place that knows every rule. [`declare_rules!`] turns the table in `rules/mod.rs`
//! into the rule modules, each rule's identity (`identity::<module>`, which its `META` takes
//! whole) and the lookups here. Codes are stable: `codes.txt` is the ledger of every code ever
//! given, and a test holds the table to it.

use super::*;
pub use crate::diagnostic::Applicability;
use crate::diagnostic::Severity;
use serde::Serialize;

/// `CODE module::Type => "name", Category, Severity, [Applicability, …];` per rule (the
/// applicabilities of the fixes it may offer, `[]` for none; `pub(crate)` before the module
/// when the checker reaches into it).
macro_rules! declare_rules {
    ($($code:ident $vis:vis $module:ident :: $ty:ident => $name:literal, $category:ident, $severity:ident, [$($fix:ident),*];)*) => {
        $($vis mod $module;)*

        /// Each rule's identity as the table declares it, without its docs.
        #[allow(non_upper_case_globals)]
        pub(crate) mod identity {
            use super::registry::{Applicability, Category, RuleMeta};
            use crate::diagnostic::Severity;
            $(pub const $module: RuleMeta = RuleMeta {
                name: $name,
                code: stringify!($code),
                severity: Severity::$severity,
                category: Category::$category,
                summary: "",
                docs: "",
                fixes: &[$(Applicability::$fix),*],
            };)*
        }

        /// Every rule, in code order.
        static RULES: &[&dyn Rule] = &[$(&$module::$ty),*];

        /// The table's identities, in the order of `RULES`.
        #[cfg(test)]
        static DECLARED: &[RuleMeta] = &[$(identity::$module),*];
    };
}
pub(crate) use declare_rules;

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
#[derive(Debug, PartialEq)]
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
    /// The applicabilities of the fixes the rule may offer (none: it offers no fix).
    pub fixes: &'static [Applicability],
}

impl RuleMeta {
    pub fn fixable(&self) -> bool {
        !self.fixes.is_empty()
    }

    /// `Fix: safe (applied by `--fix`).`, or nothing for a rule without fixes.
    pub fn fixes_line(&self) -> Option<String> {
        let kinds: Vec<&str> = self.fixes.iter().map(|a| a.describe()).collect();
        (!kinds.is_empty()).then(|| format!("Fix: {}.", kinds.join(", or ")))
    }
}

/// `cymig rule --json`: the fields as they always were (`fixable`), and `fixes`.
impl Serialize for RuleMeta {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("RuleMeta", 8)?;
        out.serialize_field("name", self.name)?;
        out.serialize_field("code", self.code)?;
        out.serialize_field("severity", &self.severity)?;
        out.serialize_field("category", &self.category)?;
        out.serialize_field("summary", self.summary)?;
        out.serialize_field("docs", self.docs)?;
        out.serialize_field("fixable", &self.fixable())?;
        out.serialize_field("fixes", self.fixes)?;
        out.end()
    }
}

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

    /// A rule's `META` takes its identity from the table whole: no rule restates (and so
    /// contradicts) its name, code, category, severity or fixes.
    #[test]
    fn every_rule_carries_the_identity_the_table_declares() {
        assert_eq!(all().len(), DECLARED.len());
        for (rule, declared) in all().iter().zip(DECLARED) {
            let m = rule.meta();
            let identity = RuleMeta { summary: "", docs: "", ..*m };
            assert_eq!(&identity, declared, "{}: its META overrides the table", m.name);
            assert!(!m.summary.is_empty() && !m.docs.is_empty(), "{} has its docs", m.name);
        }
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
