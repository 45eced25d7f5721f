//! The last check of every derived statement: it must be a statement Neo4j runs. A variable
//! the derivation lost (a value computed in a dropped `WITH`, a created node the prelude does not
//! bind) makes Neo4j reject the down exactly when it is needed, so such a step is refused.

use super::InverseStatement;
use crate::check::{lint_source, LintOptions};

/// Rules whose finding on a derived statement means Neo4j would reject it.
const REJECTED_BY_NEO4J: &[&str] = &["syntax-error", "undefined-variable", "semantic-error"];

/// `Err` with the reason when one of the statements would not run.
pub fn runnable(list: &[InverseStatement]) -> Result<(), String> {
    let options =
        LintOptions { select: REJECTED_BY_NEO4J.iter().map(|r| r.to_string()).collect(), ..Default::default() };
    for inv in list {
        let text = format!("{};\n", inv.cypher);
        let result = lint_source("derived.cypher", &text, &options);
        if let Some(d) = result.diagnostics.iter().find(|d| REJECTED_BY_NEO4J.contains(&d.rule)) {
            return Err(format!(
                "the derived inverse would not run ({}: {}); write the down script by hand",
                d.rule, d.message
            ));
        }
    }
    Ok(())
}
