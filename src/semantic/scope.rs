//! The variables bound at each point of a statement, as far as the model knows for sure: a name
//! in a scope is bound; a name missing from it may still be (the model under-approximates).
//!
//! Scopes are persistent: a statement's scopes live in one [`Frames`] store, and a point of it
//! is an [`At`] — a frame and how many of its names were bound there. Binding a name appends
//! to the current frame; a clause that starts afresh (`WITH` without `*`, a subquery that
//! imports) opens a root frame, and a nested scope that ends (FOREACH, a comprehension, a UNION
//! part, `EXISTS { … }`) a child frame. Remembering the scope before a clause is copying an
//! `At`, never the names: copying them at each MATCH was quadratic in a statement's clauses.

use crate::ast::{ExprKind, Name, PathElement, PathPattern, PatternPart, ProjectionItem};
use crate::ast::{NodePattern, RelationshipPattern};
use std::collections::{HashMap, HashSet};

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

/// A point in the scopes of a statement: the first `len` names of `frame`, and what the frames
/// above it bound where it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct At {
    frame: u32,
    len: u32,
}

/// Every scope of one statement.
#[derive(Clone, Debug, Default)]
pub(crate) struct Frames {
    frames: Vec<Frame>,
}

#[derive(Clone, Debug, Default)]
struct Frame {
    parent: Option<At>,
    names: Vec<String>,
    /// Where each name of `names` stands: a name is bound at most once along a chain of frames.
    index: HashMap<String, u32>,
    /// What some names are for sure, set in this frame: bound by a pattern, or passed on
    /// unchanged by a projection.
    kinds: HashMap<String, Kind>,
}

impl Frames {
    /// A new frame below `parent` (none: a scope that starts empty).
    pub fn open(&mut self, parent: Option<At>) -> At {
        self.frames.push(Frame { parent, ..Frame::default() });
        At { frame: (self.frames.len() - 1) as u32, len: 0 }
    }

    pub fn contains(&self, mut at: At, name: &str) -> bool {
        loop {
            let frame = &self.frames[at.frame as usize];
            if frame.index.get(name).is_some_and(|&i| i < at.len) {
                return true;
            }
            match frame.parent {
                Some(parent) => at = parent,
                None => return false,
            }
        }
    }

    /// Binds `name` at `at`. A point that is not the end of its frame (another branch of the
    /// query bound more there since) binds in a frame of its own below it.
    pub fn bind(&mut self, at: &mut At, name: &str) {
        if self.contains(*at, name) {
            return;
        }
        if self.frames[at.frame as usize].names.len() != at.len as usize {
            *at = self.open(Some(*at));
        }
        let frame = &mut self.frames[at.frame as usize];
        frame.index.insert(name.to_string(), at.len);
        frame.names.push(name.to_string());
        at.len += 1;
    }

    pub fn kind_of(&self, mut at: At, name: &str) -> Option<Kind> {
        loop {
            let frame = &self.frames[at.frame as usize];
            if let Some(kind) = frame.kinds.get(name) {
                return Some(*kind);
            }
            at = frame.parent?;
        }
    }

    pub fn set_kind(&mut self, at: At, name: &str, kind: Kind) {
        if self.kind_of(at, name).is_none() {
            self.frames[at.frame as usize].kinds.insert(name.to_string(), kind);
        }
    }

    /// The names bound at `at`, in the order they were bound.
    pub fn names(&self, at: At) -> Vec<&str> {
        let mut chain = vec![at];
        while let Some(parent) = self.frames[chain[chain.len() - 1].frame as usize].parent {
            chain.push(parent);
        }
        let slices = chain.iter().rev().map(|at| &self.frames[at.frame as usize].names[..at.len as usize]);
        slices.flatten().map(String::as_str).collect()
    }

    /// Binds every variable of a pattern part, with the kinds that are certain.
    pub fn bind_part(&mut self, at: &mut At, part: &PatternPart) {
        for v in part_variables(part) {
            self.bind(at, &v.value);
        }
        for (name, kind) in part_kinds(part) {
            self.set_kind(*at, &name.value, kind);
        }
    }
}

/// The variables bound at one point of a statement (see [`super::Model::bound_before`]).
#[derive(Clone, Copy, Debug)]
pub struct Bound<'m> {
    frames: &'m Frames,
    at: At,
}

impl<'m> Bound<'m> {
    pub(crate) fn new(frames: &'m Frames, at: At) -> Bound<'m> {
        Bound { frames, at }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.frames.contains(self.at, name)
    }

    /// The bound names, in the order they were bound.
    pub fn names(&self) -> Vec<&'m str> {
        self.frames.names(self.at)
    }
}

/// A set of names in the order they were added, for the checks that only ask which names a run
/// of clauses binds (no scoping).
#[derive(Clone, Debug, Default)]
pub(crate) struct NameSet {
    order: Vec<String>,
    set: HashSet<String>,
}

impl NameSet {
    pub fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    pub fn bind(&mut self, name: &str) {
        if self.set.insert(name.to_string()) {
            self.order.push(name.to_string());
        }
    }

    pub fn bind_part(&mut self, part: &PatternPart) {
        part_variables(part).into_iter().for_each(|v| self.bind(&v.value));
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }
}

/// Every variable a pattern part names: its path variable, nodes and relationships, nested
/// parenthesized parts included.
pub fn part_variables(part: &PatternPart) -> Vec<&Name> {
    let mut out: Vec<&Name> = part.variable.iter().collect();
    path_variables(&part.path, &mut out);
    out
}

pub fn path_variables<'a>(path: &'a PathPattern, out: &mut Vec<&'a Name>) {
    for el in &path.elements {
        match el {
            PathElement::Node(n) => out.extend(n.variable.as_ref()),
            PathElement::Relationship(r) => out.extend(r.variable.as_ref()),
            PathElement::Parenthesized(p) => out.extend(part_variables(&p.pattern)),
        }
    }
}

/// Node patterns of a path, nested ones included.
pub fn path_nodes(path: &PathPattern) -> Vec<&NodePattern> {
    let mut out = Vec::new();
    for el in &path.elements {
        match el {
            PathElement::Node(n) => out.push(n),
            PathElement::Relationship(_) => {}
            PathElement::Parenthesized(p) => out.extend(path_nodes(&p.pattern.path)),
        }
    }
    out
}

/// Relationship patterns of a path, nested ones included.
pub fn path_relationships(path: &PathPattern) -> Vec<&RelationshipPattern> {
    let mut out = Vec::new();
    for el in &path.elements {
        match el {
            PathElement::Node(_) => {}
            PathElement::Relationship(r) => out.push(r),
            PathElement::Parenthesized(p) => out.extend(path_relationships(&p.pattern.path)),
        }
    }
    out
}

/// The column a projection item binds when it has a name the model is sure of: its alias, or
/// the variable it projects.
pub fn item_name(item: &ProjectionItem) -> Option<&Name> {
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

#[cfg(test)]
mod tests {
    use super::Frames;

    #[test]
    fn a_point_keeps_its_names_while_other_branches_bind() {
        let mut frames = Frames::default();
        let mut outer = frames.open(None);
        frames.bind(&mut outer, "a");
        let before = outer;
        let mut branch = outer;
        frames.bind(&mut branch, "b");
        frames.bind(&mut outer, "c");
        assert_eq!(frames.names(before), ["a"]);
        assert_eq!(frames.names(branch), ["a", "b"]);
        assert_eq!(frames.names(outer), ["a", "c"]);
        assert!(!frames.contains(outer, "b") && frames.contains(branch, "b"));
    }
}
