//! Labels added to matched entities: removed again.

use super::changes::Change;
use super::Inverter;
use crate::expr::is_label_absence_guard;

impl Inverter<'_, '_> {
    /// `SET var:Label` of a matched entity. Identity: the matched state after the up (with the
    /// label absence guard left out), or the up's marker; an entity that already had the label
    /// is named in the assumption unless a guard skipped it.
    pub(super) fn add_labels(&self, var: &str, labels: &[String], changes: &mut Vec<Change>) -> Result<bool, String> {
        if self.is_created(var) {
            return Ok(true);
        }
        if !self.is_matched(var) {
            return Err(format!("`SET {var}:…` changes an entity cymig cannot find again"));
        }
        for l in labels {
            let guarded = self.where_conjuncts().iter().any(|c| is_label_absence_guard(c, var, l));
            changes.push(Change::AddLabel { var: var.to_string(), label: l.clone(), guarded });
        }
        Ok(true)
    }
}
