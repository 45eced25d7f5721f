//! Inverting one data statement.
//!
//! The statement is analysed ([`crate::schema::effects`]) into bindings and writes; writes are
//! grouped into what cymig knows how to undo (renames, added labels and properties, markers,
//! created entities, relationship-type renames) and everything else is refused with a reason.
//! Each inverse is a *prelude* (the clauses that find the same rows again) plus *writes*, then
//! wrapped in the same batching as the original.
//!
//! One file per inverse kind, each function stating its *identity argument*: what finds again,
//! after the up, exactly the entities the up created or changed (see the rules of derivation in
//! [`crate::derive`]):
//!
//! - [`create`]: created and merged entities, deleted by the keys the up wrote;
//! - [`merge`]: `MERGE … ON MATCH SET` a marker or a counter, told from the created nodes by it;
//! - [`set`]: properties set on matched entities (added, filled, markers, restored to the literal
//!   an earlier migration wrote);
//! - [`labels`]: labels added to matched entities;
//! - [`rename`]: property and label renames (`SET v.new = v.old REMOVE v.old`);
//! - [`relationships`]: relationship-type renames (re-create and delete);
//! - [`apoc`]: APOC procedures with literal arguments (`apoc.refactor.rename.*`,
//!   `apoc.refactor.setType`, `apoc.create.addLabels` / `removeLabels`);
//! - [`changes`]: the one statement that undoes the changes of matched entities;
//! - [`prelude`]: the clauses that find the same rows again;
//! - [`batching`]: the inverse batched as the up was.

mod apoc;
mod batching;
mod changes;
mod create;
mod labels;
mod merge;
mod prelude;
mod relationships;
mod rename;
mod set;

use crate::ast::{Clause, Expr, Query};
use crate::expr::conjuncts;
use crate::schema::effects::{analyze, apoc_iterate_as_query, linear_clauses, Analysis, Origin, Write};
use crate::schema::{Catalog, SchemaModel};
use batching::{apoc_iterate, in_transactions_tail, other_apoc_batch, Batching, Unit};
use std::collections::BTreeSet;

/// What the down derivation needs to know about the statement's place in history.
pub struct Context<'a> {
    pub model: &'a SchemaModel,
    pub version: &'a str,
    /// The catalog just before the statement.
    pub catalog: Catalog,
    /// The words of the file the statement is in.
    pub words: &'a FileWords<'a>,
}

/// The words of a file, collected once: [`Inverter::fresh`] asks whether the file mentions each
/// name it tries, and a scan of the whole file per statement was quadratic in its statements.
pub struct FileWords<'a> {
    text: &'a str,
    words: std::cell::OnceCell<std::collections::HashSet<String>>,
}

impl<'a> FileWords<'a> {
    pub fn new(text: &'a str) -> Self {
        FileWords { text, words: Default::default() }
    }

