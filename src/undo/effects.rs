//! The effects of a script (an up migration or its down): per label, relationship type and
//! property, what each statement creates, deletes, sets, removes, adds or renames, and *which*
//! entities it does it to — the ones it creates, the ones found by a key, the ones found by a
//! pattern, or every entity of a label. `derive-down --check` and the `down-mismatch` rule
//! compare an up with its down on these (see [`super::compare`]): a down that removes every
//! `:User` undoes more than an up that created one, however alike their texts look.

use crate::ast::{Clause, EntityKind, Expr, ExprKind, PathElement, PatternPart, Statement, StatementKind};
use crate::expr::variables;
use crate::schema::effects::{
    analyze, apoc_iterate_as_query, linear_clauses, single_apoc_iterate, touches_of_analysis, Action, Analysis, Origin,
    Touch, Write,
};
use crate::span::Span;

/// Which entities a write reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The entities the statement itself creates (or merges).
    Created,
    /// Entities found by property values written in the pattern (`{uid: 'u1'}`).
    Keyed,
    /// Entities found by a WHERE, a relationship to something, or a value the statement computes.
    Filtered,
    /// Every entity of the label or type: a bare `MATCH (n:L)`.
    All,
}

/// One write of a script, with how its entities are found.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub touch: Touch,
    pub scope: Scope,
    /// The variable written (empty for a pattern element without one).
    pub var: String,
    /// Labels of the node the write lands on besides `touch.label` (for a relationship the
    /// statement creates: its end nodes' labels), so deleting those nodes undoes it too.
    pub carriers: Vec<String>,
    /// A `DETACH DELETE`.
    pub detach: bool,
    /// The statement has no MATCH, LOAD CSV or procedure driving it: it creates a fixed number
    /// of entities (a literal pattern, or an UNWIND of values).
    pub driverless: bool,
}

impl Effect {
    pub fn statement(&self) -> Span {
        self.touch.statement
    }
}

/// A label or property a statement finds entities by (MATCH patterns, copied values).
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub label: String,
    pub property: Option<String>,
    pub statement: Span,
}

/// Everything a script does and reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScriptEffects {
    pub effects: Vec<Effect>,
    pub reads: Vec<Read>,
    /// A write cymig does not analyse (a procedure, FOREACH…): what it creates is unknown.
    pub opaque: bool,
    /// Relationship types matched next to a node the statement DETACH DELETEs.
    pub adjacent_to_detached: Vec<String>,
}

impl ScriptEffects {
    /// Label renames: a statement that adds `to` and removes `from` on one variable.
    pub fn label_renames(&self) -> Vec<(String, String, Span)> {
        // Grouped by statement and variable, so a script of many label changes is read once.
        let mut removed_from: std::collections::HashMap<(Span, &str), Vec<&Effect>> = Default::default();
        for removed in self.effects.iter().filter(|e| is_label(e, &Action::Remove) && !e.var.is_empty()) {
            removed_from.entry((removed.statement(), removed.var.as_str())).or_default().push(removed);
        }
        let mut out = Vec::new();
        for added in self.effects.iter().filter(|e| is_label(e, &Action::Set)) {
            let removed = removed_from.get(&(added.statement(), added.var.as_str())).into_iter().flatten();
            for removed in removed.filter(|r| r.touch.label != added.touch.label) {
                out.push((removed.touch.label.clone(), added.touch.label.clone(), added.statement()));
            }
        }
        out
    }

    /// Property renames: `(label, from, to, statement)`.
    pub fn property_renames(&self) -> Vec<(String, String, String, Span)> {
        self.effects
            .iter()
            .filter_map(|e| match (&e.touch.action, &e.touch.property) {
                (Action::Rename { from }, Some(to)) => {
                    Some((e.touch.label.clone(), from.clone(), to.clone(), e.statement()))
                }
                _ => None,
            })
            .collect()
    }
}

fn is_label(e: &Effect, action: &Action) -> bool {
    e.touch.property.is_none() && e.touch.entity == EntityKind::Node && &e.touch.action == action
}

