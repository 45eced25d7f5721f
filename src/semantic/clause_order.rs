//! Clause order: what may follow an updating clause, where RETURN and FINISH may stand, how a
//! query may end, what FOREACH and expression subqueries may hold, how UNION parts must agree.

use super::scope::{item_name, NameSet};
use super::{clause_name, is_update, Analysis, ErrorKind, QueryContext, Repair};
use crate::ast::{
    Clause, Expr, ExprKind, ForeachClause, NodePattern, Query, RelationshipPattern, SetItem, SingleQuery,
};
use crate::span::Span;
use crate::visit::{self, Visitor};

/// Clauses that read (or call) and so may not follow an updating clause without a WITH.
fn is_reading(c: &Clause) -> bool {
    matches!(
        c,
        Clause::Match(_) | Clause::Unwind(_) | Clause::CallProcedure(_) | Clause::CallSubquery(_) | Clause::LoadCsv(_)
    )
}

pub(super) fn check_single(cx: &mut Analysis, clauses: &[Clause], context: QueryContext) {
    for i in 1..clauses.len() {
        match &clauses[i - 1] {
            Clause::Return(_) | Clause::Finish(_) => misplaced_end(cx, clauses, i, context),
            prev if is_update(prev) && is_reading(&clauses[i]) && !cx.cypher25 => {
                with_required(cx, clauses, i, context)
            }
            _ => {}
        }
    }
    if matches!(context, QueryContext::Statement | QueryContext::CallBody | QueryContext::Collect) {
        check_conclusion(cx, clauses, context);
    }
}

/// `RETURN` or `FINISH` followed by more clauses.
fn misplaced_end(cx: &mut Analysis, clauses: &[Clause], i: usize, context: QueryContext) {
    let prev = &clauses[i - 1];
    let name = clause_name(prev);
    let message = format!("{name} can only be used at the end of the query");
    let semicolon = missing_semicolon(cx, clauses, i, context);
    let e = cx.error(ErrorKind::ClauseOrder, prev.span(), message);
    match semicolon {
        Some(repair) => {
            e.help = Some(format!("a `;` is probably missing here: the clauses up to {name} are a complete statement"));
            e.repair = Some(repair);
        }
        None if name == "RETURN" => {
            e.help = Some("RETURN ends a query: to pass rows on to the next clause, use WITH".into());
        }
        None => {}
    }
}

/// An updating clause directly followed by a reading one.
fn with_required(cx: &mut Analysis, clauses: &[Clause], i: usize, context: QueryContext) {
    let (prev, next) = (clause_name(&clauses[i - 1]), clause_name(&clauses[i]));
    let semicolon = missing_semicolon(cx, clauses, i, context);
    let shared = !shared_variables(clauses, i).is_empty();
    let at = super::tight(cx.text, clauses[i].span());
    let e = cx.error(ErrorKind::ClauseOrder, clauses[i].span(), format!("WITH is required between {prev} and {next}"));
    if let Some(repair) = semicolon {
        e.help = Some(format!(
            "a `;` is probably missing here: the clauses up to {prev} are a complete statement, and what follows stands on its own"
        ));
        e.repair = Some(repair);
    } else if shared {
        e.help = Some(format!("put `WITH *` (or a WITH listing the variables {next} needs) between {prev} and {next}"));
        e.repair = Some(Repair {
            span: Span::at(at.start),
            replacement: "WITH * ".into(),
            message: format!("insert `WITH *` before {next}"),
            safe: true,
        });
    } else {
        e.help = Some(format!("put a WITH between {prev} and {next}, or end the statement with `;` before {next}"));
    }
}

/// The `;` to insert before `clauses[i]` when the statement reads as two run together: the
/// clause starts a new line, the top-level statement up to it is complete, and the rest uses
/// nothing it binds. Unsafe: the halves then run as two statements (see the rule's docs).
fn missing_semicolon(cx: &Analysis, clauses: &[Clause], i: usize, context: QueryContext) -> Option<Repair> {
    if context != QueryContext::Statement || !shared_variables(clauses, i).is_empty() {
        return None;
    }
    let end = super::tight(cx.text, clauses[i - 1].span()).end;
    let start = super::tight(cx.text, clauses[i].span()).start;
    let between = cx.text.get(end..start)?;
    if !between.contains('\n') || !concludes(&clauses[..i], context) {
        return None;
    }
    Some(Repair {
        span: Span::at(end),
        replacement: ";".into(),
        message: format!("end the statement before {} with `;`", clause_name(&clauses[i])),
        safe: false,
    })
}

