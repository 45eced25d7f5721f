//! The last check of every derived statement: it must be a statement Neo4j runs. A variable
//! the derivation lost (a value computed in a dropped `WITH`, a created node the prelude does not
//! bind) makes Neo4j reject the down exactly when it is needed, so such a step is refused.

use super::{Checker, InverseStatement};

/// Rules whose finding on a derived statement means Neo4j would reject it.
const REJECTED_BY_NEO4J: &[&str] = &["syntax-error", "undefined-variable", "semantic-error"];

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