/// The effects of the data statements among `statements` (schema commands have none here: the
/// schema model compares those).
pub fn script_effects(statements: &[Statement], text: &str) -> ScriptEffects {
    let mut out = ScriptEffects::default();
    for statement in statements {
        let StatementKind::Query(query) = &statement.kind else { continue };
        if let Some((outer, inner)) = single_apoc_iterate(query, text) {
            // The batch is analysed as the query it amounts to; its spans are the statement's.
            let Some(combined) = apoc_iterate_as_query(&outer, &inner) else { continue };
            let script = crate::syntax::parse(&combined);
            if let Some(clauses) = script.statements.first().and_then(|s| s.as_query()).and_then(linear_clauses) {
                statement_effects(&clauses, statement.span, &mut out);
            }
            continue;
        }
        if let Some(clauses) = linear_clauses(query) {
            statement_effects(&clauses, statement.span, &mut out);
        }
    }
    out
}

fn statement_effects(clauses: &[&Clause], statement: Span, out: &mut ScriptEffects) {
    let a = analyze(clauses);
    let driverless = !clauses
        .iter()
        .any(|c| matches!(c, Clause::Match(_) | Clause::LoadCsv(_) | Clause::CallProcedure(_) | Clause::Start(_)));
    out.opaque |= a.writes.iter().any(|w| matches!(w, Write::Procedure { .. } | Write::Unanalysed { .. }));
    for w in &a.writes {
        for touch in write_touches(&a, w, statement) {
            let var = written_var(w, &touch);
            let scope = scope_of(&a, clauses, &var, w);
            let carriers = carriers_of(&a, w, &var, &touch);
            let detach = matches!(w, Write::Delete { detach: true, .. });
            out.effects.push(Effect { touch, scope, var, carriers, detach, driverless });
        }
    }
    out.reads.extend(reads_of(&a, clauses, statement));
    out.adjacent_to_detached.extend(adjacent_to_detached(clauses));
}

