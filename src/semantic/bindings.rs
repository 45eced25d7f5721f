//! Variables bound twice: a path variable that is already a variable, CREATE or MERGE of a node
//! or relationship that is already bound, UNWIND, YIELD and subquery columns that shadow, result
//! columns with one name. Undefined variables are `undefined-variable`'s, not this module's.

use super::clause_order::returned_names;
use super::scope::{item_name, part_kinds, part_variables, Kind, Scope};
use super::{Analysis, ErrorKind};
use crate::ast::{
    CallSubqueryClause, Clause, ExprKind, MatchClause, Name, PathElement, PatternPart, Projection, Query,
};

pub(super) fn check_query(cx: &mut Analysis, q: &Query, outer: &Scope) {
    for sq in q.single_queries() {
        check_clauses(cx, &sq.clauses, outer.clone());
    }
}

fn check_clauses(cx: &mut Analysis, clauses: &[Clause], mut scope: Scope) {
    for c in clauses {
        match c {
            Clause::Match(m) => {
                check_kinds(cx, &m.pattern.parts, &scope, false);
                check_match(cx, m, &mut scope)
            }
            Clause::Create(cr) => {
                check_kinds(cx, &cr.pattern.parts, &scope, true);
                for part in &cr.pattern.parts {
                    check_written_part(cx, part, &scope, true);
                    scope.bind_part(part);
                }
            }
            Clause::Merge(m) => {
                check_written_part(cx, &m.pattern, &scope, false);
                scope.bind_part(&m.pattern);
            }
            Clause::Unwind(u) => {
                already_bound(cx, &scope, &u.variable, "UNWIND binds a new variable: pick another name");
                scope.bind(&u.variable.value);
            }
            Clause::LoadCsv(l) => scope.bind(&l.variable.value),
            Clause::With(w) => {
                check_projection(cx, &w.projection, true);
                scope = projected(&w.projection, &scope);
            }
            Clause::Return(r) => check_projection(cx, &r.projection, false),
            Clause::CallProcedure(p) => {
                for item in p.yield_.iter().flat_map(|y| &y.items) {
                    let name = item.bound_name();
                    already_bound(cx, &scope, name, "rename the column with `YIELD column AS other`");
                    scope.bind(&name.value);
                }
            }
            Clause::CallSubquery(s) => check_call(cx, s, &mut scope),
            Clause::Foreach(f) => {
                let mut inner = scope.clone();
                inner.bind(&f.variable.value);
                check_clauses(cx, &f.clauses, inner);
            }
            _ => {}
        }
    }
}

fn already_bound(cx: &mut Analysis, scope: &Scope, name: &Name, help: &str) {
    if scope.contains(&name.value) {
        cx.error(ErrorKind::VariableAlreadyBound, name.span, format!("Variable `{}` already declared", name.value))
            .help = Some(help.into());
    }
}

/// A path variable names a new path: it cannot be bound already, nor name a node or
/// relationship of the same MATCH.
fn check_match(cx: &mut Analysis, m: &MatchClause, scope: &mut Scope) {
    let inner: Vec<&Name> = m
        .pattern
        .parts
        .iter()
        .flat_map(|p| {
            let mut vars = part_variables(p);
            if p.variable.is_some() {
                vars.remove(0);
            }
            vars
        })
        .collect();
    for p in m.pattern.parts.iter().filter_map(|p| p.variable.as_ref()) {
        let reused = scope.contains(&p.value) || inner.iter().any(|n| n.value == p.value);
        if reused {
            cx.error(ErrorKind::VariableAlreadyBound, p.span, format!("Variable `{}` already declared", p.value))
                .help = Some("a path variable names a new path: pick a name no other variable has".into());
        }
    }
    m.pattern.parts.iter().for_each(|p| scope.bind_part(p));
}

/// CREATE and MERGE make what their pattern names: a bound variable may only stand as an
/// endpoint of something new, bare (CREATE) — never a bound relationship or path, never a
/// bound node alone.
fn check_written_part(cx: &mut Analysis, part: &PatternPart, scope: &Scope, create: bool) {
    let clause = if create { "CREATE" } else { "MERGE" };
    if let Some(p) = &part.variable {
        already_bound(cx, scope, p, &format!("{clause} names a new path: pick a new name"));
    }
    if let [PathElement::Node(n)] = part.path.elements.as_slice() {
        if let Some(v) = &n.variable {
            let help = format!(
                "`{}` is bound already, so there is nothing to {clause}: to add labels or properties use SET",
                v.value
            );
            already_bound(cx, scope, v, &help);
            return;
        }
    }
    for el in &part.path.elements {
        match el {
            PathElement::Node(n) if create && (n.labels.is_some() || n.properties.is_some()) => {
                if let Some(v) = &n.variable {
                    let help = format!(
                        "CREATE cannot add labels or properties to the bound node `{}`: write it bare and use SET",
                        v.value
                    );
                    already_bound(cx, scope, v, &help);
                }
            }
            PathElement::Relationship(r) => {
                if let Some(v) = &r.variable {
                    let help = format!("a relationship in {clause} is a new one: pick a new name");
                    already_bound(cx, scope, v, &help);
                }
            }
            _ => {}
        }
    }
}

