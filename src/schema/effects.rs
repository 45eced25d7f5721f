//! What a data statement does to the graph: which variables it binds (and how), and every write
//! it makes. The schema model summarises this as [`Touch`]es; down derivation inverts it.
//!
//! Batched forms are analysed as the single query they amount to: `CALL (x) { … } IN
//! TRANSACTIONS` is flattened into its outer query, and `apoc.periodic.iterate(outer, inner, …)`
//! is re-assembled into `outer WITH … inner` and parsed.

use crate::ast::{
    Clause, EntityKind, Expr, ExprKind, LabelExpr, Literal, NodePattern, PathElement, PatternPart, Query, RemoveItem,
    SetItem, Statement, StatementKind,
};
use crate::span::Span;
use serde::Serialize;

/// What a migration does to a label, relationship type or property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Creates entities with this label/type (property: set at creation).
    Create,
    /// Sets the property, or adds the label.
    Set,
    /// Removes the property or label.
    Remove,
    /// Renames: this property/label/type is the new name of `from`.
    Rename { from: String },
    /// Deletes entities with this label/type.
    Delete,
}

/// One thing a migration does to the graph's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Touch {
    pub entity: EntityKind,
    /// The label or relationship type (empty when the statement does not say).
    pub label: String,
    /// `None` when the touch is about the label/type itself.
    pub property: Option<String>,
    pub action: Action,
    pub statement: Span,
    /// The value written, as Cypher, when it is a literal (`'active'`, `3`, `true`): what a later
    /// migration's down restores when it overwrites it.
    #[serde(skip)]
    pub value: Option<String>,
}

impl Touch {
    /// True when this touch leaves `label.property` written (set, created or renamed to).
    pub fn writes_property(&self, label: &str, property: &str) -> bool {
        self.label == label
            && self.property.as_deref() == Some(property)
            && matches!(self.action, Action::Set | Action::Create | Action::Rename { .. })
    }
}

/// How a variable came to be bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// By MATCH (an existing entity).
    Matched,
    /// By OPTIONAL MATCH.
    OptionalMatched,
    /// By CREATE (a new entity).
    Created,
    /// By MERGE (new, or an existing one that matched).
    Merged,
    /// By UNWIND, WITH, LOAD CSV, YIELD: a value, not a graph entity of this statement.
    Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Binding {
    pub var: String,
    pub origin: Origin,
    pub entity: Option<EntityKind>,
    /// Labels (or relationship types) the pattern guarantees.
    pub labels: Vec<String>,
    /// The node or relationship pattern that bound it.
    pub pattern: Span,
    /// For a WITH alias: the expression it stands for.
    pub alias_of: Option<Expr>,
}

/// A write made by a statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Write {
    /// `v.key = value`; `on_create`/`on_match` for MERGE actions.
    SetProperty {
        span: Span,
        var: String,
        key: String,
        value: Expr,
        merge_action: Option<bool>,
    },
    /// `v = map` (replace) / `v += map`.
    SetMap {
        span: Span,
        var: String,
        value: Expr,
        replace: bool,
    },
    SetLabels {
        span: Span,
        var: String,
        labels: Vec<String>,
    },
    RemoveProperty {
        span: Span,
        var: String,
        key: String,
    },
    RemoveLabels {
        span: Span,
        var: String,
        labels: Vec<String>,
    },
    /// `DELETE`/`DETACH DELETE` of variables (other expressions are listed by text).
    Delete {
        span: Span,
        detach: bool,
        targets: Vec<String>,
    },
    /// A CREATE or MERGE pattern part (nodes and relationships it makes are found in it).
    Create {
        span: Span,
        part: PatternPart,
        merge: bool,
    },
    /// A procedure that may write (anything not known to be read-only).
    Procedure {
        span: Span,
        name: String,
    },
    /// Something cymig does not analyse (FOREACH, dynamic property keys, UNION with writes…).
    Unanalysed {
        span: Span,
        why: String,
    },
}

impl Write {
    pub fn span(&self) -> Span {
        match self {
            Write::SetProperty { span, .. }
            | Write::SetMap { span, .. }
            | Write::SetLabels { span, .. }
            | Write::RemoveProperty { span, .. }
            | Write::RemoveLabels { span, .. }
            | Write::Delete { span, .. }
            | Write::Create { span, .. }
            | Write::Procedure { span, .. }
            | Write::Unanalysed { span, .. } => *span,
        }
    }
}

