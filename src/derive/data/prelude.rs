//! The prelude of an inverse: the clauses that find the same rows again after the up.

use super::changes::Change;
use super::is_write_clause;
use super::Inverter;
use crate::ast::{Clause, EntityKind, Expr, ExprKind, MatchClause, PathElement, WithClause};
use crate::expr::{conjunct_text, conjuncts, reads_label, reads_property, tests_relationship_type, variables};
use crate::schema::effects::{analyze, label_names, Analysis, Write};
use crate::schema::quote_name;
use crate::span::Span;
use std::collections::BTreeSet;

impl Inverter<'_, '_> {
    /// `MATCH (v:Labels) WHERE v.marker = 'x'`, keeping a WITH … LIMIT batch and the RETURN.
    pub(super) fn marker_prelude(&self, var: &str, markers: &[&Change]) -> (Vec<String>, Option<String>) {
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
    pub(super) fn batch_tail(&self, w: &WithClause) -> Option<String> {
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
    pub(super) fn kept_return(&self, vars: &[String]) -> Option<String> {
        let Some(Clause::Return(r)) = self.clauses.last() else { return None };
        let ok = !r.projection.star
            && r.projection.items.iter().all(|i| variables(&i.expr).iter().all(|v| vars.contains(v)));
        ok.then(|| r.span.text(self.text).to_string())
    }

    /// The original reading clauses, finding the same rows again: MATCH (guards on what the
    /// statement writes dropped, markers added), UNWIND, LOAD CSV, read-only CALLs and batching
    /// WITHs; OPTIONAL MATCH only when it binds a variable the inverse needs.
    pub(super) fn same_match_prelude(
        &self,
        changes: &[Change],
        edits: &[(Span, String)],
        needed: &[String],
    ) -> (Vec<String>, ()) {
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
    pub(super) fn created_relationship_types(&self) -> Vec<String> {
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

    pub(super) fn match_text(&self, m: &MatchClause, edits: &[(Span, String)], conds: &[String]) -> String {
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

    pub(super) fn binds_any(&self, m: &MatchClause, vars: &[String]) -> bool {
        vars.iter().any(|v| self.binds_var(m, v))
    }

    pub(super) fn binds_var(&self, m: &MatchClause, var: &str) -> bool {
        let mut a = Analysis::default();
        let clause = Clause::Match(m.clone());
        let single = [&clause];
        a.bindings = analyze(&single).bindings;
        a.binding(var).is_some()
    }
}