/// Variables bound by `clauses[..i]` (anywhere, WITH or not) that `clauses[i..]` use before
/// binding them again: a MATCH or MERGE that names one in its pattern binds it anew when the
/// two parts run as two statements, so such a name alone does not tie them together.
fn shared_variables(clauses: &[Clause], i: usize) -> Vec<String> {
    let mut bound = NameSet::default();
    for c in &clauses[..i] {
        bind_any(c, &mut bound);
    }
    let mut rebound = NameSet::default();
    let mut needed = Vec::new();
    for c in &clauses[i..] {
        let mut refs = References(Vec::new(), true);
        match c {
            Clause::Match(_) | Clause::Merge(_) => {
                refs.1 = false;
                refs.visit_clause(c);
            }
            _ => refs.visit_clause(c),
        }
        for name in refs.0 {
            if name == "*" {
                needed.extend(bound.names().filter(|n| !rebound.contains(n)).map(str::to_string));
            } else if bound.contains(&name) && !rebound.contains(&name) {
                needed.push(name);
            }
        }
        bind_any(c, &mut rebound);
    }
    needed
}

fn bind_any(c: &Clause, scope: &mut NameSet) {
    match c {
        Clause::Match(m) => m.pattern.parts.iter().for_each(|p| scope.bind_part(p)),
        Clause::Create(cr) => cr.pattern.parts.iter().for_each(|p| scope.bind_part(p)),
        Clause::Merge(m) => scope.bind_part(&m.pattern),
        Clause::Unwind(u) => scope.bind(&u.variable.value),
        Clause::LoadCsv(l) => scope.bind(&l.variable.value),
        Clause::With(w) => w.projection.items.iter().filter_map(item_name).for_each(|n| scope.bind(&n.value)),
        Clause::CallProcedure(p) => {
            for item in p.yield_.iter().flat_map(|y| &y.items) {
                scope.bind(&item.bound_name().value);
            }
        }
        Clause::CallSubquery(s) => {
            for name in returned_names(&s.body.first) {
                scope.bind(&name);
            }
        }
        _ => {}
    }
}