/// The analysis of one data statement.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    pub bindings: Vec<Binding>,
    pub writes: Vec<Write>,
}

impl Analysis {
    pub fn binding(&self, var: &str) -> Option<&Binding> {
        self.bindings.iter().rev().find(|b| b.var == var)
    }

    pub fn labels_of(&self, var: &str) -> Vec<String> {
        self.binding(var).map(|b| b.labels.clone()).unwrap_or_default()
    }

    pub fn entity_of(&self, var: &str) -> EntityKind {
        self.binding(var).and_then(|b| b.entity).unwrap_or(EntityKind::Node)
    }

    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }
}

/// A query flattened for analysis: `CALL … IN TRANSACTIONS` bodies are inlined.
pub fn linear_clauses(query: &Query) -> Option<Vec<&Clause>> {
    if !query.unions.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for clause in &query.first.clauses {
        push_flattened(clause, &mut out);
    }
    Some(out)
}

fn push_flattened<'a>(clause: &'a Clause, out: &mut Vec<&'a Clause>) {
    match clause {
        Clause::CallSubquery(call) if call.body.unions.is_empty() => {
            for inner in &call.body.first.clauses {
                // The body's own RETURN only feeds the outer query.
                if !matches!(inner, Clause::Return(_)) {
                    push_flattened(inner, out);
                }
            }
        }
        other => out.push(other),
    }
}

/// Analyses a flattened clause list.
pub fn analyze(clauses: &[&Clause]) -> Analysis {
    let mut a = Analysis::default();
    for clause in clauses {
        analyze_clause(clause, &mut a);
    }
    a
}

fn analyze_clause(clause: &Clause, a: &mut Analysis) {
    match clause {
        Clause::Match(m) => {
            let origin = if m.optional { Origin::OptionalMatched } else { Origin::Matched };
            for part in &m.pattern.parts {
                bind_part(part, origin, a);
            }
        }
        Clause::Start(st) => {
            for p in &st.points {
                let entity = if p.relationship { EntityKind::Relationship } else { EntityKind::Node };
                bind_entity(&p.variable.value, Origin::Matched, entity, Vec::new(), p.span, a);
            }
        }
        Clause::Unwind(u) => bind_value(&u.variable.value, u.span, None, a),
        Clause::LoadCsv(l) => bind_value(&l.variable.value, l.span, None, a),
        Clause::With(w) => {
            for item in &w.projection.items {
                if let Some(alias) = &item.alias {
                    let same = matches!(&item.expr.kind, ExprKind::Variable(v) if v.value == alias.value);
                    if !same {
                        bind_value(&alias.value, item.span, Some(item.expr.clone()), a);
                    }
                }
            }
        }
        Clause::Create(c) => {
            for part in &c.pattern.parts {
                bind_part(part, Origin::Created, a);
                a.writes.push(Write::Create { span: c.span, part: part.clone(), merge: false });
            }
        }
        Clause::Merge(m) => {
            bind_part(&m.pattern, Origin::Merged, a);
            a.writes.push(Write::Create { span: m.span, part: m.pattern.clone(), merge: true });
            for action in &m.actions {
                set_items(&action.set.items, Some(action.on_create), a);
            }
        }
        Clause::Set(s) => set_items(&s.items, None, a),
        Clause::Remove(r) => {
            for item in &r.items {
                match item {
                    RemoveItem::Property { span, target } => match property_target(target) {
                        Some((var, key)) => a.writes.push(Write::RemoveProperty { span: *span, var, key }),
                        None => unanalysed(*span, "REMOVE of a dynamic property", a),
                    },
                    RemoveItem::Labels { span, target, labels } => a.writes.push(Write::RemoveLabels {
                        span: *span,
                        var: target.value.clone(),
                        labels: labels.iter().map(|l| l.value.clone()).collect(),
                    }),
                }
            }
        }
        Clause::Delete(d) => {
            let targets = d
                .exprs
                .iter()
                .map(|e| match &e.kind {
                    ExprKind::Variable(v) => v.value.clone(),
                    _ => String::new(),
                })
                .collect();
            a.writes.push(Write::Delete { span: d.span, detach: d.detach, targets });
        }
        Clause::Foreach(f) => unanalysed(f.span, "FOREACH is not analysed", a),
        Clause::CallProcedure(c) => {
            let name = c.procedure.dotted();
            if let Some(y) = &c.yield_ {
                for item in &y.items {
                    bind_value(&item.bound_name().value, item.span, None, a);
                }
            }
            if !crate::semantic::procedures::lookup(&name).leaves_graph_alone() {
                a.writes.push(Write::Procedure { span: c.span, name });
            }
        }
        Clause::CallSubquery(c) => {
            // Only reached for UNION bodies (others are flattened).
            let mut inner = Analysis::default();
            for q in c.body.single_queries() {
                for clause in &q.clauses {
                    analyze_clause(clause, &mut inner);
                }
            }
            if inner.has_writes() {
                unanalysed(c.span, "a CALL subquery with UNION that writes is not analysed", a);
            }
        }
        Clause::Use(_) | Clause::Return(_) | Clause::Finish(_) => {}
    }
}

