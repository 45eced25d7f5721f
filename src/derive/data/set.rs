//! Properties set on matched entities: added (removed again), filled with `coalesce` (removed
//! where they hold the filled value), markers (which select the changed rows).

use super::changes::Change;
use super::Inverter;
use crate::ast::{Clause, Expr, ExprKind, PathElement};
use crate::expr::{is_absence_guard, literal_text, reads_property, variables};

impl Inverter<'_, '_> {
    /// `SET var.key = value` of a matched entity, or part of a creation (nothing to undo:
    /// the entity is deleted). Identity: the matched state after the up, or the up's marker.
    pub(super) fn set_property(
        &self,
        var: &str,
        key: &str,
        value: &Expr,
        merge_action: Option<bool>,
        changes: &mut Vec<Change>,
    ) -> Result<bool, String> {
        if self.is_created(var) && merge_action != Some(false) {
            // Part of a creation: the inverse deletes the entity.
            return Ok(true);
        }
        if !self.is_matched(var) {
            return Err(format!(
                "`SET {var}.{key}` changes an entity cymig cannot find again (`{var}` is not bound by MATCH)"
            ));
        }
        if let Some(fill) = self.fill_value(var, key, value) {
            changes.push(Change::Fill { var: var.to_string(), key: key.to_string(), value: fill });
        } else if let Some(v) = literal_text(value, self.text).filter(|_| self.is_marker(key, value)) {
            changes.push(Change::Marker { var: var.to_string(), key: key.to_string(), value: v });
        } else {
            changes.push(self.added_property(var, key, value)?);
        }
        Ok(true)
    }

    /// `SET var += {…}` of a matched entity: each key an added property. `SET var = …` replaces
    /// every property, whose old values nothing restores.
    pub(super) fn set_map(
        &self,
        var: &str,
        value: &Expr,
        replace: bool,
        changes: &mut Vec<Change>,
    ) -> Result<bool, String> {
        if self.is_created(var) {
            return Ok(true);
        }
        if replace {
            return Err(format!(
                "`SET {var} = …` replaces every property of existing entities: the old values are lost"
            ));
        }
        let ExprKind::Map(map) = &value.kind else {
            return Err(format!("`SET {var} += …` with a non-literal map: the keys it overwrites are unknown"));
        };
        if !self.is_matched(var) {
            return Err(format!("`SET {var} += …` changes an entity cymig cannot find again"));
        }
        for entry in &map.entries {
            changes.push(self.added_property(var, &entry.key.value, &entry.value)?);
        }
        Ok(true)
    }