    /// Whether `text` mentions `word` as a whole word (as [`mentions_word`] says).
    fn mentions(&self, text: &str, word: &str) -> bool {
        let same_text = std::ptr::eq(text, self.text);
        if !same_text || word.is_empty() || !word.chars().all(is_word_char) {
            return mentions_word(text, word);
        }
        let words =
            self.words.get_or_init(|| self.text.split(|c: char| !is_word_char(c)).map(str::to_string).collect());
        words.contains(word)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// One statement of a derived down script.
#[derive(Clone, Debug, PartialEq)]
pub struct InverseStatement {
    pub cypher: String,
    /// Assumptions and known losses, each rendered as a comment above the statement.
    pub notes: Vec<String>,
    /// The statement removes or deletes data.
    pub destructive: bool,
    /// `cymig:` directive comments to put right above the statement (without `// `).
    pub directives: Vec<String>,
}

/// Inverts a query statement; `Err` says why it cannot be undone.
pub fn invert_query(ctx: &Context<'_>, query: &Query, text: &str) -> Result<Vec<InverseStatement>, String> {
    if let Some(inverse) = apoc::apoc_rename(query) {
        return Ok(vec![inverse]);
    }
    if let Some((outer, inner, config)) = apoc_iterate(query, text) {
        let combined = apoc_iterate_as_query(&outer, &inner)
            .ok_or("the apoc.periodic.iterate driving query does not end in RETURN")?;
        let script = crate::syntax::parse(&combined);
        if !script.errors.is_empty() {
            return Err("the apoc.periodic.iterate queries do not parse".into());
        }
        let q = script.statements.first().and_then(|s| s.as_query()).ok_or("empty apoc.periodic.iterate query")?;
        return invert_linear(ctx, q, &combined, Batching::Apoc(config));
    }
    if let Some(name) = other_apoc_batch(query) {
        return Err(format!("`{name}` is not analysed; write the down script by hand"));
    }
    let batching = if let Some(tail) = in_transactions_tail(query, text) {
        Batching::InTransactions(tail)
    } else if let Some(pc) = &query.periodic_commit {
        Batching::PeriodicCommit(pc.batch_size.as_ref().map(|b| b.span.text(text).to_string()))
    } else {
        Batching::None
    };
    invert_linear(ctx, query, text, batching)
}

fn invert_linear(
    ctx: &Context<'_>,
    query: &Query,
    text: &str,
    batching: Batching,
) -> Result<Vec<InverseStatement>, String> {
    let clauses = linear_clauses(query).ok_or("a UNION query that writes is not inverted")?;
    let mut analysis = analyze(&clauses);
    apoc::label_writes(&mut analysis, &clauses);
    let inverter =
        Inverter { ctx, text, clauses: &clauses, a: &analysis, used_names: Default::default(), on_match: Vec::new() };
    let units = inverter.run()?;
    if batching != Batching::None && units.iter().any(Unit::calls_procedure) {
        return Err("a batched procedure call is not inverted; write the down script by hand".into());
    }
    Ok(units.into_iter().map(|u| u.render(&batching)).collect())
}

struct Inverter<'a, 'c> {
    ctx: &'a Context<'c>,
    text: &'a str,
    clauses: &'a [&'a Clause],
    a: &'a Analysis,
    used_names: BTreeSet<String>,
    /// What the ON MATCH of the statement's MERGE wrote ([`merge`]).
    on_match: Vec<merge::OnMatch>,
}

impl Inverter<'_, '_> {
    fn run(mut self) -> Result<Vec<Unit>, String> {
        if let Some(unit) = self.set_type()? {
            return Ok(vec![unit]);
        }
        let writes = &self.a.writes;
        let mut done = vec![false; writes.len()];
        self.merge_on_match(&mut done)?;
        let rel_renames = self.rel_renames(&mut done)?;
        let changes = self.changes(&mut done)?;
        let mut units = Vec::new();
        // Created entities are undone first: their prelude may still need the markers and
        // properties that the changes' inverse removes.
        for (i, w) in writes.iter().enumerate() {
            if done[i] {
                continue;
            }
            if let Write::Create { span, part, merge } = w {
                if let Some(unit) = self.created(*span, part, *merge, &changes)? {
                    units.push(unit);
                }
                done[i] = true;
            }
        }
        for (i, w) in writes.iter().enumerate() {
            if !done[i] {
                return Err(refusal(w, self.text));
            }
        }
        for rr in &rel_renames {
            units.push(self.rel_rename_unit(rr, &changes));
        }
        if !changes.is_empty() {
            units.push(self.changes_unit(&changes));
        }
        units.extend(self.merge_matched_unit());
        units.reverse();
        // Reverse order of effects: the last-made change is undone first, creations before
        // changes (see above).
        units.sort_by_key(|u| {
            if u.writes.iter().any(|w| w.starts_with("DETACH DELETE") || w.starts_with("DELETE")) {
                0
            } else {
                1
            }
        });
        Ok(units)
    }

    fn is_matched(&self, var: &str) -> bool {
        matches!(self.a.binding(var).map(|b| b.origin), Some(Origin::Matched | Origin::OptionalMatched))
    }

    fn is_created(&self, var: &str) -> bool {
        matches!(self.a.binding(var).map(|b| b.origin), Some(Origin::Created | Origin::Merged))
    }

    fn where_conjuncts(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        for c in self.clauses {
            match c {
                Clause::Match(m) => out.extend(m.where_.iter().flat_map(conjuncts)),
                Clause::With(w) => out.extend(w.where_.iter().flat_map(conjuncts)),
                _ => {}
            }
        }
        out
    }

    fn fresh(&mut self, base: &str) -> String {
        for i in 1.. {
            let name = if i == 1 { base.to_string() } else { format!("{base}{i}") };
            if !self.used_names.contains(&name) && !self.ctx.words.mentions(self.text, &name) {
                self.used_names.insert(name.clone());
                return name;
            }
        }
        unreachable!()
    }
}

fn is_write_clause(c: &Clause) -> bool {
    crate::semantic::is_update(c)
        || matches!(c, Clause::CallProcedure(p) if !crate::semantic::procedures::lookup(&p.procedure.dotted()).leaves_graph_alone())
}

fn mentions_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = text[i + word.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        before && after
    })
}

/// Why a write cannot be undone.
fn refusal(w: &Write, text: &str) -> String {
    let what = w.span().text(text).split_whitespace().collect::<Vec<_>>().join(" ");
    let what =
        if what.chars().count() > 60 { format!("{}…", what.chars().take(60).collect::<String>()) } else { what };
    match w {
        Write::Delete { detach, .. } => format!(
            "`{what}` {} existing data; only an explicit down script can restore it",
            if *detach { "detach-deletes" } else { "deletes" }
        ),
        Write::RemoveProperty { .. } | Write::RemoveLabels { .. } => {
            format!("`REMOVE {what}` removes existing data; only an explicit down script can restore it")
        }
        Write::Procedure { name, .. } => {
            format!("the procedure `{name}` may write to the graph; cymig cannot invert it")
        }
        Write::Unanalysed { why, .. } => format!("`{what}`: {why}; cymig cannot invert it"),
        _ => format!("`{what}` cannot be inverted"),
    }
}
