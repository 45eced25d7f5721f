//! Variables that hold a value rather than one graph element — a literal a WITH projects
//! (`WITH 123 AS n`, `WITH [n] AS users`) or the list of relationships a variable-length
//! relationship binds (`[r*]`) — used as a node or a single relationship of a MATCH pattern,
//! which Neo4j refuses ("Type mismatch: n defined with conflicting type Integer (expected
//! Node)"). Only what is certain is tracked: a name whose value the model cannot see (a
//! property, a call, a parameter) is left alone, as are names a subquery or a procedure binds.

use super::scope::item_name;
use super::types::literal_type;
use super::{Analysis, ErrorKind};
use crate::ast::{Clause, Expr, ExprKind, Name, PathElement, PatternPart, Projection};

/// Variable names and the type of the value each holds, as Neo4j names it.
type Held = Vec<(String, String)>;

const RELATIONSHIP_LIST: &str = "List<Relationship>";

pub(super) fn check_single(cx: &mut Analysis, clauses: &[Clause]) {
    let mut held = Held::new();
    for c in clauses {
        match c {
            Clause::Match(m) => check_match(cx, &m.pattern.parts, &mut held),
            Clause::With(w) => held = projected(&w.projection, &held),
            Clause::Unwind(u) => forget(&mut held, &u.variable.value),
            Clause::LoadCsv(l) => forget(&mut held, &l.variable.value),
            Clause::CallProcedure(p) => {
                for item in p.yield_.iter().flat_map(|y| &y.items) {
                    forget(&mut held, &item.bound_name().value);
                }
            }
            Clause::CallSubquery(_) => held.clear(),
            _ => {}
        }
    }
}

fn forget(held: &mut Held, name: &str) {
    held.retain(|(n, _)| n != name);
}

fn type_of<'h>(held: &'h Held, name: &str) -> Option<&'h str> {
    held.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
}

/// What a WITH passes on: literal columns, and held names it passes unchanged.
fn projected(p: &Projection, held: &Held) -> Held {
    let mut next = if p.star { held.clone() } else { Held::new() };
    for item in &p.items {
        let Some(name) = item_name(item) else { continue };
        let ty = match &item.expr.kind {
            ExprKind::Variable(v) => type_of(held, &v.value).map(str::to_string),
            _ => value_type(&item.expr),
        };
        forget(&mut next, &name.value);
        next.extend(ty.map(|t| (name.value.clone(), t)));
    }
    next
}

/// The type of a literal value: a scalar, a map, or a list (of one literal type, or of
/// anything: `List<T>`).
fn value_type(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::List(items) => {
            let types: Vec<Option<&str>> = items.iter().map(literal_type).collect();
            let element = match types.first() {
                Some(Some(first)) if *first != "List" && types.iter().all(|t| *t == Some(*first)) => *first,
                _ => "T",
            };
            Some(format!("List<{element}>"))
        }
        _ => literal_type(e).map(str::to_string),
    }
}

/// One MATCH: its variable-length relationships hold lists from this clause on, and no held
/// name may stand as a node or a single relationship anywhere in it.
fn check_match(cx: &mut Analysis, parts: &[PatternPart], held: &mut Held) {
    for part in parts {
        for name in variable_length(part) {
            if type_of(held, &name.value).is_none() {
                held.push((name.value.clone(), RELATIONSHIP_LIST.to_string()));
            }
        }
    }
    for part in parts {
        for (name, expected) in elements(part) {
            if let Some(ty) = type_of(held, &name.value) {
                let message =
                    format!("Type mismatch: {} defined with conflicting type {ty} (expected {expected})", name.value);
                cx.error(ErrorKind::VariableTypeConflict, name.span, message).help = Some(format!(
                    "`{}` holds a {ty} value here, not a {}: give the pattern element its own name",
                    name.value,
                    expected.to_ascii_lowercase()
                ));
            }
        }
    }
}

/// The variable-length relationships of a part, outside quantified paths.
fn variable_length(part: &PatternPart) -> Vec<&Name> {
    let rels = part.path.elements.iter().filter_map(|el| match el {
        PathElement::Relationship(r) if r.length.is_some() && r.quantifier.is_none() => r.variable.as_ref(),
        _ => None,
    });
    rels.collect()
}

/// The named nodes and single relationships of a part, outside quantified paths.
fn elements(part: &PatternPart) -> Vec<(&Name, &'static str)> {
    let named = part.path.elements.iter().filter_map(|el| match el {
        PathElement::Node(n) => n.variable.as_ref().map(|v| (v, "Node")),
        PathElement::Relationship(r) if r.length.is_none() && r.quantifier.is_none() => {
            r.variable.as_ref().map(|v| (v, "Relationship"))
        }
        _ => None,
    });
    named.collect()
}
