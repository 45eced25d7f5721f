//! Inverting one data statement.
//!
//! The statement is analysed ([`crate::schema::effects`]) into bindings and writes; writes are
//! grouped into what cymig knows how to undo (renames, added labels and properties, markers,
//! created entities, relationship-type renames) and everything else is refused with a reason.
//! Each inverse is a *prelude* (the clauses that find the same rows again) plus *writes*, then
//! wrapped in the same batching as the original.

use super::expr::{
    conjunct_text, conjuncts, is_absence_guard, is_deterministic, is_label_absence_guard, literal_text, reads_label,
    reads_property, tests_relationship_type, variables,
};
use crate::ast::{
    Clause, Direction, EntityKind, Expr, ExprKind, LabelExpr, MatchClause, PathElement, PatternPart, Query, WithClause,
};
use crate::schema::effects::{
    analyze, apoc_iterate_args, apoc_iterate_as_query, is_new_node, label_names, linear_clauses, property_target,
    Analysis, Origin, Write,
};
use crate::schema::{quote_name, Catalog, SchemaModel};
use crate::span::Span;
use std::collections::BTreeSet;

/// What the down derivation needs to know about the statement's place in history.
pub struct Context<'a> {
    pub model: &'a SchemaModel,
    pub version: &'a str,
    /// The catalog just before the statement.
    pub catalog: Catalog,
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

/// How the original statement was batched; its inverse is batched the same way.
#[derive(Clone, Debug, PartialEq)]
enum Batching {
    None,
    /// `CALL … IN TRANSACTIONS …`: the text from `IN` to the end of the clause.
    InTransactions(String),
    /// `apoc.periodic.iterate(…, …, config)`.
    Apoc(Option<String>),
    /// Legacy `USING PERIODIC COMMIT [n]`: the batch size, if given.
    PeriodicCommit(Option<String>),
}

/// Inverts a query statement; `Err` says why it cannot be undone.
pub fn invert_query(ctx: &Context<'_>, query: &Query, text: &str) -> Result<Vec<InverseStatement>, String> {
    if let Some(inverse) = apoc_rename(query) {
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

/// `CALL apoc.refactor.rename.label('Old', 'New')` (also `.type`, `.nodeProperty`,
/// `.typeProperty`) alone in its statement, with two literal names and no entity list: renamed
/// back. Identity: the new name, which every renamed entity has after the up; an entity that had
/// it before is renamed too, which the assumption says.
fn apoc_rename(query: &Query) -> Option<InverseStatement> {
    let clauses = &query.first.clauses;
    if !query.unions.is_empty() || !matches!(clauses.get(1), None | Some(Clause::Return(_))) || clauses.len() > 2 {
        return None;
    }
    let Clause::CallProcedure(p) = clauses.first()? else { return None };
    let name = p.procedure.dotted();
    let what = match name.to_ascii_lowercase().as_str() {
        "apoc.refactor.rename.label" => RenameKind::Label,
        "apoc.refactor.rename.type" => RenameKind::Type,
        "apoc.refactor.rename.nodeproperty" => RenameKind::NodeProperty,
        "apoc.refactor.rename.typeproperty" => RenameKind::TypeProperty,
        _ => return None,
    };
    let names: Vec<&str> = p
        .args
        .as_deref()?
        .iter()
        .filter_map(|a| match &a.kind {
            ExprKind::Literal(crate::ast::Literal::String(s)) => Some(s.value.as_str()),
            _ => None,
        })
        .collect();
    let [old, new] = names.as_slice() else { return None };
    if p.args.as_ref().map(Vec::len) != Some(2) || old == new {
        return None;
    }
    let mut notes = vec![what.assumption(old, new)];
    if what == RenameKind::Type {
        notes.push(format!(
            "renames :{new} back to :{old}; APOC re-creates the relationships, so their element ids change"
        ));
    }
    let cypher = format!("CALL {name}({}, {})", cypher_string(new), cypher_string(old));
    Some(InverseStatement { cypher, notes, destructive: false, directives: Vec::new() })
}

#[derive(Clone, Copy, PartialEq)]
enum RenameKind {
    Label,
    Type,
    NodeProperty,
    TypeProperty,
}

impl RenameKind {
    fn assumption(self, old: &str, new: &str) -> String {
        match self {
            RenameKind::Label => format!(
                "Assumption: no node had the label :{new} before this migration (every :{new} node is renamed back to :{old})"
            ),
            RenameKind::Type => format!(
                "Assumption: no relationship had the type :{new} before this migration (every :{new} relationship is renamed back to :{old})"
            ),
            RenameKind::NodeProperty => format!(
                "Assumption: no node had `{new}` before this migration (on every node `{new}` is renamed back to `{old}`)"
            ),
            RenameKind::TypeProperty => format!(
                "Assumption: no relationship had `{new}` before this migration (on every relationship `{new}` is renamed back to `{old}`)"
            ),
        }
    }
}

fn apoc_iterate(query: &Query, text: &str) -> Option<(String, String, Option<String>)> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallProcedure(p) if p.procedure.dotted().eq_ignore_ascii_case("apoc.periodic.iterate") => {
            let (o, i, cfg) = apoc_iterate_args(p.args.as_deref()?, text)?;
            Some((o, i, cfg.map(str::to_string)))
        }
        _ => None,
    })
}

fn other_apoc_batch(query: &Query) -> Option<String> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallProcedure(p) if p.procedure.dotted().eq_ignore_ascii_case("apoc.periodic.commit") => {
            Some(p.procedure.dotted())
        }
        _ => None,
    })
}

fn in_transactions_tail(query: &Query, text: &str) -> Option<String> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallSubquery(call) => call.in_transactions.as_ref().map(|t| t.span.text(text).trim().to_string()),
        _ => None,
    })
}

fn invert_linear(
    ctx: &Context<'_>,
    query: &Query,
    text: &str,
    batching: Batching,
) -> Result<Vec<InverseStatement>, String> {
    let clauses = linear_clauses(query).ok_or("a UNION query that writes is not inverted")?;
    let analysis = analyze(&clauses);
    let inverter = Inverter { ctx, text, clauses: &clauses, a: &analysis, used_names: Default::default() };
    let units = inverter.run()?;
    Ok(units.into_iter().map(|u| u.render(&batching)).collect())
}

/// One inverse statement before batching is applied.
struct Unit {
    prelude: Vec<String>,
    writes: Vec<String>,
    /// Variables the writes use (passed into the batch).
    vars: Vec<String>,
    ret: Option<String>,
    notes: Vec<String>,
    destructive: bool,
}