fn set_items(items: &[SetItem], merge_action: Option<bool>, a: &mut Analysis) {
    for item in items {
        match item {
            // `n = map` written as a property SET with a bare variable target (the grammar
            // lowers it so today): the same as SetItem::Replace.
            SetItem::Property { span, target, value } if matches!(target.kind, ExprKind::Variable(_)) => {
                if let ExprKind::Variable(v) = &target.kind {
                    a.writes.push(Write::SetMap {
                        span: *span,
                        var: v.value.clone(),
                        value: value.clone(),
                        replace: true,
                    })
                }
            }
            SetItem::Property { span, target, value } => match property_target(target) {
                Some((var, key)) => {
                    a.writes.push(Write::SetProperty { span: *span, var, key, value: value.clone(), merge_action })
                }
                None => unanalysed(*span, "SET of a dynamic property", a),
            },
            SetItem::Replace { span, target, value } | SetItem::Merge { span, target, value } => {
                let replace = matches!(item, SetItem::Replace { .. });
                match &target.kind {
                    ExprKind::Variable(v) => a.writes.push(Write::SetMap {
                        span: *span,
                        var: v.value.clone(),
                        value: value.clone(),
                        replace,
                    }),
                    _ => unanalysed(*span, "SET on an expression", a),
                }
            }
            SetItem::Labels { span, target, labels } => a.writes.push(Write::SetLabels {
                span: *span,
                var: target.value.clone(),
                labels: labels.iter().map(|l| l.value.clone()).collect(),
            }),
        }
    }
}

fn unanalysed(span: Span, why: &str, a: &mut Analysis) {
    a.writes.push(Write::Unanalysed { span, why: why.to_string() });
}

/// `v.key` → (v, key).
pub fn property_target(e: &Expr) -> Option<(String, String)> {
    match &e.kind {
        ExprKind::Property { subject, key } => match &subject.kind {
            ExprKind::Variable(v) => Some((v.value.clone(), key.value.clone())),
            _ => None,
        },
        _ => None,
    }
}

fn bind_value(var: &str, span: Span, alias_of: Option<Expr>, a: &mut Analysis) {
    a.bindings.push(Binding {
        var: var.to_string(),
        origin: Origin::Value,
        entity: None,
        labels: Vec::new(),
        pattern: span,
        alias_of,
    });
}

fn bind_part(part: &PatternPart, origin: Origin, a: &mut Analysis) {
    for element in &part.path.elements {
        bind_element(element, origin, a);
    }
}

fn bind_element(element: &PathElement, origin: Origin, a: &mut Analysis) {
    match element {
        PathElement::Node(n) => {
            if let Some(var) = &n.variable {
                bind_entity(&var.value, origin, EntityKind::Node, label_names(n.labels.as_ref()), n.span, a);
            }
        }
        PathElement::Relationship(r) => {
            if let Some(var) = &r.variable {
                let types = match &r.types {
                    Some(LabelExpr::Name(n)) => vec![n.value.clone()],
                    _ => Vec::new(),
                };
                bind_entity(&var.value, origin, EntityKind::Relationship, types, r.span, a);
            }
        }
        PathElement::Parenthesized(p) => bind_part(&p.pattern, origin, a),
    }
}

