//! `cymig derive-down --check`: does an explicit down script undo everything its up migration
//! does? Each effect of the up (schema objects created or dropped; labels, types and
//! properties created, set, renamed, removed or deleted) must be countered by an effect of the
//! down. Down statements that cannot run (a variable used in WHERE but never bound) count for
//! nothing.

use super::expr::variables;
use crate::ast::{Clause, PathElement, SchemaCommand, Statement, StatementKind};
use crate::migration::Migration;
use crate::schema::effects::{analyze, linear_clauses, touches_of_statements, Action, Touch};
use crate::schema::{SchemaEvent, SchemaModel, SchemaObject};
use crate::source::SourceFile;
use crate::span::Span;

/// One thing the explicit down script fails to undo.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    /// The up statement.
    pub statement: Span,
    pub line: usize,
    pub message: String,
}

/// A down statement that fails before it changes anything.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokenStatement {
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub gaps: Vec<Gap>,
    pub broken: Vec<BrokenStatement>,
}

/// Compares `migration`'s explicit down script with what its up does.
pub fn compare(model: &SchemaModel, migration: &Migration) -> Option<Comparison> {
    let down = migration.down.as_ref()?;
    let up = &migration.up;
    let mut result = Comparison::default();
    let down_text = &down.source.text;
    let mut working: Vec<&Statement> = Vec::new();
    for s in down.migration_statements() {
        match unbound_where_variable(s) {
            Some(v) => result.broken.push(BrokenStatement {
                line: down.source.line_col(s.span.start).line,
                message: format!("fails in Neo4j: variable `{v}` is used in WHERE but never bound"),
            }),
            None => working.push(s),
        }
    }
    let owned: Vec<Statement> = working.into_iter().cloned().collect();
    let down_touches = touches_of_statements(&owned, down_text);
    let down_detached_types = detached_types(&owned);
    let down_schema: Vec<(&SchemaCommand, String)> =
        owned.iter().filter_map(|s| s.as_schema().map(|c| (c, s.span.text(down_text).to_string()))).collect();
    let events = model.migration(&migration.version.raw).map(|m| m.events.clone()).unwrap_or_default();
    for event in &events {
        if let Some(message) = schema_gap(event, &down_schema, down_text) {
            push_gap(&mut result, &up.source, event.statement(), message);
        }
    }
    let up_touches = model.migration(&migration.version.raw).map(|m| m.touches.clone()).unwrap_or_default();
    for t in &up_touches {
        if !undone(t, &up_touches, &down_touches, &down_detached_types) {
            push_gap(&mut result, &up.source, t.statement, describe_gap(t));
        }
    }
    Some(result)
}

fn push_gap(result: &mut Comparison, source: &SourceFile, statement: Span, message: String) {
    let gap = Gap { statement, line: source.line_col(statement.start).line, message };
    if !result.gaps.contains(&gap) {
        result.gaps.push(gap);
    }
}

fn schema_gap(event: &SchemaEvent, down: &[(&SchemaCommand, String)], text: &str) -> Option<String> {
    match event {
        SchemaEvent::Created { object, .. } => {
            let dropped = down.iter().any(|(c, _)| match c {
                SchemaCommand::DropIndex(d) => {
                    object.kind.is_index()
                        && (drop_name(&d.target) == object.name.as_deref()
                            || object.matches_legacy_target(&d.target, true))
                }
                SchemaCommand::DropConstraint(d) => {
                    object.kind.is_constraint()
                        && (drop_name(&d.target) == object.name.as_deref()
                            || object.matches_legacy_target(&d.target, false))
                }
                _ => false,
            });
            (!dropped).then(|| format!("creates the {}; the down script never drops it", object.describe()))
        }
        SchemaEvent::Dropped { object, .. } => {
            let recreated = down.iter().any(|(c, _)| recreates(c, text, object));
            (!recreated).then(|| format!("drops the {}; the down script never re-creates it", object.describe()))
        }
        _ => None,
    }
}

fn drop_name(target: &crate::ast::DropTarget) -> Option<&str> {
    match target {
        crate::ast::DropTarget::Name(n) => Some(&n.value),
        _ => None,
    }
}

fn recreates(c: &SchemaCommand, text: &str, object: &SchemaObject) -> bool {
    let created = match c {
        SchemaCommand::CreateIndex(ci) => SchemaObject::from_create_index(ci, text, None),
        SchemaCommand::CreateConstraint(cc) => SchemaObject::from_create_constraint(cc, text, None),
        _ => return false,
    };
    created.same_schema(object)
}

