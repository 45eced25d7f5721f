//! Relationship-type renames (a matched relationship deleted and re-created with a new type
//! between the same nodes): the old type re-created from the new one.

use super::changes::Change;
use super::{Inverter, Unit};
use crate::ast::{Clause, Direction, Expr, LabelExpr, PathElement, PatternPart};
use crate::expr::variables;
use crate::schema::effects::Write;
use crate::schema::quote_name;
use crate::span::Span;

pub(super) struct RelRename {
    pub(super) old: String,
    pub(super) new_type: String,
    pub(super) old_type: String,
    pub(super) copied: bool,
    pub(super) type_span: Span,
}

impl Inverter<'_, '_> {
    pub(super) fn rel_renames(&mut self, done: &mut [bool]) -> Result<Vec<RelRename>, String> {
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
    pub(super) fn matched_relationship(&self, var: &str) -> Option<(String, String, Direction, String, Span)> {
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

    pub(super) fn rel_rename_unit(&mut self, rr: &RelRename, changes: &[Change]) -> Unit {
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
}

trait OrDefaultRel {
    fn unwrap_or_default_rel(self) -> (String, String, Direction, String, Span);
}

impl OrDefaultRel for Option<(String, String, Direction, String, Span)> {
    fn unwrap_or_default_rel(self) -> (String, String, Direction, String, Span) {
        self.unwrap_or_else(|| (String::new(), String::new(), Direction::Outgoing, String::new(), Span::default()))
    }
}

pub(super) fn flip(d: Direction) -> Direction {
    match d {
        Direction::Outgoing => Direction::Incoming,
        Direction::Incoming => Direction::Outgoing,
        Direction::Either => Direction::Either,
    }
}

/// `(a)-[x:T]->(b)` with both ends named: (a, b, direction, T, x).
pub(super) fn single_relationship(part: &PatternPart) -> Option<(String, String, Direction, String, Option<String>)> {
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

pub(super) fn relationship_props_read(part: &PatternPart, old: &str, _text: &str) -> bool {
    part.path.elements.iter().any(|el| match el {
        PathElement::Relationship(r) => {
            r.properties.as_ref().map(|p| variables(p).iter().any(|v| v == old)).unwrap_or(false)
        }
        _ => false,
    })
}