    /// The literal of `SET v.key = coalesce(v.key, literal)`, a fill of the absent values.
    pub(super) fn fill_value(&self, var: &str, key: &str, value: &Expr) -> Option<String> {
        let ExprKind::FunctionCall { name, args, .. } = &value.kind else { return None };
        let [current, fill] = args.as_slice() else { return None };
        let own = matches!(&current.kind, ExprKind::Property { subject, key: k }
            if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var));
        (name.dotted().eq_ignore_ascii_case("coalesce") && own).then(|| literal_text(fill, self.text)).flatten()
    }

    /// A fill's down finds the filled entities by the value it wrote: the one condition cannot
    /// also find what other writes of the statement changed, so a fill must be its only change
    /// (besides markers).
    pub(super) fn fill_alone(&self, changes: &[Change], done: &[bool]) -> Result<(), String> {
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

    pub(super) fn added_property(&self, var: &str, key: &str, value: &Expr) -> Result<Change, String> {
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
            // Restoring the very literal the up writes would undo nothing: that case stays refused.
            let writes_it_again = |earlier: &str| earlier == value.span.text(self.text).trim();
            if let Some((value, from)) = self.earlier_literal(var, key).filter(|(v, _)| !writes_it_again(v)) {
                return Ok(Change::Restore { var: var.to_string(), key: key.to_string(), value, from });
            }
            return Err(format!(
                "`SET {var}.{key}` overwrites `{key}`, which {} already wrote: the previous values are lost",
                self.earlier_writers(var, key)
            ));
        }
        Ok(Change::AddProperty { var: var.to_string(), key: key.to_string(), guarded })
    }

    /// Does `value` read `var.key`, directly or through WITH aliases?
    pub(super) fn reads_own_value(&self, var: &str, key: &str, value: &Expr) -> bool {
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
    pub(super) fn matched_value(&self, var: &str, key: &str) -> Option<String> {
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

    /// The one literal every earlier migration that wrote `var.key` (on any of its labels)
    /// wrote, and those migrations: what a SET over it restores. Identity: the same match after
    /// the up (the entities the SET changed); the restored value is the earlier migrations' own,
    /// which the model read from their files. `None` when one wrote something else (a computed
    /// value, a rename, another literal).
    pub(super) fn earlier_literal(&self, var: &str, key: &str) -> Option<(String, Versions)> {
        let labels = self.a.labels_of(var);
        let mut value: Option<&str> = None;
        for label in &labels {
            let Some(written) = self.ctx.model.earlier_literal_of(self.ctx.version, label, key) else { continue };
            let v = written?;
            if value.is_some_and(|seen| seen != v) {
                return None;
            }
            value = Some(v);
        }
        let lists = self.writer_lists(&labels, &[key]);
        let from = match lists.as_slice() {
            [one] => Versions::of(self.ctx.model, one),
            _ => {
                let mut all: Vec<usize> = lists.concat();
                all.sort_unstable();
                all.dedup();
                Versions::of(self.ctx.model, &all)
            }
        };
        Some((value?.to_string(), from))
    }

    pub(super) fn guarded(&self, var: &str, key: &str) -> bool {
        self.where_conjuncts().iter().any(|c| is_absence_guard(c, var, key))
    }

    pub(super) fn earlier_writers(&self, var: &str, key: &str) -> Versions {
        self.earlier_writers_on(&self.a.labels_of(var), &[key])
    }

    /// The earlier migrations of the set that write one of `keys` on one of `labels`, each
    /// once, in order of first appearance (label by label, key by key, then set order).
    pub(super) fn earlier_writers_on(&self, labels: &[String], keys: &[&str]) -> Versions {
        let lists = self.writer_lists(labels, keys);
        match lists.as_slice() {
            [one] => Versions::of(self.ctx.model, one),
            _ => {
                let mut seen = std::collections::HashSet::new();
                let all: Vec<usize> =
                    lists.iter().flat_map(|l| l.iter().copied()).filter(|p| seen.insert(*p)).collect();
                Versions::of(self.ctx.model, &all)
            }
        }
    }

    /// Per label and key, the positions of the earlier migrations that write it (the non-empty
    /// lists only).
    fn writer_lists(&self, labels: &[String], keys: &[&str]) -> Vec<&[usize]> {
        let model = self.ctx.model;
        let version = self.ctx.version;
        labels
            .iter()
            .flat_map(|label| keys.iter().map(move |key| model.earlier_writers_of(version, label, key)))
            .filter(|list| !list.is_empty())
            .collect()
    }

    pub(super) fn overwrites(&self, var: &str, key: &str) -> bool {
        !self.writer_lists(&self.a.labels_of(var), &[key]).is_empty()
    }

    /// A property that records which migration touched an entity: `n.migrationVersion = '003'`.
    pub(super) fn is_marker(&self, key: &str, value: &Expr) -> bool {
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
}

/// Earlier migrations a note or a refusal names: all of them when they are few, else the first
/// three and how many more (a set of hundreds of migrations that all write one property made an
/// unreadable line of versions).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Versions {
    shown: Vec<String>,
    total: usize,
}

impl Versions {
    /// Named in full up to this many.
    const LISTED: usize = 5;
    /// Beyond that, the first this many.
    const SHOWN: usize = 3;

    /// The migrations at `positions` of the model's set, as `V7`.
    fn of(model: &crate::schema::SchemaModel, positions: &[usize]) -> Versions {
        let total = positions.len();
        let shown = if total <= Self::LISTED { total } else { Self::SHOWN };
        let shown = positions[..shown].iter().map(|&p| format!("V{}", model.migrations[p].version)).collect();
        Versions { shown, total }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub(super) fn len(&self) -> usize {
        self.total
    }
}

impl std::fmt::Display for Versions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown.join(", "))?;
        match self.total - self.shown.len() {
            0 => Ok(()),
            more => write!(f, " and {more} more"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Versions;
    use crate::schema::SchemaModel;

    fn set_of(n: usize) -> SchemaModel {
        let texts: Vec<(String, String)> =
            (1..=n).map(|i| (i.to_string(), format!("MATCH (b:Bench) SET b.i = {i};"))).collect();
        let files: Vec<(&str, &str)> = texts.iter().map(|(v, t)| (v.as_str(), t.as_str())).collect();
        SchemaModel::replay_texts(&files)
    }

    #[test]
    fn a_few_versions_are_all_named_and_many_are_counted() {
        let model = set_of(600);
        let text = |n: usize| Versions::of(&model, &(0..n).collect::<Vec<_>>()).to_string();
        assert_eq!(text(0), "");
        assert_eq!(text(1), "V1");
        assert_eq!(text(5), "V1, V2, V3, V4, V5");
        assert_eq!(text(6), "V1, V2, V3 and 3 more");
        assert_eq!(text(600), "V1, V2, V3 and 597 more");
    }
}