fn undone(t: &Touch, up: &[Touch], down: &[Touch], detached: &[String]) -> bool {
    let same = |d: &Touch| d.label == t.label || d.label.is_empty() || t.label.is_empty();
    let has = |pred: &dyn Fn(&Touch) -> bool| down.iter().any(|d| same(d) && pred(d));
    let prop = t.property.as_deref();
    let entity_deleted = has(&|d| d.property.is_none() && d.action == Action::Delete);
    match (&t.action, prop) {
        // Entities the up created: the down must delete them (for relationships, detaching
        // their nodes also counts).
        (Action::Create, None) => entity_deleted || detached.contains(&t.label),
        // Properties given at creation go with the entity.
        (Action::Create, Some(_)) => {
            entity_deleted
                || detached.contains(&t.label)
                || up.iter().any(|u| u.label == t.label && u.property.is_none() && u.action == Action::Create)
        }
        (Action::Set, Some(p)) => {
            entity_deleted
                || has(&|d| d.property.as_deref() == Some(p) && matches!(d.action, Action::Remove | Action::Set))
                || has(&|d| matches!(&d.action, Action::Rename { from } if from == p))
        }
        (Action::Set, None) => entity_deleted || has(&|d| d.property.is_none() && d.action == Action::Remove),
        (Action::Rename { from }, Some(p)) => {
            has(&|d| {
                d.property.as_deref() == Some(from.as_str())
                    && matches!(&d.action, Action::Rename { from: f } if f == p)
            }) || (has(&|d| {
                d.property.as_deref() == Some(from.as_str()) && matches!(d.action, Action::Set | Action::Rename { .. })
            }) && has(&|d| d.property.as_deref() == Some(p) && d.action == Action::Remove))
        }
        (Action::Remove, Some(p)) => {
            // The removal half of a rename is checked with the rename.
            up.iter().any(|u| matches!(&u.action, Action::Rename { from } if from == p) && u.label == t.label)
                || has(&|d| {
                    d.property.as_deref() == Some(p)
                        && matches!(d.action, Action::Set | Action::Create | Action::Rename { .. })
                })
        }
        (Action::Remove, None) => has(&|d| d.property.is_none() && matches!(d.action, Action::Set | Action::Create)),
        (Action::Delete, _) => has(&|d| d.property.is_none() && d.action == Action::Create),
        (Action::Rename { .. }, None) => true,
    }
}

fn describe_gap(t: &Touch) -> String {
    let thing = match (t.entity, t.label.is_empty()) {
        (crate::ast::EntityKind::Node, false) => format!(":{}", t.label),
        (crate::ast::EntityKind::Relationship, false) => format!("[:{}]", t.label),
        _ => "entities".to_string(),
    };
    match (&t.action, t.property.as_deref()) {
        (Action::Create, None) => format!("creates {thing}; the down script never deletes them"),
        (Action::Create, Some(p)) => format!("creates {thing} with `{p}`; the down script never deletes them"),
        (Action::Set, Some(p)) => format!("sets `{p}` on {thing}; the down script never removes or restores it"),
        (Action::Set, None) => format!("adds the label {thing}; the down script never removes it"),
        (Action::Rename { from }, Some(p)) => {
            format!("renames `{from}` to `{p}` on {thing}; the down script never renames it back")
        }
        (Action::Remove, Some(p)) => format!("removes `{p}` from {thing}; the down script never restores it"),
        (Action::Remove, None) => format!("removes the label {thing}; the down script never restores it"),
        (Action::Delete, _) => format!("deletes {thing}; the down script never re-creates them"),
        (Action::Rename { .. }, None) => format!("renames {thing}"),
    }
}

/// A variable read in a MATCH … WHERE that nothing bound before: Neo4j rejects the statement.
fn unbound_where_variable(s: &Statement) -> Option<String> {
    let StatementKind::Query(q) = &s.kind else { return None };
    let clauses = linear_clauses(q)?;
    for (i, c) in clauses.iter().enumerate() {
        let Clause::Match(m) = c else { continue };
        let Some(w) = &m.where_ else { continue };
        let bound = analyze(&clauses[..=i]);
        for v in variables(w) {
            if bound.binding(&v).is_none() {
                return Some(v);
            }
        }
    }
    None
}

/// Relationship types adjacent (in a MATCH pattern) to nodes a statement DETACH DELETEs.
fn detached_types(statements: &[Statement]) -> Vec<String> {
    let mut out = Vec::new();
    for s in statements {
        let StatementKind::Query(q) = &s.kind else { continue };
        let Some(clauses) = linear_clauses(q) else { continue };
        let detached: Vec<String> = clauses
            .iter()
            .filter_map(|c| match c {
                Clause::Delete(d) if d.detach => Some(d.exprs.iter().flat_map(variables).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        for c in &clauses {
            let Clause::Match(m) = c else { continue };
            for part in &m.pattern.parts {
                let els = &part.path.elements;
                for (i, el) in els.iter().enumerate() {
                    let PathElement::Relationship(r) = el else { continue };
                    let touches_detached = [i.wrapping_sub(1), i + 1].iter().any(|&j| {
                        matches!(els.get(j), Some(PathElement::Node(n))
                            if n.variable.as_ref().is_some_and(|v| detached.contains(&v.value)))
                    });
                    if touches_detached {
                        out.extend(crate::schema::effects::label_names(r.types.as_ref()));
                    }
                }
            }
        }
    }
    out
}