fn check_call(cx: &mut Analysis, s: &CallSubqueryClause, scope: &mut Scope) {
    let mut inner = Scope::default();
    match &s.scope {
        Some(sc) if sc.all => inner = scope.clone(),
        Some(sc) => {
            for v in &sc.variables {
                inner.bind(&v.value);
                if let Some(kind) = scope.kind_of(&v.value) {
                    inner.set_kind(&v.value, kind);
                }
            }
        }
        None => {}
    }
    check_query(cx, &s.body, &inner);
    if let Some(Clause::Return(r)) = s.body.first.clauses.last() {
        for name in r.projection.items.iter().filter_map(item_name) {
            if scope.contains(&name.value) {
                let message = format!("Variable `{}` already declared in outer scope", name.value);
                cx.error(ErrorKind::VariableAlreadyBound, name.span, message).help =
                    Some("a subquery cannot return a name the outer query already has: alias it".into());
            }
        }
    }
    for name in returned_names(&s.body.first) {
        scope.bind(&name);
    }
    if let Some(v) = s.in_transactions.as_ref().and_then(|t| t.report_status.as_ref()) {
        scope.bind(&v.value);
    }
}

/// Result columns: one name each; in WITH, every expression other than a variable needs a name.
fn check_projection(cx: &mut Analysis, p: &Projection, with: bool) {
    let mut seen: Vec<&str> = Vec::new();
    for item in &p.items {
        match item_name(item) {
            Some(n) if seen.contains(&n.value.as_str()) => {
                cx.error(
                    ErrorKind::Projection,
                    item.span,
                    "Multiple result columns with the same name are not supported",
                )
                .help = Some(format!("`{}` is already a column: alias this one differently", n.value));
            }
            Some(n) => seen.push(&n.value),
            None if with => {
                cx.error(ErrorKind::Projection, item.expr.span, "Expression in WITH must be aliased (use AS)").help =
                    Some("name the expression: `… AS name`".into());
            }
            None => {}
        }
    }
}

/// The scope after a WITH: its columns, plus everything with `*`. A column that passes a
/// variable on unchanged (`WITH r`, `WITH r AS x`) keeps its kind.
fn projected(p: &Projection, before: &Scope) -> Scope {
    let mut next = if p.star { before.clone() } else { Scope::default() };
    for item in &p.items {
        let Some(n) = item_name(item) else { continue };
        next.bind(&n.value);
        if let ExprKind::Variable(v) = &item.expr.kind {
            if let Some(kind) = before.kind_of(&v.value) {
                next.set_kind(&n.value, kind);
            }
        }
    }
    next
}

/// A variable is a node, a relationship or a path, never two of them: one bound as a
/// relationship cannot stand as a node of a later pattern (`MATCH ()-[r]-() MATCH (r)`), nor
/// one name be both in one clause (`MATCH (r)-[r]->()`). A path variable bound twice is
/// `check_match`'s (already declared), so names that are a path of this clause are left to it;
/// so is a lone node that CREATE or MERGE would make again.
fn check_kinds(cx: &mut Analysis, parts: &[PatternPart], scope: &Scope, create: bool) {
    let path_names: Vec<&str> = parts.iter().filter_map(|p| p.variable.as_ref()).map(|v| v.value.as_str()).collect();
    let mut seen: Vec<(&str, Kind)> = Vec::new();
    for part in parts {
        let lone_node = create && matches!(part.path.elements.as_slice(), [PathElement::Node(_)]);
        for (name, kind) in part_kinds(part) {
            if kind == Kind::Path || path_names.contains(&name.value.as_str()) {
                continue;
            }
            let known =
                scope.kind_of(&name.value).or_else(|| seen.iter().find(|(n, _)| *n == name.value).map(|(_, k)| *k));
            match known {
                Some(k) if k != kind && !(lone_node && scope.contains(&name.value)) => {
                    let message = format!(
                        "Type mismatch: {} defined with conflicting type {} (expected {})",
                        name.value,
                        k.name(),
                        kind.name()
                    );
                    cx.error(ErrorKind::VariableTypeConflict, name.span, message).help = Some(format!(
                        "`{}` is a {} here: a variable is a node, a relationship or a path, never two of them",
                        name.value,
                        k.name().to_ascii_lowercase()
                    ));
                }
                Some(_) => {}
                None => seen.push((&name.value, kind)),
            }
        }
    }
}
