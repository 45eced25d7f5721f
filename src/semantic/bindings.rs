//! The one walk of a statement's scopes: which variable each name refers to, clause by clause,
//! and the variables bound twice.
//!
//! Scoping follows Cypher: `WITH` and `RETURN` projections (`WITH *` included), `UNWIND`,
//! `LOAD CSV … AS`, `YIELD`, pattern variables, `FOREACH`, list and pattern comprehensions,
//! `all/any/none/single`, `reduce`, `EXISTS/COUNT/COLLECT { … }` (which see the outer scope),
//! `CALL (x) { … }` (which sees what it imports) and a plain `CALL { … }` (which sees nothing
//! of the outer query but through its importing `WITH`, as in Neo4j 5), and each part of a
//! `UNION`.
//!
//! Bound twice: a path variable that is already a variable, CREATE or MERGE of a node or
//! relationship that is already bound, UNWIND, YIELD and subquery columns that shadow, result
//! columns with one name, a variable used as two kinds. These are checked where the model has
//! always checked them: in the clauses of the statement and its CALL subqueries and FOREACH
//! bodies, not in expression subqueries.

use super::expr::is_aggregating;
use super::scope::{item_name, part_kinds, part_variables, path_variables, At, Frames, Kind};
use super::{Analysis, ErrorKind, SemanticError};
use crate::ast::*;
use crate::span::Span;
use crate::suggest::edit_distance;
use std::collections::HashMap;

/// What the walk of one query found.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolution {
    pub undefined: Vec<Undefined>,
    pub frames: Frames,
    /// The scope just before each clause, by the clause's span.
    pub before: HashMap<Span, At>,
    /// Where the variable each use of a name refers to was declared, by the use's span.
    pub origins: HashMap<Span, Span>,
}

/// A variable used where nothing binds it, with a hint when the model has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undefined {
    pub span: Span,
    pub name: String,
    pub help: Option<String>,
}

/// Walks a query whose outer scope binds `bound` (a procedure's Cypher sees its driving
/// columns); returns the resolution and the variables bound twice.
pub(crate) fn walk(q: &Query, text: &str, bound: &[String]) -> (Resolution, Vec<SemanticError>) {
    let mut walk = Walk {
        cx: Analysis { text, errors: Vec::new(), cypher25: false, outer_bound: false, procedures: &[] },
        frames: Frames::default(),
        undefined: Vec::new(),
        before: HashMap::new(),
        origins: HashMap::new(),
        checking: true,
    };
    let mut at = walk.frames.open(None);
    for name in bound {
        walk.frames.bind(&mut at, name);
    }
    walk.query(q, &Names { at, hidden: Vec::new(), open: false });
    let resolution =
        Resolution { undefined: walk.undefined, frames: walk.frames, before: walk.before, origins: walk.origins };
    (resolution, walk.cx.errors)
}

/// A scope as the walk sees it: the names bound, and what it knows about the ones it lacks.
#[derive(Clone, Debug)]
struct Names {
    at: At,
    /// Bound in an enclosing query but not imported into this subquery.
    hidden: Vec<Hidden>,
    /// Something bound names we cannot know (`YIELD *`): stay quiet.
    open: bool,
}

/// The names of `outer`, but those of `imported` (what a `CALL (x)` imports).
#[derive(Clone, Copy, Debug)]
struct Hidden {
    outer: At,
    imported: Option<At>,
    /// Hidden by a DISTINCT or aggregating projection's ORDER BY, not by a subquery.
    by_projection: bool,
}

struct Walk<'t> {
    cx: Analysis<'t>,
    frames: Frames,
    undefined: Vec<Undefined>,
    before: HashMap<Span, At>,
    origins: HashMap<Span, Span>,
    /// Whether variables bound twice are reported here (not inside expression subqueries).
    checking: bool,
}

