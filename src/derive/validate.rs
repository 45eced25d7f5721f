//! The last check of every derived statement: it must be a statement Neo4j runs. A variable
//! the derivation lost (a value computed in a dropped `WITH`, a created node the prelude does not
//! bind) makes Neo4j reject the down exactly when it is needed, so such a step is refused.

use super::{Checker, InverseStatement, MIRRORED_RULES};
use std::cell::RefCell;
use std::collections::HashMap;

/// Rules whose finding on a derived statement means Neo4j would reject it.
const REJECTED_BY_NEO4J: &[&str] = &["syntax-error", "undefined-variable", "semantic-error"];

/// The checker, asked once per derived text for every rule derivation reads: each derived
/// statement is asked about twice (does it run? which findings does it mirror?), and parsing and
/// checking it was most of what planning a set of one-line migrations cost.
pub struct CheckedOnce<'c> {
    checker: Checker<'c>,
    seen: RefCell<HashMap<String, Vec<(&'static str, String)>>>,
}

impl<'c> CheckedOnce<'c> {
    pub fn new(checker: Checker<'c>) -> Self {
        CheckedOnce { checker, seen: RefCell::default() }
    }

    /// The findings of the `select`ed rules on `text`, as [`Checker`] answers.
    pub fn findings(&self, text: &str, select: &[&str]) -> Vec<(&'static str, String)> {
        let mut seen = self.seen.borrow_mut();
        let all = seen.entry(text.to_string()).or_insert_with(|| {
            let rules: Vec<&str> =
                REJECTED_BY_NEO4J.iter().copied().chain(MIRRORED_RULES.iter().map(|(r, _)| *r)).collect();
            (self.checker)(text, &rules)
        });
        all.iter().filter(|(rule, _)| select.contains(rule)).cloned().collect()
    }
}

/// `Err` with the reason when one of the statements would not run.
pub fn runnable(list: &[InverseStatement], checker: Checker) -> Result<(), String> {
    for inv in list {
        let text = format!("{};\n", inv.cypher);
        let found = checker(&text, REJECTED_BY_NEO4J);
        if let Some((rule, message)) = found.iter().find(|(r, _)| REJECTED_BY_NEO4J.contains(r)) {
            return Err(format!(
                "the derived inverse would not run ({rule}: {message}); write the down script by hand"
            ));
        }
    }
    Ok(())
}
