//! The variables bound at a point of a query, as far as the model knows for sure: a name in a
//! scope is bound; a name missing from it may still be (the model under-approximates).

use crate::ast::{ExprKind, Name, PathElement, PathPattern, PatternPart, ProjectionItem};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    names: Vec<String>,
    /// What some names are for sure: bound by a pattern, or passed on unchanged by a projection.
    kinds: Vec<(String, Kind)>,
}

/// What a pattern variable stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Node,
    Relationship,
    Path,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::Relationship => "Relationship",
            Kind::Path => "Path",
        }
    }
}

impl Scope {
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    pub fn bind(&mut self, name: &str) {
        if !self.contains(name) {
            self.names.push(name.to_string());
        }
    }

    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.kinds.iter().find(|(n, _)| n == name).map(|(_, k)| *k)
    }

    pub fn set_kind(&mut self, name: &str, kind: Kind) {
        if self.kind_of(name).is_none() {
            self.kinds.push((name.to_string(), kind));
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn bind_part(&mut self, part: &PatternPart) {
        for v in part_variables(part) {
            self.bind(&v.value);
        }
        for (name, kind) in part_kinds(part) {
            self.set_kind(&name.value, kind);
        }
    }
}

/// Every variable a pattern part names: its path variable, nodes and relationships, nested
/// parenthesized parts included.
pub(crate) fn part_variables(part: &PatternPart) -> Vec<&Name> {
    let mut out: Vec<&Name> = part.variable.iter().collect();
    path_variables(&part.path, &mut out);
    out
}

pub(crate) fn path_variables<'a>(path: &'a PathPattern, out: &mut Vec<&'a Name>) {
    for el in &path.elements {
        match el {
            PathElement::Node(n) => out.extend(n.variable.as_ref()),
            PathElement::Relationship(r) => out.extend(r.variable.as_ref()),
            PathElement::Parenthesized(p) => out.extend(part_variables(&p.pattern)),
        }
    }
}

/// The column a projection item binds when it has a name the model is sure of: its alias, or
/// the variable it projects.
pub(crate) fn item_name(item: &ProjectionItem) -> Option<&Name> {
    match (&item.alias, &item.expr.kind) {
        (Some(a), _) => Some(a),
        (None, ExprKind::Variable(v)) => Some(v),
        _ => None,
    }
}

/// The variables of a pattern part whose kind is certain: the path variable, nodes, and
/// relationships of length one. Variable-length relationships and everything inside a
/// parenthesized (quantified) path stand for lists, and are left out.
pub(crate) fn part_kinds(part: &PatternPart) -> Vec<(&Name, Kind)> {
    let mut out: Vec<(&Name, Kind)> = part.variable.iter().map(|v| (v, Kind::Path)).collect();
    for el in &part.path.elements {
        match el {
            PathElement::Node(n) => out.extend(n.variable.iter().map(|v| (v, Kind::Node))),
            PathElement::Relationship(r) if r.length.is_none() && r.quantifier.is_none() => {
                out.extend(r.variable.iter().map(|v| (v, Kind::Relationship)))
            }
            _ => {}
        }
    }
    out
}