impl Unit {
    fn render(mut self, batching: &Batching) -> InverseStatement {
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

    fn in_transactions(self, tail: &str) -> String {
        let mut lines = self.prelude;
        lines.push(format!("CALL ({}) {{", self.vars.join(", ")));
        lines.extend(self.writes.into_iter().map(|w| format!("  {w}")));
        lines.push(format!("}} {tail}"));
        lines.join("\n")
    }
}

/// A Cypher single-quoted string literal.
fn cypher_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A modification of a matched entity and how to undo it.
#[derive(Debug)]
enum Change {
    RenameProperty {
        var: String,
        from: String,
        to: String,
    },
    RenameLabel {
        var: String,
        from: String,
        to: String,
    },
    AddProperty {
        var: String,
        key: String,
        guarded: bool,
    },
    AddLabel {
        var: String,
        label: String,
        guarded: bool,
    },
    Marker {
        var: String,
        key: String,
        value: String,
    },
    /// `SET v.key = coalesce(v.key, value)`: `value` where `key` was absent.
    Fill {
        var: String,
        key: String,
        value: String,
    },
}

impl Change {
    fn var(&self) -> &str {
        match self {
            Change::RenameProperty { var, .. }
            | Change::RenameLabel { var, .. }
            | Change::AddProperty { var, .. }
            | Change::AddLabel { var, .. }
            | Change::Marker { var, .. }
            | Change::Fill { var, .. } => var,
        }
    }
}

struct RelRename {
    old: String,
    new_type: String,
    old_type: String,
    copied: bool,
    type_span: Span,
}

struct Inverter<'a, 'c> {
    ctx: &'a Context<'c>,
    text: &'a str,
    clauses: &'a [&'a Clause],
    a: &'a Analysis,
    used_names: BTreeSet<String>,
}

impl Inverter<'_, '_> {
    fn run(mut self) -> Result<Vec<Unit>, String> {
        let writes = &self.a.writes;
        let mut done = vec![false; writes.len()];
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

    // ---- classification ----------------------------------------------------------------

    fn changes(&mut self, done: &mut [bool]) -> Result<Vec<Change>, String> {
        let writes = &self.a.writes;
        let mut changes = Vec::new();
        // Property renames: SET v.to = v.from … REMOVE v.from.
        for (i, w) in writes.iter().enumerate() {
            let Write::SetProperty { var, key, value, merge_action: None, .. } = w else { continue };
            let Some((svar, from)) = property_target(value) else { continue };
            if svar != *var || from == *key || !self.is_matched(var) {
                continue;
            }
            let remove = writes
                .iter()
                .position(|r| matches!(r, Write::RemoveProperty { var: v, key: k, .. } if v == var && *k == from));
            if let Some(j) = remove {
                if self.overwrites(var, key) && !self.guarded(var, key) {
                    return Err(format!(
                        "`{var}.{key}` is renamed from `{from}` but {} already wrote `{key}`: the renamed-over values are lost",
                        self.earlier_writers(var, key).join(", ")
                    ));
                }
                changes.push(Change::RenameProperty { var: var.clone(), from, to: key.clone() });
                done[i] = true;
                done[j] = true;
            }
        }
        // Label renames: SET v:New … REMOVE v:Old.
        for (i, w) in writes.iter().enumerate() {
            let Write::SetLabels { var, labels, .. } = w else { continue };
            if done[i] || labels.len() != 1 || !self.is_matched(var) {
                continue;
            }
            let j = writes.iter().enumerate().position(|(j, r)| {
                !done[j] && matches!(r, Write::RemoveLabels { var: v, labels: l, .. } if v == var && l.len() == 1)
            });
            if let Some(j) = j {
                let Write::RemoveLabels { labels: old, .. } = &writes[j] else { continue };
                changes.push(Change::RenameLabel { var: var.clone(), from: old[0].clone(), to: labels[0].clone() });
                done[i] = true;
                done[j] = true;
            }
        }
        for (i, w) in writes.iter().enumerate() {
            if done[i] {
                continue;
            }
            match w {
                Write::SetProperty { var, key, value, merge_action, .. } => {
                    if self.is_created(var) && *merge_action != Some(false) {
                        // Part of a creation: the inverse deletes the entity.
                        done[i] = true;
                        continue;
                    }
                    if !self.is_matched(var) {
                        return Err(format!(
                            "`SET {var}.{key}` changes an entity cymig cannot find again (`{var}` is not bound by MATCH)"
                        ));
                    }
                    if let Some(fill) = self.fill_value(var, key, value) {
                        changes.push(Change::Fill { var: var.clone(), key: key.clone(), value: fill });
                    } else if let Some(v) = literal_text(value, self.text).filter(|_| self.is_marker(key, value)) {
                        changes.push(Change::Marker { var: var.clone(), key: key.clone(), value: v });
                    } else {
                        changes.push(self.added_property(var, key, value)?);
                    }
                    done[i] = true;
                }
                Write::SetMap { var, value, replace, .. } => {
                    if self.is_created(var) {
                        done[i] = true;
                        continue;
                    }
                    if *replace {
                        return Err(format!(
                            "`SET {var} = …` replaces every property of existing entities: the old values are lost"
                        ));
                    }
                    let ExprKind::Map(map) = &value.kind else {
                        return Err(format!(
                            "`SET {var} += …` with a non-literal map: the keys it overwrites are unknown"
                        ));
                    };
                    if !self.is_matched(var) {
                        return Err(format!("`SET {var} += …` changes an entity cymig cannot find again"));
                    }
                    for entry in &map.entries {
                        changes.push(self.added_property(var, &entry.key.value, &entry.value)?);
                    }
                    done[i] = true;
                }
                Write::SetLabels { var, labels, .. } => {
                    if self.is_created(var) {
                        done[i] = true;
                        continue;
                    }
                    if !self.is_matched(var) {
                        return Err(format!("`SET {var}:…` changes an entity cymig cannot find again"));
                    }
                    for l in labels {
                        let guarded = self.where_conjuncts().iter().any(|c| is_label_absence_guard(c, var, l));
                        changes.push(Change::AddLabel { var: var.clone(), label: l.clone(), guarded });
                    }
                    done[i] = true;
                }
                _ => {}
            }
        }
        self.fill_alone(&changes, done)?;
        Ok(changes)
    }

    /// The literal of `SET v.key = coalesce(v.key, literal)`, a fill of the absent values.
    fn fill_value(&self, var: &str, key: &str, value: &Expr) -> Option<String> {
        let ExprKind::FunctionCall { name, args, .. } = &value.kind else { return None };
        let [current, fill] = args.as_slice() else { return None };
        let own = matches!(&current.kind, ExprKind::Property { subject, key: k }
            if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var));
        (name.dotted().eq_ignore_ascii_case("coalesce") && own).then(|| literal_text(fill, self.text)).flatten()
    }

