//! Changes of matched entities (properties, labels, renames, markers): classified by kind (see
//! [`super::set`], [`super::labels`], [`super::rename`]) and undone together in one statement that
//! finds the changed rows again, by the up's marker or by the same match after the up.

use super::Inverter;
use super::Unit;
use crate::schema::effects::Write;
use crate::schema::quote_name;

/// A modification of a matched entity and how to undo it.
#[derive(Debug)]
pub(super) enum Change {
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
    /// `SET v.key = …` over `value`, the literal the earlier migrations `from` wrote.
    Restore {
        var: String,
        key: String,
        value: String,
        from: super::set::Versions,
    },
    /// `SET v.key = coalesce(v.key, value)`: `value` where `key` was absent.
    Fill {
        var: String,
        key: String,
        value: String,
    },
}

impl Change {
    pub(super) fn var(&self) -> &str {
        match self {
            Change::RenameProperty { var, .. }
            | Change::RenameLabel { var, .. }
            | Change::AddProperty { var, .. }
            | Change::AddLabel { var, .. }
            | Change::Marker { var, .. }
            | Change::Restore { var, .. }
            | Change::Fill { var, .. } => var,
        }
    }
}

impl Inverter<'_, '_> {
    pub(super) fn changes(&mut self, done: &mut [bool]) -> Result<Vec<Change>, String> {
        let writes = &self.a.writes;
        let mut changes = Vec::new();
        self.property_renames(done, &mut changes)?;
        self.label_renames(done, &mut changes);
        for (i, w) in writes.iter().enumerate() {
            if done[i] {
                continue;
            }
            done[i] = match w {
                Write::SetProperty { var, key, value, merge_action, .. } => {
                    self.set_property(var, key, value, *merge_action, &mut changes)?
                }
                Write::SetMap { var, value, replace, .. } => self.set_map(var, value, *replace, &mut changes)?,
                Write::SetLabels { var, labels, .. } => self.add_labels(var, labels, &mut changes)?,
                _ => false,
            };
        }
        self.fill_alone(&changes, done)?;
        Ok(changes)
    }

    pub(super) fn changes_unit(&mut self, changes: &[Change]) -> Unit {
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
                Change::Restore { var, key, value, from } => {
                    sets.push(format!("{var}.{} = {value}", quote_name(key)));
                    notes.push(format!(
                        "Assumption: every matched node had `{key}` = {value} before this migration, as {from} wrote it (a value written since by anything else is replaced)"
                    ));
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
                        earlier,
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
}