pub(super) fn returned_names(sq: &SingleQuery) -> Vec<String> {
    match sq.clauses.last() {
        Some(Clause::Return(r)) => r.projection.items.iter().filter_map(item_name).map(|n| n.value.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Every name a clause mentions: variables, SET/REMOVE targets, pattern variables — with the
/// flag off, only those of bare nodes and relationships, which lean on an earlier binding where
/// `(a:Label {key: 1})` would stand on its own.
struct References(Vec<String>, bool);

impl References {
    fn add(&mut self, name: &str) {
        if !self.0.iter().any(|n| n == name) {
            self.0.push(name.to_string());
        }
    }
}

impl<'a> Visitor<'a> for References {
    fn visit_clause(&mut self, c: &'a Clause) {
        match c {
            Clause::Set(s) => s.items.iter().for_each(|i| self.set_item(i)),
            Clause::Merge(m) => m.actions.iter().flat_map(|a| &a.set.items).for_each(|i| self.set_item(i)),
            Clause::Remove(r) => {
                for item in &r.items {
                    if let crate::ast::RemoveItem::Labels { target, .. } = item {
                        self.add(&target.value);
                    }
                }
            }
            Clause::CallSubquery(s) => {
                for v in s.scope.iter().flat_map(|sc| &sc.variables) {
                    self.add(&v.value);
                }
                if s.scope.as_ref().is_some_and(|sc| sc.all) {
                    self.add("*");
                }
            }
            Clause::With(w) if w.projection.star => self.add("*"),
            Clause::Return(r) if r.projection.star => self.add("*"),
            _ => {}
        }
        visit::walk_clause(self, c)
    }
    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Variable(n) | ExprKind::MapProjection { subject: n, .. } => self.add(&n.value),
            _ => {}
        }
        visit::walk_expr(self, e)
    }
    fn visit_pattern_part(&mut self, p: &'a crate::ast::PatternPart) {
        match &p.variable {
            Some(v) if self.1 => self.add(&v.value),
            _ => {}
        }
        visit::walk_pattern_part(self, p)
    }
    fn visit_node(&mut self, n: &'a NodePattern) {
        match &n.variable {
            Some(v) if self.1 || (n.labels.is_none() && n.properties.is_none()) => self.add(&v.value),
            _ => {}
        }
        visit::walk_node(self, n)
    }
    fn visit_relationship(&mut self, r: &'a RelationshipPattern) {
        match &r.variable {
            Some(v) if self.1 || (r.types.is_none() && r.properties.is_none()) => self.add(&v.value),
            _ => {}
        }
        visit::walk_relationship(self, r)
    }
}

impl References {
    fn set_item(&mut self, item: &SetItem) {
        if let SetItem::Labels { target, .. } = item {
            self.add(&target.value);
        }
    }
}

/// Whether a query may end with its last clause.
fn concludes(clauses: &[Clause], context: QueryContext) -> bool {
    match clauses.last() {
        None => true,
        Some(Clause::Return(_) | Clause::Finish(_)) => true,
        Some(c) if is_update(c) => true,
        Some(Clause::CallSubquery(s)) => !returns_rows(&s.body),
        Some(Clause::CallProcedure(p)) => p.yield_.is_none() || standalone_call(clauses, context),
        Some(_) => false,
    }
}

/// `CALL proc() YIELD …` alone (after an optional USE) is a standalone call: it may end there.
fn standalone_call(clauses: &[Clause], context: QueryContext) -> bool {
    context == QueryContext::Statement && matches!(clauses, [_] | [Clause::Use(_), _])
}

fn returns_rows(q: &Query) -> bool {
    q.single_queries().any(|sq| matches!(sq.clauses.last(), Some(Clause::Return(_))))
}

fn check_conclusion(cx: &mut Analysis, clauses: &[Clause], context: QueryContext) {
    let Some(last) = clauses.last() else { return };
    if concludes(clauses, context) {
        return;
    }
    let message = match last {
        Clause::CallProcedure(_) if context != QueryContext::Statement => return,
        Clause::CallProcedure(_) => "Query cannot conclude with CALL together with YIELD".to_string(),
        c => format!(
            "Query cannot conclude with {} (must be a RETURN clause, a FINISH clause, an update clause, a unit subquery call, or a procedure call with no YIELD)",
            clause_name(c)
        ),
    };
    let help = match context {
        QueryContext::Collect => "a COLLECT subquery must end with RETURN and one column",
        _ => "end the query with RETURN to get its rows, or FINISH to run it for its effects only",
    };
    cx.error(ErrorKind::ClauseOrder, last.span(), message).help = Some(help.into());
}

/// FOREACH holds updating clauses only.
pub(super) fn check_foreach(cx: &mut Analysis, f: &ForeachClause) {
    for c in f.clauses.iter().filter(|c| !is_update(c)) {
        let message = format!("Invalid use of {} inside FOREACH", clause_name(c));
        cx.error(ErrorKind::ClauseOrder, c.span(), message).help =
            Some("FOREACH may only hold CREATE, MERGE, SET, REMOVE, DELETE and FOREACH".into());
    }
}

/// EXISTS, COUNT and COLLECT subqueries only read.
pub(super) fn check_no_updates(cx: &mut Analysis, q: &Query, context: QueryContext) {
    let what = match context {
        QueryContext::Exists => "An Exists Expression",
        QueryContext::Count => "A Count Expression",
        QueryContext::Collect => "A Collect Expression",
        _ => return,
    };
    for c in q.single_queries().flat_map(|sq| &sq.clauses).filter(|c| is_update(c)) {
        cx.error(ErrorKind::ClauseOrder, c.span(), format!("{what} cannot contain any updates")).help =
            Some("write in the enclosing query, or in a CALL subquery".into());
    }
}

/// UNION parts: one kind of UNION, and the same column names in every part.
pub(super) fn check_union(cx: &mut Analysis, q: &Query) {
    let Some(first) = q.unions.first() else { return };
    if let Some(mixed) = q.unions.iter().find(|u| u.all != first.all) {
        cx.error(ErrorKind::Union, mixed.span, "Invalid combination of UNION and UNION ALL").help =
            Some("use either UNION (which removes duplicates) or UNION ALL throughout".into());
    }
    let Some(expected) = columns(cx.text, &q.first) else { return };
    for u in &q.unions {
        let Some(found) = columns(cx.text, &u.query) else { continue };
        if found != expected {
            let help = format!(
                "the first part returns {}, this one {}: alias the columns alike",
                list(&expected),
                list(&found)
            );
            cx.error(ErrorKind::Union, u.span, "All sub queries in an UNION must have the same return column names")
                .help = Some(help);
        }
    }
}

/// The sorted column names of a part ending in RETURN without `*` (Neo4j names an unaliased
/// expression after its text as written).
fn columns(text: &str, sq: &SingleQuery) -> Option<Vec<String>> {
    let Some(Clause::Return(r)) = sq.clauses.last() else { return None };
    if r.projection.star {
        return None;
    }
    let mut names: Vec<String> = r
        .projection
        .items
        .iter()
        .map(|i| match item_name(i) {
            Some(n) => n.value.clone(),
            None => super::tight(text, i.expr.span).text(text).to_string(),
        })
        .collect();
    names.sort();
    Some(names)
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