    /// A fill's down finds the filled entities by the value it wrote: the one condition cannot
    /// also find what other writes of the statement changed, so a fill must be its only change
    /// (besides markers).
    fn fill_alone(&self, changes: &[Change], done: &[bool]) -> Result<(), String> {
        let fills = changes.iter().filter(|c| matches!(c, Change::Fill { .. })).count();
        let others = changes.iter().filter(|c| !matches!(c, Change::Fill { .. } | Change::Marker { .. })).count();
        let pending = done.iter().filter(|d| !**d).count();
        if fills > 1 || (fills == 1 && (others > 0 || pending > 0)) {
            return Err(
                "`SET … = coalesce(…)` fills a property alongside other writes: the filled entities are found by the value they got, which does not find what the other writes changed"
                    .into(),
            );
        }
        Ok(())
    }

    fn added_property(&self, var: &str, key: &str, value: &Expr) -> Result<Change, String> {
        if self.reads_own_value(var, key, value) {
            return Err(format!(
                "`SET {var}.{key}` overwrites `{key}` with a value computed from its old value: the old value is lost"
            ));
        }
        if let Some(old) = self.matched_value(var, key) {
            // Found by `key` = old before the up, by the new value after it: which shares it with
            // entities that already had it, so neither finds only what the up changed.
            return Err(format!(
                "`SET {var}.{key}` overwrites the matched value `{old}`: after the up nothing tells the changed entities from those that already had the new value"
            ));
        }
        let guarded = self.guarded(var, key);
        if !guarded && self.overwrites(var, key) {
            return Err(format!(
                "`SET {var}.{key}` overwrites `{key}`, which {} already wrote: the previous values are lost",
                self.earlier_writers(var, key).join(", ")
            ));
        }
        Ok(Change::AddProperty { var: var.to_string(), key: key.to_string(), guarded })
    }

    /// Does `value` read `var.key`, directly or through WITH aliases?
    fn reads_own_value(&self, var: &str, key: &str, value: &Expr) -> bool {
        if reads_property(value, self.text, var, key) {
            return true;
        }
        variables(value).iter().any(|v| {
            self.a
                .binding(v)
                .and_then(|b| b.alias_of.as_ref())
                .map(|alias| reads_property(alias, self.text, var, key))
                .unwrap_or(false)
        })
    }

