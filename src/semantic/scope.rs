//! The variables bound at each point of a statement, as far as the model knows for sure: a name
//! in a scope is bound; a name missing from it may still be (the model under-approximates).
//!
//! Scopes are persistent: a statement's scopes live in one [`Frames`] store, and a point of it
//! is an [`At`] — a frame and how many of its names were bound there. Binding a name appends
//! to the current frame; a clause that starts afresh (`WITH` without `*`, a subquery that
//! imports) opens a root frame, and a nested scope that ends (FOREACH, a comprehension, a UNION
//! part, `EXISTS { … }`) a child frame. Remembering the scope before a clause is copying an
//! `At`, never the names: copying them at each MATCH was quadratic in a statement's clauses.
//!
//! What the model knows of a name — its kind, and its origin (the span of the variable that
//! declared it, carried through projections that pass it on unchanged) — is recorded with the
//! point it was learnt at, so an earlier point of the same frame does not see it.

use crate::ast::{ExprKind, Name, PathElement, PathPattern, PatternPart, ProjectionItem};
use crate::ast::{NodePattern, RelationshipPattern};
use crate::span::Span;
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
    /// unchanged by a projection; with the length of `names` when it was learnt.
    kinds: HashMap<String, (Kind, u32)>,
    /// Where the variable a name stands for was declared, with the length of `names` when it
    /// was learnt.
    origins: HashMap<String, (Span, u32)>,
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

    /// Binds `name` at `at`; false when it was bound already. A point that is not the end of
    /// its frame (another branch of the query bound more there since) binds in a frame of its
    /// own below it.
    pub fn bind(&mut self, at: &mut At, name: &str) -> bool {
        if self.contains(*at, name) {
            return false;
        }
        if self.frames[at.frame as usize].names.len() != at.len as usize {
            *at = self.open(Some(*at));
        }
        let frame = &mut self.frames[at.frame as usize];
        frame.index.insert(name.to_string(), at.len);
        frame.names.push(name.to_string());
        at.len += 1;
        true
    }

    pub fn kind_of(&self, at: At, name: &str) -> Option<Kind> {
        self.fact(at, name, |f| &f.kinds)
    }

    pub fn set_kind(&mut self, at: At, name: &str, kind: Kind) {
        if self.kind_of(at, name).is_none() {
            learn(&mut self.frames[at.frame as usize].kinds, at, name, kind);
        }
    }

    /// The span of the variable that declared what `name` stands for at `at`.
    pub fn origin_of(&self, at: At, name: &str) -> Option<Span> {
        self.fact(at, name, |f| &f.origins)
    }

    pub fn set_origin(&mut self, at: At, name: &str, origin: Span) {
        if self.origin_of(at, name).is_none() {
            learn(&mut self.frames[at.frame as usize].origins, at, name, origin);
        }
    }

    /// Binds `name` at `at` as a new variable declared by `declared`.
    pub fn declare(&mut self, at: &mut At, name: &str, declared: Span) {
        if self.bind(at, name) {
            self.set_origin(*at, name, declared);
        }
    }

    /// What `to` at `to_at` inherits from `from` at `from_at` when a projection or an import
    /// passes the variable on unchanged: its kind and its origin.
    pub fn carry(&mut self, from_at: At, from: &str, to_at: At, to: &str) {
        if let Some(kind) = self.kind_of(from_at, from) {
            self.set_kind(to_at, to, kind);
        }
        if let Some(origin) = self.origin_of(from_at, from) {
            self.set_origin(to_at, to, origin);
        }
    }

    /// A fact about `name` learnt at or before `at`, nearest frame first.
    fn fact<T: Copy>(&self, mut at: At, name: &str, facts: impl Fn(&Frame) -> &HashMap<String, (T, u32)>) -> Option<T> {
        loop {
            let frame = &self.frames[at.frame as usize];
            if let Some((fact, since)) = facts(frame).get(name) {
                if *since <= at.len {
                    return Some(*fact);
                }
            }
            at = frame.parent?;
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
            self.declare(at, &v.value, v.span);
        }
        for (name, kind) in part_kinds(part) {
            self.set_kind(*at, &name.value, kind);
        }
    }
}

/// Records a fact learnt at `at`. Of two points of one frame that learn a fact about one name
/// (branches of a query), the earlier one's stands: it is visible from both.
fn learn<T>(facts: &mut HashMap<String, (T, u32)>, at: At, name: &str, fact: T) {
    match facts.get(name) {
        Some((_, since)) if *since <= at.len => {}
        _ => {
            facts.insert(name.to_string(), (fact, at.len));
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
    use super::{Frames, Kind};
    use crate::span::Span;

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

    #[test]
    fn a_kind_learnt_later_in_a_frame_is_not_seen_before() {
        let mut frames = Frames::default();
        let mut at = frames.open(None);
        frames.bind(&mut at, "a");
        let before = at;
        frames.bind(&mut at, "p");
        frames.set_kind(at, "a", Kind::Node);
        assert_eq!(frames.kind_of(before, "a"), None);
        assert_eq!(frames.kind_of(at, "a"), Some(Kind::Node));
    }

    #[test]
    fn origins_follow_a_variable_through_a_projection() {
        let mut frames = Frames::default();
        let mut at = frames.open(None);
        let declared = Span { start: 7, end: 8 };
        frames.declare(&mut at, "n", declared);
        let mut next = frames.open(None);
        frames.bind(&mut next, "m");
        frames.carry(at, "n", next, "m");
        assert_eq!(frames.origin_of(next, "m"), Some(declared));
        assert_eq!(frames.origin_of(next, "n"), None);
    }
}
