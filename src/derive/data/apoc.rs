//! APOC refactoring procedures with literal arguments.

use super::batching::cypher_string;
use super::InverseStatement;
use crate::ast::{Clause, ExprKind, Query};

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