    /// The text of the value `var.key` was matched on (`{key: v}` or `WHERE var.key = v`).
    fn matched_value(&self, var: &str, key: &str) -> Option<String> {
        let is_prop = |x: &Expr| {
            matches!(&x.kind, ExprKind::Property { subject, key: k }
                if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var))
        };
        let in_where = self.where_conjuncts().into_iter().find_map(|c| match &c.kind {
            ExprKind::Binary { op: crate::ast::BinaryOp::Eq, lhs, rhs } if is_prop(lhs) => Some(rhs.span),
            ExprKind::Binary { op: crate::ast::BinaryOp::Eq, lhs, rhs } if is_prop(rhs) => Some(lhs.span),
            _ => None,
        });
        let inline = || {
            self.clauses.iter().find_map(|c| {
                let Clause::Match(m) = c else { return None };
                m.pattern.parts.iter().flat_map(|p| p.path.elements.iter()).find_map(|el| {
                    let PathElement::Node(n) = el else { return None };
                    if n.variable.as_ref().map(|v| v.value.as_str()) != Some(var) {
                        return None;
                    }
                    let ExprKind::Map(map) = &n.properties.as_ref()?.kind else { return None };
                    map.entries.iter().find(|e| e.key.value == key).map(|e| e.value.span)
                })
            })
        };
        in_where.or_else(inline).map(|span| span.text(self.text).trim().to_string())
    }

    fn guarded(&self, var: &str, key: &str) -> bool {
        self.where_conjuncts().iter().any(|c| is_absence_guard(c, var, key))
    }

    fn earlier_writers(&self, var: &str, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for label in self.a.labels_of(var) {
            for v in self.ctx.model.earlier_writers_of(self.ctx.version, &label, key) {
                let v = format!("V{v}");
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    fn overwrites(&self, var: &str, key: &str) -> bool {
        !self.earlier_writers(var, key).is_empty()
    }

    /// A property that records which migration touched an entity: `n.migrationVersion = '003'`.
    fn is_marker(&self, key: &str, value: &Expr) -> bool {
        let lower = key.to_ascii_lowercase();
        if lower.contains("migration") || lower.contains("migrated") {
            return true;
        }
        let digits = |s: &str| -> Vec<u64> {
            s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect()
        };
        let lit = match &value.kind {
            ExprKind::Literal(crate::ast::Literal::String(s)) => s.value.clone(),
            ExprKind::Literal(crate::ast::Literal::Integer(i)) => i.to_string(),
            _ => return false,
        };
        lower.contains("version") && !digits(&lit).is_empty() && digits(&lit) == digits(self.ctx.version)
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

    // ---- relationship-type renames --------------------------------------------------------

    fn rel_renames(&mut self, done: &mut [bool]) -> Result<Vec<RelRename>, String> {
        let writes = &self.a.writes;
        let mut out = Vec::new();
        for (d, w) in writes.iter().enumerate() {
            let Write::Delete { targets, .. } = w else { continue };
            if targets.len() != 1 {
                continue;
            }
            let old = &targets[0];
            let Some((start, end, dir, old_type, type_span)) = self.matched_relationship(old) else { continue };
            for (c, cw) in writes.iter().enumerate() {
                let Write::Create { part, merge: false, .. } = cw else { continue };
                let Some((cstart, cend, cdir, new_type, new_var)) = single_relationship(part) else { continue };
                let same = (cstart == start && cend == end && cdir == dir)
                    || (cstart == end && cend == start && cdir == flip(dir) && dir != Direction::Either);
                if !same || done[c] {
                    continue;
                }
                // Property copies onto the new relationship belong to the rename.
                let mut copied = relationship_props_read(part, old, self.text);
                if let Some(nv) = &new_var {
                    for (s, sw) in writes.iter().enumerate() {
                        let reads_old = |e: &Expr| variables(e).contains(old);
                        match sw {
                            Write::SetMap { var, value, .. } if var == nv => {
                                copied |= reads_old(value);
                                done[s] = true;
                            }
                            Write::SetProperty { var, value, .. } if var == nv => {
                                copied |= reads_old(value);
                                done[s] = true;
                            }
                            _ => {}
                        }
                    }
                }
                done[d] = true;
                done[c] = true;
                out.push(RelRename { old: old.clone(), new_type, old_type: old_type.clone(), copied, type_span });
                break;
            }
        }
        Ok(out)
    }

    /// For a relationship variable bound by MATCH with one type: its endpoints, direction, type
    /// and the span of the type name.
    fn matched_relationship(&self, var: &str) -> Option<(String, String, Direction, String, Span)> {
        for c in self.clauses {
            let Clause::Match(m) = c else { continue };
            for part in &m.pattern.parts {
                let els = &part.path.elements;
                for i in 1..els.len().saturating_sub(1) {
                    let PathElement::Relationship(r) = &els[i] else { continue };
                    if r.variable.as_ref().map(|v| v.value.as_str()) != Some(var) || r.length.is_some() {
                        continue;
                    }
                    let Some(LabelExpr::Name(t)) = &r.types else { return None };
                    let (PathElement::Node(a), PathElement::Node(b)) = (&els[i - 1], &els[i + 1]) else { return None };
                    let (a, b) = (a.variable.as_ref()?, b.variable.as_ref()?);
                    return Some((a.value.clone(), b.value.clone(), r.direction, t.value.clone(), t.span));
                }
            }
        }
        None
    }

    fn rel_rename_unit(&mut self, rr: &RelRename, changes: &[Change]) -> Unit {
        let edits = vec![(rr.type_span, quote_name(&rr.new_type))];
        let mut notes = vec![format!(
            "renames :{} back to :{}; the relationships are re-created, so their element ids change",
            rr.new_type, rr.old_type
        )];
        // Found by a verify decoy: the down matches every :new relationship of that shape, also
        // those that existed before the up.
        notes.push(format!(
            "Assumption: no :{} relationships existed between such nodes before this migration (every one is renamed back to :{})",
            rr.new_type, rr.old_type
        ));
        if !rr.copied {
            notes.push(format!(
                "Inexact: the migration did not copy properties from the old :{} relationships, so any they had are not restored",
                rr.old_type
            ));
        }
        let (prelude, _) = self.same_match_prelude(changes, &edits, std::slice::from_ref(&rr.old));
        let (start, end, dir, _, _) = self.matched_relationship(&rr.old).unwrap_or_default_rel();
        let fresh = self.fresh("restored");
        let arrow = match dir {
            Direction::Outgoing | Direction::Either => {
                format!("({start})-[{fresh}:{}]->({end})", quote_name(&rr.old_type))
            }
            Direction::Incoming => format!("({start})<-[{fresh}:{}]-({end})", quote_name(&rr.old_type)),
        };
        let mut writes = vec![format!("CREATE {arrow}")];
        if rr.copied {
            writes.push(format!("SET {fresh} = properties({})", rr.old));
        }
        writes.push(format!("DELETE {}", rr.old));
        Unit { prelude, writes, vars: vec![start, end, rr.old.clone()], ret: None, notes, destructive: true }
    }

    // ---- created entities ----------------------------------------------------------------

    fn created(
        &mut self,
        clause: Span,
        part: &PatternPart,
        merge: bool,
        changes: &[Change],
    ) -> Result<Option<Unit>, String> {
        let before = self.analysis_before(clause);
        let mut pattern = String::new();
        let mut detach = Vec::new();
        let mut delete = Vec::new();
        let mut uses_prelude = false;
        let mut notes = Vec::new();
        let els = &part.path.elements;
        let mut node_vars: Vec<(String, bool)> = Vec::new();
        for (idx, el) in els.iter().enumerate() {
            match el {
                PathElement::Node(n) => {
                    let new = is_new_node(n, &before, clause);
                    if !new {
                        let v = n.variable.as_ref().map(|v| v.value.clone()).unwrap_or_default();
                        if self.is_created(&v) {
                            // Created by an earlier clause: the prelude does not bind it, so it is
                            // found again by the key the up wrote on it.
                            let (text, note) = self.created_node_identity(&v)?;
                            pattern.push_str(&text);
                            notes.extend(note);
                            continue;
                        }
                        pattern.push_str(&format!("({v})"));
                        node_vars.push((v, false));
                        uses_prelude = true;
                        continue;
                    }
                    let labels = label_names(n.labels.as_ref());
                    let (props, skipped, reads_vars) = self.key_properties(n.properties.as_ref(), merge)?;
                    uses_prelude |= reads_vars;
                    if props.is_empty() && els.len() == 1 {
                        let var = n.variable.as_ref().map(|v| v.value.as_str());
                        if !labels.is_empty() && self.single_row() && !self.writes_to(var) {
                            if skipped.is_empty() {
                                return Ok(Some(self.bare_node(&labels, None)));
                            }
                            if let Some(key) = clock_key(n.properties.as_ref()) {
                                return Ok(Some(self.bare_node(&labels, Some(key))));
                            }
                        }
                        return Err(format!(
                            "the nodes created at `{}` have no deterministic property to find them by",
                            n.span.text(self.text)
                        ));
                    }
                    let v = match &n.variable {
                        Some(v) if !self.used_names.contains(&v.value) => v.value.clone(),
                        _ => self.fresh("created"),
                    };
                    let label_text: String = labels.iter().map(|l| format!(":{}", quote_name(l))).collect();
                    let prop_text = if props.is_empty() { String::new() } else { format!(" {{{}}}", props.join(", ")) };
                    pattern.push_str(&format!("({v}{label_text}{prop_text})"));
                    if !skipped.is_empty() {
                        notes.push(format!(
                            "`{v}` is found by its deterministic properties; {} {} not deterministic, so {} left out",
                            skipped.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                            if skipped.len() == 1 { "is" } else { "are" },
                            if skipped.len() == 1 { "it is" } else { "they are" }
                        ));
                    }
                    let label_words =
                        if labels.is_empty() { "node".to_string() } else { format!(":{}", labels.join(":")) };
                    let keys: Vec<&str> = props.iter().filter_map(|p| p.split(':').next()).collect();
                    let constrained = labels
                        .iter()
                        .any(|l| self.ctx.catalog.unique_constraint_covering(EntityKind::Node, l, &keys).is_some());
                    if props.is_empty() {
                        // Found only through its relationships to matched nodes: any such node
                        // that existed before matches too.
                        notes.push(format!(
                            "Inexact: the created {label_words} has no property to find it by; this also deletes every {label_words} already linked the same way to the matched nodes before this migration"
                        ));
                    } else if merge {
                        notes.push(format!("Assumption: the MERGE created every {label_words} it matched on (none existed before); an existing one it matched would be deleted too"));
                    } else if !constrained {
                        notes.push(format!(
                            "Assumption: no {label_words} with these properties existed before this migration"
                        ));
                    }
                    node_vars.push((v.clone(), true));
                    detach.push(v);
                }
                PathElement::Relationship(r) => {
                    let types = label_names(r.types.as_ref());
                    let (props, _, reads_vars) = self.key_properties(r.properties.as_ref(), merge)?;
                    uses_prelude |= reads_vars;
                    let v = self.fresh("rel");
                    let type_text: String = types.iter().map(|t| format!(":{}", quote_name(t))).collect();
                    let prop_text = if props.is_empty() { String::new() } else { format!(" {{{}}}", props.join(", ")) };
                    let body = format!("[{v}{type_text}{prop_text}]");
                    pattern.push_str(&match r.direction {
                        Direction::Outgoing => format!("-{body}->"),
                        Direction::Incoming => format!("<-{body}-"),
                        Direction::Either => format!("-{body}-"),
                    });
                    // A relationship between two existing nodes is deleted on its own; one that
                    // touches a created node goes with it (DETACH DELETE).
                    let prev_old =
                        idx > 0 && matches!(&els[idx - 1], PathElement::Node(n) if !is_new_node(n, &before, clause));
                    let next_old =
                        matches!(els.get(idx + 1), Some(PathElement::Node(n)) if !is_new_node(n, &before, clause));
                    if prev_old && next_old {
                        let t = types.join("|");
                        notes.push(if merge {
                            format!("Assumption: the MERGE created these :{t} relationships (none existed between the same nodes before)")
                        } else {
                            format!("Assumption: no :{t} relationships existed between these nodes before this migration")
                        });
                        delete.push(v);
                    }
                }
                PathElement::Parenthesized(_) => {
                    return Err("a parenthesised path in CREATE/MERGE is not inverted".into())
                }
            }
        }
        if detach.is_empty() && delete.is_empty() {
            return Ok(None);
        }
        let (prelude, _) = if uses_prelude {
            let needed: Vec<String> = node_vars.iter().filter(|(_, new)| !new).map(|(v, _)| v.clone()).collect();
            self.same_match_prelude(changes, &[], &needed)
        } else {
            (Vec::new(), ())
        };
        let mut writes = Vec::new();
        if !delete.is_empty() {
            writes.push(format!("DELETE {}", delete.join(", ")));
        }
        if !detach.is_empty() {
            writes.push(format!("DETACH DELETE {}", detach.join(", ")));
        }
        let mut lines = prelude;
        lines.push(format!("MATCH {pattern}"));
        let vars: Vec<String> = delete.iter().chain(detach.iter()).cloned().collect();
        Ok(Some(Unit { prelude: lines, writes, vars, ret: None, notes, destructive: true }))
    }

    /// A statement of CREATE clauses only (and RETURN): it runs once, each part creating one.
    fn single_row(&self) -> bool {
        self.clauses.iter().all(|c| matches!(c, Clause::Create(_) | Clause::Return(_)))
    }

    /// Does another write of the statement reach `var` (a SET or REMOVE of it, a created path
    /// that may link it, a delete or procedure)?
    fn writes_to(&self, var: Option<&str>) -> bool {
        let Some(var) = var else { return false };
        self.a.writes.iter().any(|w| match w {
            Write::SetProperty { var: v, .. }
            | Write::SetMap { var: v, .. }
            | Write::SetLabels { var: v, .. }
            | Write::RemoveProperty { var: v, .. }
            | Write::RemoveLabels { var: v, .. } => v == var,
            Write::Create { part, .. } => part.path.elements.len() > 1,
            _ => true,
        })
    }

    /// A node created with labels only, once: deleted as one node with exactly those labels, no
    /// property and no relationship. Identity: every such node is indistinguishable from the
    /// created one, so deleting any one of them gives back the graph before the up (up to which
    /// element id survives, which the note says).
    ///
    /// With `clock`, the one property the node was created with, a clock value
    /// (`{created_on: datetime.transaction()}`): the node with the latest one is deleted, which is
    /// the migration's unless such a node was created after it (the note says so).
    fn bare_node(&mut self, labels: &[String], clock: Option<String>) -> Unit {
        let v = self.fresh("created");
        let label_text: String = labels.iter().map(|l| format!(":{}", quote_name(l))).collect();
        let words = format!(":{}", labels.join(":"));
        let (keys, order) = match &clock {
            None => (format!("size(keys({v})) = 0"), String::new()),
            Some(k) => (format!("keys({v}) = [{}]", cypher_string(k)), format!(" ORDER BY {v}.{} DESC", quote_name(k))),
        };
        let prelude = vec![
            format!("MATCH ({v}{label_text})"),
            format!("WHERE size(labels({v})) = {} AND {keys} AND NOT ({v})--()", labels.len()),
            format!("WITH {v}{order} LIMIT 1"),
        ];
        let note = match &clock {
            None => format!(
                "Inexact: the created {words} node has no property to find it by; this deletes one {words} node with no other label, no property and no relationship: the one the migration created or an identical one (the graph is the same, but the surviving node may have another element id)"
            ),
            Some(k) => format!(
                "Inexact: the created {words} node has only a clock value `{k}` to find it by; this deletes the {words} node with no other label, no other property and no relationship that has the latest `{k}`: the migration's, unless such a node was created after it (then that one is deleted and the migration's stays)"
            ),
        };
        Unit {
            prelude,
            writes: vec![format!("DELETE {v}")],
            vars: vec![v],
            ret: None,
            notes: vec![note],
            destructive: true,
        }
    }

    /// `(v:Labels {keys})` of a node an earlier clause of the statement created, and the
    /// assumption that makes it one node (none when a uniqueness constraint covers the keys).
    fn created_node_identity(&self, var: &str) -> Result<(String, Option<String>), String> {
        let node = self
            .clauses
            .iter()
            .filter_map(|c| match c {
                Clause::Create(cr) => Some(cr.pattern.parts.as_slice()),
                Clause::Merge(m) => Some(std::slice::from_ref(&m.pattern)),
                _ => None,
            })
            .flatten()
            .flat_map(|p| p.path.elements.iter())
            .find_map(|el| match el {
                PathElement::Node(n)
                    if n.variable.as_ref().is_some_and(|v| v.value == var)
                        && (n.labels.is_some() || n.properties.is_some()) =>
                {
                    Some(n)
                }
                _ => None,
            })
            .ok_or_else(|| format!("`{var}` was created without labels or properties: nothing finds it again"))?;
        let labels = label_names(node.labels.as_ref());
        // Its non-deterministic values cannot find it again; the deterministic ones may.
        let (props, _, _) = self.key_properties(node.properties.as_ref(), false)?;
        if props.is_empty() {
            return Err(format!(
                "`{var}` was created without a deterministic property: its relationships cannot be told from those of other nodes"
            ));
        }
        let keys: Vec<&str> = props.iter().filter_map(|p| p.split(':').next()).collect();
        let unique =
            labels.iter().any(|l| self.ctx.catalog.unique_constraint_covering(EntityKind::Node, l, &keys).is_some());
        let label_text: String = labels.iter().map(|l| format!(":{}", quote_name(l))).collect();
        let note = (!unique).then(|| {
            format!(
                "Assumption: `{var}` is the only :{} with {{{}}} (no uniqueness constraint says so); its relationships are deleted from every such node",
                labels.join(":"),
                props.join(", ")
            )
        });
        Ok((format!("({var}{label_text} {{{}}})", props.join(", ")), note))
    }

    /// `k: value` texts usable to find created entities again, the keys left out, and whether
    /// any value reads a variable (so the prelude is needed).
    fn key_properties(&self, props: Option<&Expr>, merge: bool) -> Result<(Vec<String>, Vec<String>, bool), String> {
        let Some(props) = props else { return Ok((Vec::new(), Vec::new(), false)) };
        let ExprKind::Map(map) = &props.kind else {
            return Err(format!("properties given as `{}`: the keys are unknown", props.span.text(self.text)));
        };
        let mut keep = Vec::new();
        let mut skipped = Vec::new();
        let mut reads = false;
        for entry in &map.entries {
            if is_deterministic(&entry.value) {
                reads |= !variables(&entry.value).is_empty();
                keep.push(format!("{}: {}", quote_name(&entry.key.value), entry.value.span.text(self.text)));
            } else if merge {
                return Err(format!("the MERGE key `{}` is not deterministic", entry.key.value));
            } else {
                skipped.push(entry.key.value.clone());
            }
        }
        Ok((keep, skipped, reads))
    }

    /// The analysis of the clauses that come before `clause`.
    fn analysis_before(&self, clause: Span) -> Analysis {
        let earlier: Vec<&Clause> = self.clauses.iter().copied().filter(|c| c.span().start < clause.start).collect();
        analyze(&earlier)
    }

    // ---- changes of matched entities ------------------------------------------------------

    fn changes_unit(&mut self, changes: &[Change]) -> Unit {
        let mut notes = Vec::new();
        let mut writes = Vec::new();
        let vars: Vec<String> = changes.iter().map(|c| c.var().to_string()).fold(Vec::new(), |mut acc, v| {
            if !acc.contains(&v) {
                acc.push(v);
            }
            acc
        });
        let markers: Vec<&Change> = changes.iter().filter(|c| matches!(c, Change::Marker { .. })).collect();
        let marked = |var: &str| markers.iter().any(|m| m.var() == var);
        // Undo in reverse order of the SETs, markers last (they select the rows).
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        for change in changes.iter().rev() {
            match change {
                Change::RenameProperty { var, from, to } => {
                    sets.push(format!("{var}.{} = {var}.{}", quote_name(from), quote_name(to)));
                    removes.push(format!("{var}.{}", quote_name(to)));
                    if !marked(var) {
                        notes.push(format!(
                            "Assumption: no matched node had `{to}` without `{from}` before this migration (every such node is renamed back)"
                        ));
                    }
                }
                Change::RenameLabel { var, from, to } => {
                    sets.push(format!("{var}:{}", quote_name(from)));
                    removes.push(format!("{var}:{}", quote_name(to)));
                    notes.push(format!("Assumption: no node had the label :{to} before this migration"));
                }
                Change::AddProperty { var, key, guarded } => {
                    removes.push(format!("{var}.{}", quote_name(key)));
                    match (marked(var), guarded) {
                        (true, true) => {}
                        (true, false) => notes.push(format!(
                            "Assumption: the marked nodes had no `{key}` before this migration (an earlier value would have been overwritten)"
                        )),
                        (false, true) => notes.push(format!(
                            "Inexact: removes `{key}` from every matched node, including nodes that already had it before this migration (the migration skipped those)"
                        )),
                        (false, false) => notes.push(format!(
                            "Assumption: no matched node had `{key}` before this migration (the SET would have overwritten it)"
                        )),
                    }
                }
                Change::AddLabel { var, label, guarded } => {
                    removes.push(format!("{var}:{}", quote_name(label)));
                    if !(marked(var) && *guarded) {
                        notes.push(format!("Assumption: no matched node already had the label :{label}"));
                    }
                }
                Change::Fill { var, key, value } => {
                    removes.push(format!("{var}.{}", quote_name(key)));
                    notes.push(format!(
                        "Inexact: removes `{key}` where it equals {value}; a matched node that already had `{key}` = {value} before this migration loses it too"
                    ));
                }
                Change::Marker { .. } => {}
            }
        }
        for m in &markers {
            if let Change::Marker { var, key, .. } = m {
                removes.push(format!("{var}.{}", quote_name(key)));
                let earlier = self.earlier_writers(var, key);
                if !earlier.is_empty() {
                    notes.push(format!(
                        "Inexact: {} also set `{key}`; nodes this migration re-marked lose that earlier value, so {} down script no longer finds them by its marker",
                        earlier.join(", "),
                        if earlier.len() == 1 { "its" } else { "their" }
                    ));
                }
            }
        }
        if !sets.is_empty() {
            writes.push(format!("SET {}", sets.join(", ")));
        }
        if !removes.is_empty() {
            writes.push(format!("REMOVE {}", removes.join(", ")));
        }
        let label_edits = self.label_rename_edits(changes);
        let fills = changes.iter().any(|c| matches!(c, Change::Fill { .. }));
        let single_marked = vars.len() == 1 && marked(&vars[0]) && !fills;
        let (prelude, ret) = if single_marked {
            self.marker_prelude(&vars[0], &markers)
        } else {
            let (p, _) = self.same_match_prelude(changes, &label_edits, &vars);
            (p, self.kept_return(&vars))
        };
        let destructive = !removes.is_empty();
        Unit { prelude, writes, vars, ret, notes, destructive }
    }

    fn label_rename_edits(&self, changes: &[Change]) -> Vec<(Span, String)> {
        let mut edits = Vec::new();
        for change in changes {
            let Change::RenameLabel { var, from, to } = change else { continue };
            for c in self.clauses {
                let Clause::Match(m) = c else { continue };
                for part in &m.pattern.parts {
                    for el in &part.path.elements {
                        let PathElement::Node(n) = el else { continue };
                        if n.variable.as_ref().map(|v| &v.value) != Some(var) {
                            continue;
                        }
                        for name in n.labels.iter().flat_map(|l| l.required_names()) {
                            if name.value == *from {
                                edits.push((name.span, quote_name(to)));
                            }
                        }
                    }
                }
            }
        }
        edits
    }

    /// `MATCH (v:Labels) WHERE v.marker = 'x'`, keeping a WITH … LIMIT batch and the RETURN.
    fn marker_prelude(&self, var: &str, markers: &[&Change]) -> (Vec<String>, Option<String>) {
        let labels: String = self.a.labels_of(var).iter().map(|l| format!(":{}", quote_name(l))).collect();
        let entity = match self.a.entity_of(var) {
            EntityKind::Node => format!("({var}{labels})"),
            EntityKind::Relationship => format!("()-[{var}{labels}]->()"),
        };
        let conds: Vec<String> = markers
            .iter()
            .filter_map(|m| match m {
                Change::Marker { var: v, key, value } if v == var => {
                    Some(format!("{var}.{} = {value}", quote_name(key)))
                }
                _ => None,
            })
            .collect();
        let mut lines = vec![format!("MATCH {entity}"), format!("WHERE {}", conds.join(" AND "))];
        for c in self.clauses {
            if let Clause::With(w) = c {
                if let Some(batch) = self.batch_tail(w) {
                    lines.push(format!("WITH {var}{batch}"));
                }
            }
        }
        (lines, self.kept_return(&[var.to_string()]))
    }

    /// ` ORDER BY … SKIP … LIMIT …` of a WITH, when it limits rows (a manual batch).
    fn batch_tail(&self, w: &WithClause) -> Option<String> {
        let p = &w.projection;
        if p.skip.is_none() && p.limit.is_none() {
            return None;
        }
        let mut out = String::new();
        if let Some(s) = &p.skip {
            out.push_str(&format!(" SKIP {}", s.span.text(self.text)));
        }
        if let Some(l) = &p.limit {
            out.push_str(&format!(" LIMIT {}", l.span.text(self.text)));
        }
        Some(out)
    }

    /// The original RETURN, when it only mentions variables the inverse still binds.
    fn kept_return(&self, vars: &[String]) -> Option<String> {
        let Some(Clause::Return(r)) = self.clauses.last() else { return None };
        let ok = !r.projection.star
            && r.projection.items.iter().all(|i| variables(&i.expr).iter().all(|v| vars.contains(v)));
        ok.then(|| r.span.text(self.text).to_string())
    }

    /// The original reading clauses, finding the same rows again: MATCH (guards on what the
    /// statement writes dropped, markers added), UNWIND, LOAD CSV, read-only CALLs and batching
    /// WITHs; OPTIONAL MATCH only when it binds a variable the inverse needs.
    fn same_match_prelude(&self, changes: &[Change], edits: &[(Span, String)], needed: &[String]) -> (Vec<String>, ()) {
        let written: Vec<(String, String)> = self
            .a
            .writes
            .iter()
            .filter_map(|w| match w {
                Write::SetProperty { var, key, .. } | Write::RemoveProperty { var, key, .. } => {
                    Some((var.clone(), key.clone()))
                }
                _ => None,
            })
            .chain(changes.iter().filter_map(|c| match c {
                Change::RenameProperty { var, from, .. } => Some((var.clone(), from.clone())),
                _ => None,
            }))
            .collect();
        let written_labels: Vec<(String, String)> = self
            .a
            .writes
            .iter()
            .filter_map(|w| match w {
                Write::SetLabels { var, labels, .. } | Write::RemoveLabels { var, labels, .. } => {
                    Some(labels.iter().map(|l| (var.clone(), l.clone())).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        let markers: Vec<(String, String, String)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Marker { var, key, value } => Some((var.clone(), key.clone(), value.clone())),
                _ => None,
            })
            .collect();
        // Unmarked renames: only nodes that look renamed (new name present, old name absent).
        let mut markers = markers;
        for c in changes {
            if let Change::Fill { var, key, value } = c {
                markers.push((var.clone(), String::new(), format!("{var}.{} = {value}", quote_name(key))));
            }
        }
        for c in changes {
            if let Change::RenameProperty { var, from, to } = c {
                if !markers.iter().any(|(v, _, _)| v == var) {
                    markers.push((
                        var.clone(),
                        String::new(),
                        format!("{var}.{} IS NOT NULL AND {var}.{} IS NULL", quote_name(to), quote_name(from)),
                    ));
                }
            }
        }
        let created_types = self.created_relationship_types();
        // A guard on what the up writes held before the up, not after it: kept, it would select
        // nothing (or other rows) when the down runs.
        let keep = |e: &Expr| {
            !written.iter().any(|(v, k)| reads_property(e, self.text, v, k))
                && !written_labels.iter().any(|(v, l)| reads_label(e, self.text, v, l))
                && !created_types.iter().any(|t| tests_relationship_type(e, self.text, t))
        };
        // The conditions of a WHERE that still hold after the write (those it changes are dropped).
        let kept_conditions = |where_: Option<&Expr>| -> Vec<String> {
            where_.into_iter().flat_map(conjuncts).filter(|e| keep(e)).map(|e| conjunct_text(e, self.text)).collect()
        };
        let mut lines = Vec::new();
        let mut marked: BTreeSet<String> = BTreeSet::new();
        let mut last_write = 0;
        for (i, c) in self.clauses.iter().enumerate() {
            if is_write_clause(c) {
                last_write = i;
            }
        }
        for (i, c) in self.clauses.iter().enumerate() {
            match c {
                Clause::Match(m) => {
                    if m.optional && !self.binds_any(m, needed) {
                        continue;
                    }
                    let mut conds = kept_conditions(m.where_.as_ref());
                    for (v, k, val) in &markers {
                        if !marked.contains(&format!("{v}.{k}")) && self.binds_var(m, v) {
                            // An empty key: `val` is the whole condition.
                            conds.push(if k.is_empty() {
                                val.clone()
                            } else {
                                format!("{v}.{} = {val}", quote_name(k))
                            });
                            marked.insert(format!("{v}.{k}"));
                        }
                    }
                    lines.push(self.match_text(m, edits, &conds));
                }
                Clause::Unwind(_) | Clause::LoadCsv(_) | Clause::Use(_) => {
                    lines.push(c.span().text(self.text).trim().to_string());
                }
                Clause::CallProcedure(p)
                    if crate::semantic::procedures::lookup(&p.procedure.dotted()).leaves_graph_alone()
                        && i < last_write
                        && p.yield_.is_some() =>
                {
                    lines.push(c.span().text(self.text).trim().to_string());
                }
                Clause::With(w) if i < last_write => {
                    if let Some(tail) = self.batch_tail(w) {
                        let conds = kept_conditions(w.where_.as_ref());
                        let items = if w
                            .projection
                            .items
                            .iter()
                            .all(|it| matches!(it.expr.kind, ExprKind::Variable(_)) && it.alias.is_none())
                        {
                            w.projection.items.iter().map(|it| it.span.text(self.text)).collect::<Vec<_>>().join(", ")
                        } else {
                            "*".to_string()
                        };
                        lines.push(format!("WITH {items}{tail}"));
                        if !conds.is_empty() {
                            lines.push(format!("WHERE {}", conds.join(" AND ")));
                        }
                    }
                }
                _ => {}
            }
        }
        (lines, ())
    }

    /// The relationship types the statement creates (CREATE or MERGE).
    fn created_relationship_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        for w in &self.a.writes {
            let Write::Create { part, .. } = w else { continue };
            for el in &part.path.elements {
                if let PathElement::Relationship(r) = el {
                    out.extend(label_names(r.types.as_ref()));
                }
            }
        }
        out
    }

    fn match_text(&self, m: &MatchClause, edits: &[(Span, String)], conds: &[String]) -> String {
        let pattern = m.pattern.span;
        let mut text = String::new();
        let mut cursor = pattern.start;
        let mut sorted: Vec<&(Span, String)> = edits.iter().filter(|(s, _)| pattern.contains(*s)).collect();
        sorted.sort_by_key(|(s, _)| s.start);
        for (span, replacement) in sorted {
            text.push_str(self.text.get(cursor..span.start).unwrap_or(""));
            text.push_str(replacement);
            cursor = span.end;
        }
        text.push_str(self.text.get(cursor..pattern.end).unwrap_or(""));
        let mut out = format!("{}MATCH {}", if m.optional { "OPTIONAL " } else { "" }, text.trim());
        for h in &m.hints {
            out.push(' ');
            out.push_str(h.span.text(self.text));
        }
        if !conds.is_empty() {
            out.push_str(&format!("\nWHERE {}", conds.join(" AND ")));
        }
        out
    }

    fn binds_any(&self, m: &MatchClause, vars: &[String]) -> bool {
        vars.iter().any(|v| self.binds_var(m, v))
    }

    fn binds_var(&self, m: &MatchClause, var: &str) -> bool {
        let mut a = Analysis::default();
        let clause = Clause::Match(m.clone());
        let single = [&clause];
        a.bindings = analyze(&single).bindings;
        a.binding(var).is_some()
    }

    fn fresh(&mut self, base: &str) -> String {
        for i in 1.. {
            let name = if i == 1 { base.to_string() } else { format!("{base}{i}") };
            if !self.used_names.contains(&name) && !mentions_word(self.text, &name) {
                self.used_names.insert(name.clone());
                return name;
            }
        }
        unreachable!()
    }
}

trait OrDefaultRel {
    fn unwrap_or_default_rel(self) -> (String, String, Direction, String, Span);
}

impl OrDefaultRel for Option<(String, String, Direction, String, Span)> {
    fn unwrap_or_default_rel(self) -> (String, String, Direction, String, Span) {
        self.unwrap_or_else(|| (String::new(), String::new(), Direction::Outgoing, String::new(), Span::default()))
    }
}

/// The key of a property map that holds exactly one entry, a reading of the clock
/// (`{created_on: datetime.transaction()}`, `{at: timestamp()}`): later nodes get later values.
fn clock_key(props: Option<&Expr>) -> Option<String> {
    let ExprKind::Map(map) = &props?.kind else { return None };
    let [entry] = map.entries.as_slice() else { return None };
    let ExprKind::FunctionCall { name, args, .. } = &entry.value.kind else { return None };
    let n = name.dotted().to_ascii_lowercase();
    let temporal = ["datetime", "localdatetime", "date", "timestamp"];
    let clock = temporal.iter().any(|t| n == *t || n.strip_prefix(t).is_some_and(|rest| rest.starts_with('.')));
    (clock && args.is_empty()).then(|| entry.key.value.clone())
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

fn flip(d: Direction) -> Direction {
    match d {
        Direction::Outgoing => Direction::Incoming,
        Direction::Incoming => Direction::Outgoing,
        Direction::Either => Direction::Either,
    }
}

/// `(a)-[x:T]->(b)` with both ends named: (a, b, direction, T, x).
fn single_relationship(part: &PatternPart) -> Option<(String, String, Direction, String, Option<String>)> {
    let [PathElement::Node(a), PathElement::Relationship(r), PathElement::Node(b)] = part.path.elements.as_slice()
    else {
        return None;
    };
    if a.labels.is_some() || b.labels.is_some() || a.properties.is_some() || b.properties.is_some() {
        return None;
    }
    let Some(LabelExpr::Name(t)) = &r.types else { return None };
    Some((
        a.variable.as_ref()?.value.clone(),
        b.variable.as_ref()?.value.clone(),
        r.direction,
        t.value.clone(),
        r.variable.as_ref().map(|v| v.value.clone()),
    ))
}

fn relationship_props_read(part: &PatternPart, old: &str, _text: &str) -> bool {
    part.path.elements.iter().any(|el| match el {
        PathElement::Relationship(r) => {
            r.properties.as_ref().map(|p| variables(p).iter().any(|v| v == old)).unwrap_or(false)
        }
        _ => false,
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