impl Walk<'_> {
    fn has(&self, scope: &Names, name: &str) -> bool {
        self.frames.contains(scope.at, name)
    }

    /// What hides `name` from `scope` though an enclosing scope binds it.
    fn hidden(&self, scope: &Names, name: &str) -> Option<Hidden> {
        scope
            .hidden
            .iter()
            .rev()
            .copied()
            .find(|h| self.frames.contains(h.outer, name) && !h.imported.is_some_and(|i| self.frames.contains(i, name)))
    }

    /// A scope below `scope` whose names end with it.
    fn child(&mut self, scope: &Names) -> Names {
        Names { at: self.frames.open(Some(scope.at)), ..scope.clone() }
    }

    fn with(&mut self, scope: &Names, names: &[&Name]) -> Names {
        let mut inner = self.child(scope);
        for n in names {
            self.frames.declare(&mut inner.at, &n.value, n.span);
        }
        inner
    }

    fn bind(&mut self, scope: &mut Names, name: &str) {
        self.frames.bind(&mut scope.at, name);
    }

    /// Binds a new variable, declared where `name` stands.
    fn declare(&mut self, scope: &mut Names, name: &Name) {
        self.frames.declare(&mut scope.at, &name.value, name.span);
    }

    /// Remembers which declaration the variable at `name` refers to.
    fn resolve(&mut self, name: &Name, scope: &Names) {
        if let Some(origin) = self.frames.origin_of(scope.at, &name.value) {
            self.origins.insert(name.span, origin);
        }
    }

    fn use_name(&mut self, name: &Name, scope: &Names) {
        if self.has(scope, &name.value) {
            self.resolve(name, scope);
            return;
        }
        if scope.open {
            return;
        }
        let help = if let Some(hidden) = self.hidden(scope, &name.value) {
            Some(if hidden.by_projection {
                dropped_by_projection(&name.value)
            } else {
                format!("`{0}` is bound outside this subquery but not imported: write `CALL ({0}) {{ … }}`", name.value)
            })
        } else {
            closest(&name.value, &self.frames.names(scope.at)).map(|c| format!("did you mean `{c}`?"))
        };
        self.undefined.push(Undefined { span: name.span, name: name.value.clone(), help });
    }

    fn already_bound(&mut self, scope: &Names, name: &Name, help: &str) {
        if self.checking && self.has(scope, &name.value) {
            self.cx
                .error(
                    ErrorKind::VariableAlreadyBound,
                    name.span,
                    format!("Variable `{}` already declared", name.value),
                )
                .help = Some(help.into());
        }
    }

    /// Walks a query; returns the names its first part returns (for CALL subqueries).
    fn query(&mut self, q: &Query, outer: &Names) -> Vec<String> {
        let mut returned = Vec::new();
        for (i, sq) in q.single_queries().enumerate() {
            let scope = self.child(outer);
            let r = self.single_query(sq, scope, None);
            if i == 0 {
                returned = r;
            }
        }
        returned
    }

    /// `importing`: the outer scope of a plain `CALL { … }`, visible to a leading WITH only.
    fn single_query(&mut self, sq: &SingleQuery, mut scope: Names, importing: Option<&Names>) -> Vec<String> {
        let mut returned = Vec::new();
        for (i, c) in sq.clauses.iter().enumerate() {
            if i == 0 {
                if let (Some(outer), Clause::With(w)) = (importing, c) {
                    let visible = Names { hidden: Vec::new(), ..outer.clone() };
                    self.before.entry(c.span()).or_insert(visible.at);
                    self.check_projection(&w.projection, true);
                    scope = self.with_clause(w, &visible);
                    continue;
                }
            }
            if let Clause::Return(r) = c {
                self.before.entry(c.span()).or_insert(scope.at);
                self.check_projection(&r.projection, false);
                let next = self.projection(&r.projection, &scope);
                returned = self.frames.names(next.at).into_iter().map(str::to_string).collect();
                continue;
            }
            self.clause(c, &mut scope);
        }
        returned
    }

    fn clause(&mut self, c: &Clause, scope: &mut Names) {
        self.before.entry(c.span()).or_insert(scope.at);
        match c {
            Clause::Use(_) | Clause::Finish(_) => {}
            Clause::Match(m) => {
                self.check_kinds(&m.pattern.parts, scope, false);
                self.check_path_variables(m, scope);
                for p in &m.pattern.parts {
                    self.frames.bind_part(&mut scope.at, p);
                }
                for p in &m.pattern.parts {
                    self.pattern_part(p, scope);
                }
                self.opt(m.where_.as_ref(), scope);
            }
            Clause::Create(cr) => {
                self.check_kinds(&cr.pattern.parts, scope, true);
                for p in &cr.pattern.parts {
                    self.check_written_part(p, scope, true);
                    self.frames.bind_part(&mut scope.at, p);
                }
                for p in &cr.pattern.parts {
                    self.pattern_part(p, scope);
                }
            }
            Clause::Merge(m) => {
                self.check_written_part(&m.pattern, scope, false);
                self.frames.bind_part(&mut scope.at, &m.pattern);
                self.pattern_part(&m.pattern, scope);
                for a in &m.actions {
                    self.set_items(&a.set.items, scope);
                }
            }
            Clause::Start(st) => {
                for p in &st.points {
                    match &p.lookup {
                        StartLookup::All => {}
                        StartLookup::Ids(ids) => ids.iter().for_each(|e| self.expr(e, scope)),
                        StartLookup::Index { query, .. } => self.expr(query, scope),
                    }
                }
                for p in &st.points {
                    self.declare(scope, &p.variable);
                }
                self.opt(st.where_.as_ref(), scope);
            }
            Clause::Unwind(u) => {
                self.expr(&u.expr, scope);
                self.already_bound(scope, &u.variable, "UNWIND binds a new variable: pick another name");
                self.declare(scope, &u.variable);
            }
            Clause::LoadCsv(l) => {
                self.expr(&l.from, scope);
                self.declare(scope, &l.variable);
            }
            Clause::With(w) => {
                self.check_projection(&w.projection, true);
                *scope = self.with_clause(w, scope);
            }
            Clause::Return(r) => {
                self.check_projection(&r.projection, false);
                self.projection(&r.projection, scope);
            }
            Clause::Set(s) => self.set_items(&s.items, scope),
            Clause::Remove(r) => {
                for item in &r.items {
                    match item {
                        RemoveItem::Property { target, .. } => self.expr(target, scope),
                        RemoveItem::Labels { target, .. } => self.use_name(target, scope),
                    }
                }
            }
            Clause::Delete(d) => {
                for e in &d.exprs {
                    self.expr(e, scope);
                }
            }
            Clause::Foreach(f) => {
                self.expr(&f.list, scope);
                let mut inner = self.with(scope, &[&f.variable]);
                for c in &f.clauses {
                    self.clause(c, &mut inner);
                }
            }
            Clause::CallProcedure(p) => {
                for a in p.args.iter().flatten() {
                    self.expr(a, scope);
                }
                if let Some(y) = &p.yield_ {
                    if y.star {
                        scope.open = true;
                    }
                    for item in &y.items {
                        let name = item.bound_name();
                        self.already_bound(scope, name, "rename the column with `YIELD column AS other`");
                        self.declare(scope, name);
                    }
                    self.opt(y.where_.as_ref(), scope);
                }
            }
            Clause::CallSubquery(s) => self.call_subquery(s, scope),
        }
    }

    fn call_subquery(&mut self, s: &CallSubqueryClause, scope: &mut Names) {
        let returned = match &s.scope {
            Some(sc) => {
                for v in &sc.variables {
                    self.use_name(v, scope);
                }
                let inner = if sc.all {
                    Names { hidden: Vec::new(), ..self.child(scope) }
                } else {
                    let mut at = self.frames.open(None);
                    for v in &sc.variables {
                        self.frames.bind(&mut at, &v.value);
                        self.frames.carry(scope.at, &v.value, at, &v.value);
                    }
                    Names {
                        at,
                        hidden: vec![Hidden { outer: scope.at, imported: Some(at), by_projection: false }],
                        open: scope.open,
                    }
                };
                self.query(&s.body, &inner)
            }
            None => {
                let hidden = vec![Hidden { outer: scope.at, imported: None, by_projection: false }];
                let mut returned = Vec::new();
                for (i, sq) in s.body.single_queries().enumerate() {
                    let inner = Names { at: self.frames.open(None), hidden: hidden.clone(), open: scope.open };
                    let r = self.single_query(sq, inner, Some(scope));
                    if i == 0 {
                        returned = r;
                    }
                }
                returned
            }
        };
        if let Some(Clause::Return(r)) = s.body.first.clauses.last() {
            for name in r.projection.items.iter().filter_map(item_name) {
                if self.checking && self.has(scope, &name.value) {
                    let message = format!("Variable `{}` already declared in outer scope", name.value);
                    self.cx.error(ErrorKind::VariableAlreadyBound, name.span, message).help =
                        Some("a subquery cannot return a name the outer query already has: alias it".into());
                }
            }
        }
        if let Some(t) = &s.in_transactions {
            if let Some(Some(e)) = &t.concurrency {
                self.expr(e, scope);
            }
            self.opt(t.batch_size.as_ref(), scope);
        }
        for r in returned {
            self.bind(scope, &r);
        }
        if let Some(v) = s.in_transactions.as_ref().and_then(|t| t.report_status.as_ref()) {
            self.bind(scope, &v.value);
        }
    }

    fn with_clause(&mut self, w: &WithClause, scope: &Names) -> Names {
        let next = self.projection(&w.projection, scope);
        let both = self.both(scope, &next, w.projection.star);
        self.opt(w.where_.as_ref(), &both);
        next
    }

    /// The names before a projection and those it projects, for what sees both: with `*`,
    /// what it projects already holds the names before.
    fn both(&mut self, before: &Names, next: &Names, star: bool) -> Names {
        if star {
            return next.clone();
        }
        let names: Vec<String> = self.frames.names(next.at).into_iter().map(str::to_string).collect();
        let mut both = self.child(before);
        for n in &names {
            self.bind(&mut both, n);
            self.frames.carry(next.at, n, both.at, n);
        }
        both
    }

    /// Walks a projection; returns the scope after it. A column that passes a variable on
    /// unchanged (`WITH r`, `WITH r AS x`) keeps its kind.
    fn projection(&mut self, p: &Projection, scope: &Names) -> Names {
        for item in &p.items {
            self.expr(&item.expr, scope);
        }
        let mut next = if p.star {
            self.child(scope)
        } else {
            Names { at: self.frames.open(None), hidden: scope.hidden.clone(), open: scope.open }
        };
        for item in &p.items {
            let Some(n) = item_name(item) else { continue };
            self.bind(&mut next, &n.value);
            if let ExprKind::Variable(v) = &item.expr.kind {
                self.frames.carry(scope.at, &v.value, next.at, &n.value);
            }
            self.frames.set_origin(next.at, &n.value, n.span);
        }
        // ORDER BY, SKIP and LIMIT see both the projected names and the ones before — except
        // after DISTINCT or an aggregation, where only projected names and the variables the
        // projected expressions use (grouping keys) remain.
        let both = self.both(scope, &next, p.star);
        if p.distinct || p.items.iter().any(|i| is_aggregating(&i.expr)) {
            let mut used = Vec::new();
            for i in &p.items {
                super::expr::referenced_variables(&i.expr, &mut used);
            }
            used.retain(|v| self.has(scope, v));
            let mut restricted = self.child(&next);
            for v in &used {
                self.bind(&mut restricted, v);
            }
            restricted.hidden.push(Hidden { outer: scope.at, imported: None, by_projection: true });
            self.sorted_on_dropped_variables(p, &restricted, &next);
            for s in &p.order_by {
                self.expr(&s.expr, &restricted);
            }
        } else {
            for s in &p.order_by {
                self.expr(&s.expr, &both);
            }
        }
        self.opt(p.skip.as_ref(), &both);
        self.opt(p.limit.as_ref(), &both);
        next
    }

    /// After DISTINCT or an aggregation, ORDER BY sees the projected columns, the variables
    /// projected (under any name), and expressions equal to a projected one: a variable read
    /// outside those is gone (`RETURN DISTINCT a.name ORDER BY a.age`). Only the variables the
    /// projected items use are checked here: the walk reports the others.
    fn sorted_on_dropped_variables(&mut self, p: &Projection, restricted: &Names, next: &Names) {
        let mut uncovered = Vec::new();
        for s in &p.order_by {
            super::expr::uncovered_in_sort(&s.expr, &p.items, self.cx.text, &mut uncovered);
        }
        let projected_variable =
            |v: &str| p.items.iter().any(|i| matches!(&i.expr.kind, ExprKind::Variable(n) if n.value == v));
        for e in uncovered {
            let ExprKind::Variable(name) = &e.kind else { continue };
            if self.has(next, &name.value) || projected_variable(&name.value) || !self.has(restricted, &name.value) {
                continue;
            }
            let help = Some(dropped_by_projection(&name.value));
            self.undefined.push(Undefined { span: name.span, name: name.value.clone(), help });
        }
    }

    fn set_items(&mut self, items: &[SetItem], scope: &Names) {
        for item in items {
            match item {
                SetItem::Property { target, value, .. }
                | SetItem::Replace { target, value, .. }
                | SetItem::Merge { target, value, .. } => {
                    self.expr(target, scope);
                    self.expr(value, scope);
                }
                SetItem::Labels { target, labels: _, .. } => self.use_name(target, scope),
            }
        }
    }

    fn pattern_part(&mut self, p: &PatternPart, scope: &Names) {
        self.path(&p.path, scope);
    }

    fn path(&mut self, path: &PathPattern, scope: &Names) {
        for el in &path.elements {
            match el {
                PathElement::Node(n) => {
                    if let Some(v) = &n.variable {
                        self.resolve(v, scope);
                    }
                    self.labels(n.labels.as_ref(), scope);
                    self.opt(n.properties.as_ref(), scope);
                    self.opt(n.where_.as_ref(), scope);
                }
                PathElement::Relationship(r) => {
                    if let Some(v) = &r.variable {
                        self.resolve(v, scope);
                    }
                    self.labels(r.types.as_ref(), scope);
                    if let Some(q) = &r.length {
                        self.opt(q.min.as_ref(), scope);
                        self.opt(q.max.as_ref(), scope);
                    }
                    self.opt(r.properties.as_ref(), scope);
                    self.opt(r.where_.as_ref(), scope);
                }
                PathElement::Parenthesized(pp) => {
                    self.pattern_part(&pp.pattern, scope);
                    self.opt(pp.where_.as_ref(), scope);
                }
            }
        }
    }

    fn labels(&mut self, l: Option<&LabelExpr>, scope: &Names) {
        match l {
            Some(LabelExpr::Dynamic(_, e)) => self.expr(e, scope),
            Some(LabelExpr::And(_, parts) | LabelExpr::Or(_, parts)) => {
                for p in parts {
                    self.labels(Some(p), scope);
                }
            }
            Some(LabelExpr::Not(_, inner)) => self.labels(Some(inner), scope),
            _ => {}
        }
    }

    fn opt(&mut self, e: Option<&Expr>, scope: &Names) {
        if let Some(e) = e {
            self.expr(e, scope);
        }
    }

    /// A query inside an expression: it sees the outer scope, and its bindings are not checked.
    fn nested_query(&mut self, q: &Query, scope: &Names) {
        let checking = std::mem::replace(&mut self.checking, false);
        self.query(q, scope);
        self.checking = checking;
    }

    fn expr(&mut self, e: &Expr, scope: &Names) {
        match &e.kind {
            ExprKind::Literal(_)
            | ExprKind::Parameter(_)
            | ExprKind::CountStar
            | ExprKind::NormalForm(_)
            | ExprKind::CaseSubject => {}
            ExprKind::Variable(n) => self.use_name(n, scope),
            ExprKind::Property { subject, .. } => self.expr(subject, scope),
            ExprKind::Index { subject, index } => {
                self.expr(subject, scope);
                self.expr(index, scope);
            }
            ExprKind::Slice { subject, from, to } => {
                self.expr(subject, scope);
                self.opt(from.as_deref(), scope);
                self.opt(to.as_deref(), scope);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, scope);
                self.expr(rhs, scope);
            }
            ExprKind::Unary { operand, .. }
            | ExprKind::IsNull { operand, .. }
            | ExprKind::IsType { operand, .. }
            | ExprKind::IsNormalized { operand, .. } => self.expr(operand, scope),
            ExprKind::Trim { characters, source, .. } => {
                self.opt(characters.as_deref(), scope);
                self.expr(source, scope);
            }
            ExprKind::LabelCheck { subject, labels } => {
                self.expr(subject, scope);
                self.labels(Some(labels), scope);
            }
            ExprKind::FunctionCall { args, .. } | ExprKind::List(args) => {
                for a in args {
                    self.expr(a, scope);
                }
            }
            ExprKind::Map(m) => {
                for entry in &m.entries {
                    self.expr(&entry.value, scope);
                }
            }
            ExprKind::Case { subject, alternatives, default } => {
                self.opt(subject.as_deref(), scope);
                for a in alternatives {
                    self.expr(&a.when, scope);
                    self.expr(&a.then, scope);
                }
                self.opt(default.as_deref(), scope);
            }
            ExprKind::ListComprehension { variable, list, where_, map } => {
                self.expr(list, scope);
                let inner = self.with(scope, &[variable]);
                self.opt(where_.as_deref(), &inner);
                self.opt(map.as_deref(), &inner);
            }
            ExprKind::PatternComprehension { variable, pattern, where_, map } => {
                let mut names = Vec::new();
                path_variables(pattern, &mut names);
                names.extend(variable.iter());
                let inner = self.with(scope, &names);
                self.path(pattern, &inner);
                self.opt(where_.as_deref(), &inner);
                self.expr(map, &inner);
            }
            ExprKind::Quantified { variable, list, where_, .. } => {
                self.expr(list, scope);
                let inner = self.with(scope, &[variable]);
                self.opt(where_.as_deref(), &inner);
            }
            ExprKind::Reduce { accumulator, init, variable, list, expr } => {
                self.expr(init, scope);
                self.expr(list, scope);
                let inner = self.with(scope, &[accumulator, variable]);
                self.expr(expr, &inner);
            }
            ExprKind::MapProjection { subject, items } => {
                self.use_name(subject, scope);
                for item in items {
                    match item {
                        MapProjectionItem::Variable(n) => self.use_name(n, scope),
                        MapProjectionItem::Literal { value, .. } => self.expr(value, scope),
                        MapProjectionItem::Property(_) | MapProjectionItem::AllProperties(_) => {}
                    }
                }
            }
            ExprKind::Exists(sub) | ExprKind::Count(sub) => match sub.as_ref() {
                SubqueryExpr::Query(q) => self.nested_query(q, scope),
                SubqueryExpr::Pattern { pattern, where_ } => {
                    let mut names = Vec::new();
                    for p in &pattern.parts {
                        names.extend(part_variables(p));
                    }
                    let inner = self.with(scope, &names);
                    for p in &pattern.parts {
                        self.pattern_part(p, &inner);
                    }
                    self.opt(where_.as_ref(), &inner);
                }
            },
            ExprKind::Collect(q) => self.nested_query(q, scope),
            ExprKind::Pattern(p) => {
                // Pattern expressions cannot introduce new variables: every named one must exist.
                for n in part_variables(p) {
                    self.use_name(n, scope);
                }
                self.pattern_part(p, scope);
            }
        }
    }

    /// A path variable names a new path: it cannot be bound already, nor name a node or
    /// relationship of the same MATCH.
    fn check_path_variables(&mut self, m: &MatchClause, scope: &Names) {
        if !self.checking {
            return;
        }
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
            let reused = self.has(scope, &p.value) || inner.iter().any(|n| n.value == p.value);
            if reused {
                self.cx
                    .error(ErrorKind::VariableAlreadyBound, p.span, format!("Variable `{}` already declared", p.value))
                    .help = Some("a path variable names a new path: pick a name no other variable has".into());
            }
        }
    }

    /// CREATE and MERGE make what their pattern names: a bound variable may only stand as an
    /// endpoint of something new, bare (CREATE) — never a bound relationship or path, never a
    /// bound node alone.
    fn check_written_part(&mut self, part: &PatternPart, scope: &Names, create: bool) {
        let clause = if create { "CREATE" } else { "MERGE" };
        if let Some(p) = &part.variable {
            self.already_bound(scope, p, &format!("{clause} names a new path: pick a new name"));
        }
        if let [PathElement::Node(n)] = part.path.elements.as_slice() {
            if let Some(v) = &n.variable {
                let help = format!(
                    "`{}` is bound already, so there is nothing to {clause}: to add labels or properties use SET",
                    v.value
                );
                self.already_bound(scope, v, &help);
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
                        self.already_bound(scope, v, &help);
                    }
                }
                PathElement::Relationship(r) => {
                    if let Some(v) = &r.variable {
                        let help = format!("a relationship in {clause} is a new one: pick a new name");
                        self.already_bound(scope, v, &help);
                    }
                }
                _ => {}
            }
        }
    }

    /// Result columns: one name each; in WITH, every expression other than a variable needs a name.
    fn check_projection(&mut self, p: &Projection, with: bool) {
        if !self.checking {
            return;
        }
        let mut seen: Vec<&str> = Vec::new();
        for item in &p.items {
            match item_name(item) {
                Some(n) if seen.contains(&n.value.as_str()) => {
                    self.cx
                        .error(
                            ErrorKind::Projection,
                            item.span,
                            "Multiple result columns with the same name are not supported",
                        )
                        .help = Some(format!("`{}` is already a column: alias this one differently", n.value));
                }
                Some(n) => seen.push(&n.value),
                None if with => {
                    self.cx
                        .error(ErrorKind::Projection, item.expr.span, "Expression in WITH must be aliased (use AS)")
                        .help = Some("name the expression: `… AS name`".into());
                }
                None => {}
            }
        }
    }

    /// A variable is a node, a relationship or a path, never two of them: one bound as a
    /// relationship cannot stand as a node of a later pattern (`MATCH ()-[r]-() MATCH (r)`), nor
    /// one name be both in one clause (`MATCH (r)-[r]->()`). A path variable bound twice is
    /// `check_path_variables`'s (already declared), so names that are a path of this clause are
    /// left to it; so is a lone node that CREATE or MERGE would make again.
    fn check_kinds(&mut self, parts: &[PatternPart], scope: &Names, create: bool) {
        if !self.checking {
            return;
        }
        let path_names: Vec<&str> =
            parts.iter().filter_map(|p| p.variable.as_ref()).map(|v| v.value.as_str()).collect();
        let mut seen: Vec<(&str, Kind)> = Vec::new();
        for part in parts {
            let lone_node = create && matches!(part.path.elements.as_slice(), [PathElement::Node(_)]);
            for (name, kind) in part_kinds(part) {
                if kind == Kind::Path || path_names.contains(&name.value.as_str()) {
                    continue;
                }
                let known = self
                    .frames
                    .kind_of(scope.at, &name.value)
                    .or_else(|| seen.iter().find(|(n, _)| *n == name.value).map(|(_, k)| *k));
                match known {
                    Some(k) if k != kind && !(lone_node && self.has(scope, &name.value)) => {
                        let message = format!(
                            "Type mismatch: {} defined with conflicting type {} (expected {})",
                            name.value,
                            k.name(),
                            kind.name()
                        );
                        self.cx.error(ErrorKind::VariableTypeConflict, name.span, message).help = Some(format!(
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
}

/// A bound name one edit away from `name`, if exactly one is.
/// The help for a variable a DISTINCT or aggregating projection no longer passes to its ORDER BY.
fn dropped_by_projection(name: &str) -> String {
    format!("after DISTINCT or an aggregation, ORDER BY sees only what is projected: project `{name}` (or the expression that uses it) and order by that column")
}

fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let close: Vec<&&str> = candidates.iter().filter(|c| edit_distance(name, c) == 1).collect();
    (close.len() == 1).then(|| *close[0])
}
