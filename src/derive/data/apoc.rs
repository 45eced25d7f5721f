//! APOC refactoring procedures with literal arguments.

use super::batching::cypher_string;
use super::{InverseStatement, Inverter, Unit};
use crate::ast::{Clause, Expr, ExprKind, Literal, Query};
use crate::schema::effects::{Analysis, Write};
use crate::schema::quote_name;

/// `CALL apoc.refactor.rename.label('Old', 'New')` (also `.type`, `.nodeProperty`,
/// `.typeProperty`) alone in its statement, with two literal names and no entity list: renamed
/// back. Identity: the new name, which every renamed entity has after the up; an entity that had
/// it before is renamed too, which the assumption says.
pub(super) fn apoc_rename(query: &Query) -> Option<InverseStatement> {
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
pub(super) enum RenameKind {
    Label,
    Type,
    NodeProperty,
    TypeProperty,
}

impl RenameKind {
    pub(super) fn assumption(self, old: &str, new: &str) -> String {
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

/// `CALL apoc.create.addLabels(n, ['A'])` / `apoc.create.removeLabels(n, ['A'])` with one node
/// variable and a list of literal labels is read as `SET n:A` / `REMOVE n:A`, and undone as
/// those are (see [`super::labels`] and [`super::rename`]): an added label is removed from the
/// same match, an added and a removed label of one node are a rename, a label removed alone
/// stays refused. Identity: that of the label write it stands for.
pub(super) fn label_writes(a: &mut Analysis, clauses: &[&Clause]) {
    for w in a.writes.iter_mut() {
        let Write::Procedure { span, name } = w else { continue };
        let add = match name.to_ascii_lowercase().as_str() {
            "apoc.create.addlabels" => true,
            "apoc.create.removelabels" => false,
            _ => continue,
        };
        let Some(Clause::CallProcedure(p)) = clauses.iter().find(|c| c.span() == *span) else { continue };
        let Some([node, labels]) = p.args.as_deref() else { continue };
        let ExprKind::Variable(var) = &node.kind else { continue };
        let Some(labels) = literal_strings(labels) else { continue };
        let (span, var) = (*span, var.value.clone());
        *w = if add { Write::SetLabels { span, var, labels } } else { Write::RemoveLabels { span, var, labels } };
    }
}

/// `['A', 'B']`: the strings of a non-empty list of string literals.
fn literal_strings(e: &Expr) -> Option<Vec<String>> {
    let ExprKind::List(items) = &e.kind else { return None };
    let strings: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.kind {
            ExprKind::Literal(Literal::String(s)) => Some(s.value.clone()),
            _ => None,
        })
        .collect();
    (!strings.is_empty() && strings.len() == items.len()).then_some(strings)
}

impl Inverter<'_, '_> {
    /// `MATCH (a)-[r:OLD]->(b) CALL apoc.refactor.setType(r, 'NEW')`, the statement's only write:
    /// set back to `OLD` on the same match with `:NEW` for `:OLD`. Identity: the type `NEW`
    /// between such nodes after the up; a `NEW` relationship there before is set to `OLD` too,
    /// which the assumption says.
    pub(super) fn set_type(&mut self) -> Result<Option<Unit>, String> {
        let [Write::Procedure { span, name }] = self.a.writes.as_slice() else { return Ok(None) };
        if !name.eq_ignore_ascii_case("apoc.refactor.setType") {
            return Ok(None);
        }
        let Some(Clause::CallProcedure(p)) = self.clauses.iter().find(|c| c.span() == *span) else { return Ok(None) };
        let Some([rel, new]) = p.args.as_deref() else { return Ok(None) };
        let (ExprKind::Variable(rel), ExprKind::Literal(Literal::String(new))) = (&rel.kind, &new.kind) else {
            return Ok(None);
        };
        let Some((_, _, _, old, type_span)) = self.matched_relationship(&rel.value) else { return Ok(None) };
        if old == new.value {
            return Ok(None);
        }
        let (prelude, _) =
            self.same_match_prelude(&[], &[(type_span, quote_name(&new.value))], std::slice::from_ref(&rel.value));
        let output = self.fresh("restored");
        let notes = vec![
            format!(
                "Assumption: no :{} relationships existed between such nodes before this migration (every one is set back to :{old})",
                new.value
            ),
            format!("sets :{} back to :{old}; APOC re-creates the relationships, so their element ids change", new.value),
        ];
        Ok(Some(Unit {
            prelude,
            writes: vec![format!(
                "CALL {}({}, {}) YIELD output AS {output}",
                p.procedure.dotted(),
                rel.value,
                cypher_string(&old)
            )],
            vars: vec![rel.value.clone()],
            ret: Some(format!("RETURN count({output}) AS restored")),
            notes,
            destructive: false,
        }))
    }
}
