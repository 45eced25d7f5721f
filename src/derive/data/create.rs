//! Created and merged entities: deleted by the deterministic keys the up wrote on them.

use super::batching::cypher_string;
use super::changes::Change;
use super::{Inverter, Unit};
use crate::ast::{Clause, Direction, EntityKind, Expr, ExprKind, PathElement, PatternPart};
use crate::expr::{is_deterministic, variables};
use crate::schema::effects::{analyze, is_new_node, label_names, Analysis, Write};
use crate::schema::quote_name;
use crate::span::Span;

impl Inverter<'_, '_> {
    pub(super) fn created(
        &mut self,
        clause: Span,
        part: &PatternPart,
        merge: bool,
        changes: &[Change],
    ) -> Result<Option<Unit>, String> {
        if merge && !self.on_match.is_empty() {
            if let Some(unit) = self.merge_created_unit() {
                return Ok(Some(unit));
            }
        }
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
                    let earlier = self.earlier_writers_on(&labels, &keys);
                    if props.is_empty() {
                        // Found only through its relationships to matched nodes: any such node
                        // that existed before matches too.
                        notes.push(format!(
                            "Inexact: the created {label_words} has no property to find it by; this also deletes every {label_words} already linked the same way to the matched nodes before this migration"
                        ));
                    } else if !earlier.is_empty() && (merge || !constrained) {
                        // The set itself contradicts the usual assumption: an earlier migration
                        // writes these keys on this label, so nodes it made may match as well.
                        notes.push(format!(
                            "Inexact: {} also {} {label_words} with {}; any of those with the same properties is deleted too",
                            earlier,
                            if earlier.len() > 1 { "write" } else { "writes" },
                            keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
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
    pub(super) fn single_row(&self) -> bool {
        self.clauses.iter().all(|c| matches!(c, Clause::Create(_) | Clause::Return(_)))
    }

    /// Does another write of the statement reach `var` (a SET or REMOVE of it, a created path
    /// that may link it, a delete or procedure)?
    pub(super) fn writes_to(&self, var: Option<&str>) -> bool {
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
    pub(super) fn bare_node(&mut self, labels: &[String], clock: Option<String>) -> Unit {
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
    pub(super) fn created_node_identity(&self, var: &str) -> Result<(String, Option<String>), String> {
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
    pub(super) fn key_properties(
        &self,
        props: Option<&Expr>,
        merge: bool,
    ) -> Result<(Vec<String>, Vec<String>, bool), String> {
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
    pub(super) fn analysis_before(&self, clause: Span) -> Analysis {
        let earlier: Vec<&Clause> = self.clauses.iter().copied().filter(|c| c.span().start < clause.start).collect();
        analyze(&earlier)
    }
}

/// The key of a property map that holds exactly one entry, a reading of the clock
/// (`{created_on: datetime.transaction()}`, `{at: timestamp()}`): later nodes get later values.
pub(super) fn clock_key(props: Option<&Expr>) -> Option<String> {
    let ExprKind::Map(map) = &props?.kind else { return None };
    let [entry] = map.entries.as_slice() else { return None };
    let ExprKind::FunctionCall { name, args, .. } = &entry.value.kind else { return None };
    let n = name.dotted().to_ascii_lowercase();
    let temporal = ["datetime", "localdatetime", "date", "timestamp"];
    let clock = temporal.iter().any(|t| n == *t || n.strip_prefix(t).is_some_and(|rest| rest.starts_with('.')));
    (clock && args.is_empty()).then(|| entry.key.value.clone())
}