fn bind_entity(var: &str, origin: Origin, entity: EntityKind, labels: Vec<String>, span: Span, a: &mut Analysis) {
    if let Some(existing) = a.bindings.iter_mut().rev().find(|b| b.var == var) {
        // A variable already bound keeps its origin; a later pattern may add labels.
        for l in labels {
            if !existing.labels.contains(&l) {
                existing.labels.push(l);
            }
        }
        return;
    }
    a.bindings.push(Binding {
        var: var.to_string(),
        origin,
        entity: Some(entity),
        labels,
        pattern: span,
        alias_of: None,
    });
}

pub fn label_names(labels: Option<&LabelExpr>) -> Vec<String> {
    labels.map(|l| l.required_names().into_iter().map(|n| n.value.clone()).collect()).unwrap_or_default()
}

/// True when the node pattern introduces a new node in a CREATE/MERGE (its variable is not
/// bound earlier in the statement).
pub fn is_new_node(node: &NodePattern, before: &Analysis, clause_span: Span) -> bool {
    match &node.variable {
        None => true,
        Some(v) => before
            .binding(&v.value)
            .map(|b| matches!(b.origin, Origin::Created | Origin::Merged) && b.pattern.start >= clause_span.start)
            .unwrap_or(true),
    }
}

/// `apoc.periodic.iterate('outer', 'inner', …)` re-assembled as one query text
/// (`outer` with its final RETURN turned into WITH, then `inner`).
pub fn apoc_iterate_as_query(outer: &str, inner: &str) -> Option<String> {
    let script = crate::syntax::parse(outer);
    let statement = script.statements.first()?;
    let query = statement.as_query()?;
    let last = query.first.clauses.last()?;
    let Clause::Return(ret) = last else { return None };
    let start = ret.span.start;
    let keyword = outer.get(start..start + 6)?;
    if !keyword.eq_ignore_ascii_case("RETURN") {
        return None;
    }
    Some(format!("{}WITH{}\n{}", &outer[..start], &outer[start + 6..ret.span.end], inner))
}

/// The string arguments of an `apoc.periodic.iterate` call: (outer, inner, config text).
pub fn apoc_iterate_args<'a>(args: &'a [Expr], text: &'a str) -> Option<(String, String, Option<&'a str>)> {
    let string = |e: &Expr| match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.value.clone()),
        _ => None,
    };
    let outer = string(args.first()?)?;
    let inner = string(args.get(1)?)?;
    let config = args.get(2).map(|e| e.span.text(text));
    Some((outer, inner, config))
}

/// The touches of every data statement of a script.
pub fn touches_of_statements(statements: &[Statement], text: &str) -> Vec<Touch> {
    let mut out = Vec::new();
    for statement in statements {
        out.extend(touches_of_statement(statement, text));
    }
    out
}

fn touches_of_statement(statement: &Statement, text: &str) -> Vec<Touch> {
    let StatementKind::Query(query) = &statement.kind else {
        return Vec::new();
    };
    if let Some((outer, inner)) = single_apoc_iterate(query, text) {
        let Some(combined) = apoc_iterate_as_query(&outer, &inner) else { return Vec::new() };
        let script = crate::syntax::parse(&combined);
        return script
            .statements
            .first()
            .and_then(|s| s.as_query())
            .and_then(linear_clauses)
            .map(|clauses| touches_of_analysis(&analyze(&clauses), statement.span))
            .unwrap_or_default();
    }
    match linear_clauses(query) {
        Some(clauses) => touches_of_analysis(&analyze(&clauses), statement.span),
        None => Vec::new(),
    }
}

/// When the query is `CALL apoc.periodic.iterate('…', '…', …)` (possibly with YIELD/RETURN),
/// its outer and inner query strings.
pub fn single_apoc_iterate(query: &Query, text: &str) -> Option<(String, String)> {
    query.first.clauses.iter().find_map(|c| match c {
        Clause::CallProcedure(p) if p.procedure.dotted().eq_ignore_ascii_case("apoc.periodic.iterate") => {
            let (outer, inner, _) = apoc_iterate_args(p.args.as_deref()?, text)?;
            Some((outer, inner))
        }
        _ => None,
    })
}

