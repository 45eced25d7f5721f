//! The inverse is batched as the up was: `CALL … IN TRANSACTIONS`, `apoc.periodic.iterate`,
//! legacy `USING PERIODIC COMMIT`. Identity: batching changes how many rows one transaction
//! touches, never which rows, so it is kept as written.

use super::InverseStatement;
use crate::ast::{Clause, Query};
use crate::schema::effects::apoc_iterate_args;

/// How the original statement was batched; its inverse is batched the same way.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Batching {
    None,
    /// `CALL … IN TRANSACTIONS …`: the text from `IN` to the end of the clause.
    InTransactions(String),
    /// `apoc.periodic.iterate(…, …, config)`.
    Apoc(Option<String>),
    /// Legacy `USING PERIODIC COMMIT [n]`: the batch size, if given.
    PeriodicCommit(Option<String>),
}

pub(super) fn apoc_iterate(query: &Query, text: &str) -> Option<(String, String, Option<String>)> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallProcedure(p) if p.procedure.dotted().eq_ignore_ascii_case("apoc.periodic.iterate") => {
            let (o, i, cfg) = apoc_iterate_args(p.args.as_deref()?, text)?;
            Some((o, i, cfg.map(str::to_string)))
        }
        _ => None,
    })
}

pub(super) fn other_apoc_batch(query: &Query) -> Option<String> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallProcedure(p) if p.procedure.dotted().eq_ignore_ascii_case("apoc.periodic.commit") => {
            Some(p.procedure.dotted())
        }
        _ => None,
    })
}

pub(super) fn in_transactions_tail(query: &Query, text: &str) -> Option<String> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallSubquery(call) => call.in_transactions.as_ref().map(|t| t.span.text(text).trim().to_string()),
        _ => None,
    })
}

/// One inverse statement before batching is applied.
pub(super) struct Unit {
    pub(super) prelude: Vec<String>,
    pub(super) writes: Vec<String>,
    /// Variables the writes use (passed into the batch).
    pub(super) vars: Vec<String>,
    pub(super) ret: Option<String>,
    pub(super) notes: Vec<String>,
    pub(super) destructive: bool,
}

impl Unit {
    pub(super) fn render(mut self, batching: &Batching) -> InverseStatement {
        let mut notes = std::mem::take(&mut self.notes);
        let destructive = self.destructive;
        let cypher = match batching {
            Batching::None => {
                let mut lines = self.prelude;
                lines.extend(self.writes);
                lines.extend(self.ret);
                lines.join("\n")
            }
            Batching::InTransactions(tail) => self.in_transactions(tail),
            Batching::PeriodicCommit(size) => {
                notes.push(
                    "Note: the migration used USING PERIODIC COMMIT (removed in Neo4j 5); this batches the same way with CALL … IN TRANSACTIONS"
                        .into(),
                );
                let tail = match size {
                    Some(n) => format!("IN TRANSACTIONS OF {n} ROWS"),
                    None => "IN TRANSACTIONS".into(),
                };
                self.in_transactions(&tail)
            }
            Batching::Apoc(config) => {
                let outer = if self.prelude.is_empty() {
                    "RETURN 1 AS row".to_string()
                } else {
                    format!("{} RETURN {}", self.prelude.join(" ").replace('\n', " "), self.vars.join(", "))
                };
                let mut out = format!(
                    "CALL apoc.periodic.iterate(\n  {},\n  {}",
                    cypher_string(&outer),
                    cypher_string(&self.writes.join(" ").replace('\n', " "))
                );
                if let Some(c) = config {
                    out.push_str(&format!(",\n  {c}"));
                } else {
                    out.push_str(",\n  {}");
                }
                out.push_str("\n)");
                out
            }
        };
        InverseStatement { cypher, notes, destructive, directives: Vec::new() }
    }

    /// The inverse calls a procedure (its YIELD cannot end a batch's body).
    pub(super) fn calls_procedure(&self) -> bool {
        self.writes.iter().any(|w| w.starts_with("CALL "))
    }

    pub(super) fn in_transactions(self, tail: &str) -> String {
        let mut lines = self.prelude;
        lines.push(format!("CALL ({}) {{", self.vars.join(", ")));
        lines.extend(self.writes.into_iter().map(|w| format!("  {w}")));
        lines.push(format!("}} {tail}"));
        lines.join("\n")
    }
}

/// A Cypher single-quoted string literal.
pub(super) fn cypher_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}