fn adjacent_to_detached(clauses: &[&Clause]) -> Vec<String> {
    let detached: Vec<String> = clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Delete(d) if d.detach => Some(d.exprs.iter().flat_map(variables).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let mut out = Vec::new();
    for c in clauses {
        let Clause::Match(m) = c else { continue };
        for part in &m.pattern.parts {
            let els = &part.path.elements;
            for (i, el) in els.iter().enumerate() {
                let PathElement::Relationship(r) = el else { continue };
                let next_to_detached = [i.wrapping_sub(1), i + 1].iter().any(|&j| {
                    matches!(els.get(j), Some(PathElement::Node(n))
                        if n.variable.as_ref().is_some_and(|v| detached.contains(&v.value)))
                });
                if next_to_detached {
                    out.extend(crate::schema::effects::label_names(r.types.as_ref()));
                }
            }
        }
    }
    out
}

/// The touches of one write (a rename is read with the REMOVE of the same statement).
fn write_touches(a: &Analysis, w: &Write, statement: Span) -> Vec<Touch> {
    let mut writes = vec![w.clone()];
    if let Write::SetProperty { var, .. } = w {
        writes
            .extend(a.writes.iter().filter(|x| matches!(x, Write::RemoveProperty { var: v, .. } if v == var)).cloned());
    }
    let single = Analysis { bindings: a.bindings.clone(), writes };
    let touches = touches_of_analysis(&single, statement);
    match w {
        Write::SetProperty { .. } => touches.into_iter().filter(|t| t.action != Action::Remove).collect(),
        _ => touches,
    }
}

fn written_var(w: &Write, touch: &Touch) -> String {
    match w {
        Write::SetProperty { var, .. }
        | Write::SetMap { var, .. }
        | Write::SetLabels { var, .. }
        | Write::RemoveProperty { var, .. }
        | Write::RemoveLabels { var, .. } => var.clone(),
        Write::Delete { targets, .. } => targets.iter().find(|t| !t.is_empty()).cloned().unwrap_or_default(),
        Write::Create { part, .. } => created_var(part, touch).unwrap_or_default(),
        Write::Procedure { .. } | Write::Unanalysed { .. } => String::new(),
    }
}

/// The variable of the element of a CREATE/MERGE pattern that made `touch`'s label or type.
fn created_var(part: &PatternPart, touch: &Touch) -> Option<String> {
    part.path.elements.iter().find_map(|el| match el {
        PathElement::Node(n) if touch.entity == EntityKind::Node => {
            let labels = crate::schema::effects::label_names(n.labels.as_ref());
            labels.contains(&touch.label).then(|| n.variable.as_ref().map(|v| v.value.clone())).flatten()
        }
        PathElement::Relationship(r) if touch.entity == EntityKind::Relationship => {
            let types = crate::schema::effects::label_names(r.types.as_ref());
            types.contains(&touch.label).then(|| r.variable.as_ref().map(|v| v.value.clone())).flatten()
        }
        _ => None,
    })
}

fn scope_of(a: &Analysis, clauses: &[&Clause], var: &str, w: &Write) -> Scope {
    if matches!(w, Write::Create { .. }) {
        return Scope::Created;
    }
    let Some(binding) = a.binding(var) else { return Scope::Filtered };
    match binding.origin {
        Origin::Created | Origin::Merged => Scope::Created,
        Origin::Matched | Origin::OptionalMatched => matched_scope(clauses, var),
        Origin::Value => Scope::Filtered,
    }
}

/// How a MATCH finds `var`: by a key in its pattern, by anything else that narrows it, or not
/// at all (a bare `(n:L)` that nothing filters).
fn matched_scope(clauses: &[&Clause], var: &str) -> Scope {
    let mut keyed = false;
    let mut filtered = false;
    for c in clauses {
        let filter = match c {
            Clause::Match(m) => {
                for part in &m.pattern.parts {
                    let els = &part.path.elements;
                    for el in els {
                        let (v, props, where_) = match el {
                            PathElement::Node(n) => (n.variable.as_ref(), n.properties.as_ref(), n.where_.as_ref()),
                            PathElement::Relationship(r) => {
                                (r.variable.as_ref(), r.properties.as_ref(), r.where_.as_ref())
                            }
                            PathElement::Parenthesized(_) => (None, None, None),
                        };
                        if v.is_some_and(|v| v.value == var) {
                            keyed |= props.is_some();
                            filtered |= where_.is_some() || els.len() > 1;
                        }
                    }
                }
                m.where_.as_ref()
            }
            Clause::With(w) => w.where_.as_ref(),
            _ => None,
        };
        filtered |= filter.is_some_and(|e| variables(e).iter().any(|v| v == var));
    }
    match (keyed, filtered) {
        (true, _) => Scope::Keyed,
        (false, true) => Scope::Filtered,
        (false, false) => Scope::All,
    }
}

fn carriers_of(a: &Analysis, w: &Write, var: &str, touch: &Touch) -> Vec<String> {
    match w {
        Write::Create { part, .. } if touch.entity == EntityKind::Relationship => end_node_labels(a, part, var),
        _ => a.labels_of(var).into_iter().filter(|l| *l != touch.label).collect(),
    }
}

/// Labels of the nodes on either side of the relationship `var` in a created pattern.
fn end_node_labels(a: &Analysis, part: &PatternPart, var: &str) -> Vec<String> {
    let els = &part.path.elements;
    let mut out = Vec::new();
    for (i, el) in els.iter().enumerate() {
        let PathElement::Relationship(r) = el else { continue };
        let this = r.variable.as_ref().map(|v| v.value.as_str()).unwrap_or("");
        if this != var {
            continue;
        }
        for j in [i.wrapping_sub(1), i + 1] {
            if let Some(PathElement::Node(n)) = els.get(j) {
                out.extend(crate::schema::effects::label_names(n.labels.as_ref()));
                if let Some(v) = &n.variable {
                    out.extend(a.labels_of(&v.value));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Labels the statement matches on, property keys of its MATCH patterns, and properties it
/// copies from (`SET n.old = n.new`).
fn reads_of(a: &Analysis, clauses: &[&Clause], statement: Span) -> Vec<Read> {
    let mut out = Vec::new();
    let mut push = |label: &str, property: Option<&str>| {
        let read = Read { label: label.to_string(), property: property.map(str::to_string), statement };
        if !label.is_empty() && !out.contains(&read) {
            out.push(read);
        }
    };
    for c in clauses {
        let Clause::Match(m) = c else { continue };
        for part in &m.pattern.parts {
            for el in &part.path.elements {
                let PathElement::Node(n) = el else { continue };
                for label in crate::schema::effects::label_names(n.labels.as_ref()) {
                    push(&label, None);
                    for key in map_keys(n.properties.as_ref()) {
                        push(&label, Some(&key));
                    }
                }
            }
        }
    }
    for w in &a.writes {
        let Write::SetProperty { value, .. } = w else { continue };
        if let Some((var, key)) = crate::schema::effects::property_target(value) {
            for label in a.labels_of(&var) {
                push(&label, Some(&key));
            }
        }
    }
    out
}

fn map_keys(e: Option<&Expr>) -> Vec<String> {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Map(m)) => m.entries.iter().map(|e| e.key.value.clone()).collect(),
        _ => Vec::new(),
    }
}