pub fn touches_of_analysis(a: &Analysis, statement: Span) -> Vec<Touch> {
    let mut out = Vec::new();
    let mut push = |entity, label: &str, property: Option<&str>, action: Action, value: Option<&Expr>| {
        let (label, property, value) = (label.to_string(), property.map(str::to_string), value.and_then(literal_value));
        out.push(Touch { entity, label, property, action, statement, value })
    };
    let renamed_from = |var: &str, key: &str| -> Option<String> {
        a.writes.iter().find_map(|w| match w {
            Write::SetProperty { var: v, key: k, value, .. } if v == var && k == key => property_target(value)
                .filter(|(sv, sk)| sv == var && sk != key && removes(a, var, sk))
                .map(|(_, sk)| sk),
            _ => None,
        })
    };
    for w in &a.writes {
        match w {
            Write::SetProperty { var, key, value, .. } => {
                let entity = a.entity_of(var);
                let action = renamed_from(var, key).map(|from| Action::Rename { from }).unwrap_or(Action::Set);
                for label in labels_or_unknown(a, var) {
                    push(entity, &label, Some(key), action.clone(), Some(value));
                }
            }
            Write::SetMap { var, value, .. } => {
                if let ExprKind::Map(map) = &value.kind {
                    for entry in &map.entries {
                        for label in labels_or_unknown(a, var) {
                            push(a.entity_of(var), &label, Some(&entry.key.value), Action::Set, Some(&entry.value));
                        }
                    }
                }
            }
            Write::SetLabels { var, labels, .. } => {
                for l in labels {
                    push(EntityKind::Node, l, None, Action::Set, None);
                }
                let _ = var;
            }
            Write::RemoveProperty { var, key, .. } => {
                for label in labels_or_unknown(a, var) {
                    push(a.entity_of(var), &label, Some(key), Action::Remove, None);
                }
            }
            Write::RemoveLabels { labels, .. } => {
                for l in labels {
                    push(EntityKind::Node, l, None, Action::Remove, None);
                }
            }
            Write::Delete { targets, .. } => {
                for t in targets.iter().filter(|t| !t.is_empty()) {
                    for label in labels_or_unknown(a, t) {
                        push(a.entity_of(t), &label, None, Action::Delete, None);
                    }
                }
            }
            Write::Create { part, .. } => created_touches(part, &mut push),
            Write::Procedure { .. } | Write::Unanalysed { .. } => {}
        }
    }
    out
}

fn removes(a: &Analysis, var: &str, key: &str) -> bool {
    a.writes.iter().any(|w| matches!(w, Write::RemoveProperty { var: v, key: k, .. } if v == var && k == key))
}

fn labels_or_unknown(a: &Analysis, var: &str) -> Vec<String> {
    let labels = a.labels_of(var);
    if labels.is_empty() {
        vec![String::new()]
    } else {
        labels
    }
}

fn created_touches(part: &PatternPart, push: &mut impl FnMut(EntityKind, &str, Option<&str>, Action, Option<&Expr>)) {
    for element in &part.path.elements {
        match element {
            PathElement::Node(n) => {
                for label in label_names(n.labels.as_ref()) {
                    push(EntityKind::Node, &label, None, Action::Create, None);
                    for (key, value) in map_entries(n.properties.as_ref()) {
                        push(EntityKind::Node, &label, Some(key), Action::Create, Some(value));
                    }
                }
            }
            PathElement::Relationship(r) => {
                for t in label_names(r.types.as_ref()) {
                    push(EntityKind::Relationship, &t, None, Action::Create, None);
                    for (key, value) in map_entries(r.properties.as_ref()) {
                        push(EntityKind::Relationship, &t, Some(key), Action::Create, Some(value));
                    }
                }
            }
            PathElement::Parenthesized(p) => created_touches(&p.pattern, push),
        }
    }
}

fn map_entries(e: Option<&Expr>) -> Vec<(&str, &Expr)> {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Map(m)) => m.entries.iter().map(|e| (e.key.value.as_str(), &e.value)).collect(),
        _ => Vec::new(),
    }
}

/// A string, integer or boolean literal as Cypher (floats and null are left out: a float's text
/// may not round-trip, and null writes nothing).
fn literal_value(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => {
            Some(format!("'{}'", s.value.replace('\\', "\\\\").replace('\'', "\\'")))
        }
        ExprKind::Literal(Literal::Integer(i)) => Some(i.to_string()),
        ExprKind::Literal(Literal::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}
