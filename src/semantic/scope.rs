//! The variables bound at a point of a query, as far as the model knows for sure: a name in a
//! scope is bound; a name missing from it may still be (the model under-approximates).

use crate::ast::{ExprKind, Name, PathElement, PathPattern, PatternPart, ProjectionItem};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    names: Vec<String>,
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

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn bind_part(&mut self, part: &PatternPart) {
        for v in part_variables(part) {
            self.bind(&v.value);
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
