//! Property and label renames of matched entities: renamed back.

use super::changes::Change;
use super::Inverter;
use crate::ast::{Clause, PathElement};
use crate::schema::effects::{property_target, Write};
use crate::schema::quote_name;
use crate::span::Span;

impl Inverter<'_, '_> {
    /// `SET v.to = v.from … REMOVE v.from`. Identity: the entities that have `to` and no `from`
    /// after the up (or the up's marker); refused when an earlier migration wrote `to`, whose
    /// values the rename overwrote.
    pub(super) fn property_renames(&self, done: &mut [bool], changes: &mut Vec<Change>) -> Result<(), String> {
        let writes = &self.a.writes;
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
                        self.earlier_writers(var, key)
                    ));
                }
                changes.push(Change::RenameProperty { var: var.clone(), from, to: key.clone() });
                done[i] = true;
                done[j] = true;
            }
        }
        Ok(())
    }

    /// `SET v:New … REMOVE v:Old`. Identity: the label `New`, with the assumption that no
    /// matched node had it before.
    pub(super) fn label_renames(&self, done: &mut [bool], changes: &mut Vec<Change>) {
        let writes = &self.a.writes;
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
    }

    pub(super) fn label_rename_edits(&self, changes: &[Change]) -> Vec<(Span, String)> {
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
}
