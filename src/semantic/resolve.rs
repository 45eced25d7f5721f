//! Which variable each name refers to, clause by clause: Cypher's scoping through `WITH` and
//! `RETURN` projections (`WITH *` included), `UNWIND`, `LOAD CSV … AS`, `YIELD`, pattern
//! variables, `FOREACH`, list and pattern comprehensions, `all/any/none/single`, `reduce`,
//! `EXISTS/COUNT/COLLECT { … }` (which see the outer scope), `CALL (x) { … }` (which sees what it
//! imports) and a plain `CALL { … }` (which sees nothing of the outer query but through its
//! importing `WITH`, as in Neo4j 5), and each part of a `UNION`.

use super::expr::is_aggregating;
use super::scope::{item_name, part_variables, path_variables};
use crate::ast::*;
use crate::span::Span;
use crate::suggest::edit_distance;

/// What the resolution of one query found.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolution {
    pub undefined: Vec<Undefined>,
    pub before: Vec<(Span, Vec<String>)>,
}

/// Resolves a query whose outer scope binds `bound` (a procedure's Cypher sees its driving
/// columns); `open` when something binds names nobody can list, and nothing is undefined.
pub(crate) fn resolve(q: &Query, bound: Vec<String>, open: bool) -> Resolution {
    let mut checker = Checker::default();
    checker.query(q, &Names { vars: bound, hidden: Vec::new(), open });
    Resolution { undefined: checker.found, before: checker.before }
}

#[derive(Clone, Debug, Default)]
struct Names {
    vars: Vec<String>,
    /// Bound in an enclosing query but not imported into this subquery.
    hidden: Vec<String>,
    /// Something bound names we cannot know (`YIELD *`): stay quiet.
    open: bool,
}

impl Names {
    fn has(&self, name: &str) -> bool {
        self.vars.iter().any(|v| v == name)
    }
    fn bind(&mut self, name: &str) {
        if !self.has(name) {
            self.vars.push(name.to_string());
        }
    }
    fn with(&self, names: &[&Name]) -> Names {
        let mut s = self.clone();
        for n in names {
            s.bind(&n.value);
        }
        s
    }
}

/// A variable used where nothing binds it, with a hint when the model has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undefined {
    pub span: Span,
    pub name: String,
    pub help: Option<String>,
}

#[derive(Default)]
struct Checker {
    found: Vec<Undefined>,
    /// The variables bound before each MATCH and CALL subquery, by the clause's span.
    before: Vec<(Span, Vec<String>)>,
}

impl Checker {
    fn use_name(&mut self, name: &Name, scope: &Names) {
        if scope.open || scope.has(&name.value) {
            return;
        }
        let help = if scope.hidden.contains(&name.value) {
            Some(format!(
                "`{0}` is bound outside this subquery but not imported: write `CALL ({0}) {{ … }}`",
                name.value
            ))
        } else {
            closest(&name.value, &scope.vars).map(|c| format!("did you mean `{c}`?"))
        };
        self.found.push(Undefined { span: name.span, name: name.value.clone(), help });
    }

    /// Checks a query; returns the names its first part returns (for CALL subqueries).
    fn query(&mut self, q: &Query, outer: &Names) -> Vec<String> {
        let mut returned = Vec::new();
        for (i, sq) in q.single_queries().enumerate() {
            let r = self.single_query(sq, outer.clone(), None);
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
                    let mut visible = outer.clone();
                    visible.hidden.clear();
                    scope = self.with_clause(w, &visible);
                    continue;
                }
            }
            if let Clause::Return(r) = c {
                returned = self.projection(&r.projection, &scope).vars;
                continue;
            }
            self.clause(c, &mut scope);
        }
        returned
    }

    fn clause(&mut self, c: &Clause, scope: &mut Names) {
        if matches!(c, Clause::Match(_) | Clause::CallSubquery(_)) {
            self.before.push((c.span(), scope.vars.clone()));
        }
        match c {
            Clause::Use(_) | Clause::Finish(_) => {}
            Clause::Match(m) => {
                let mut names = Vec::new();
                for p in &m.pattern.parts {
                    names.extend(part_names(p));
                }
                *scope = scope.with(&names);
                for p in &m.pattern.parts {
                    self.pattern_part(p, scope);
                }
                self.opt(m.where_.as_ref(), scope);
            }
            Clause::Create(cr) => {
                let mut names = Vec::new();
                for p in &cr.pattern.parts {
                    names.extend(part_names(p));
                }
                *scope = scope.with(&names);
                for p in &cr.pattern.parts {
                    self.pattern_part(p, scope);
                }
            }
            Clause::Merge(m) => {
                *scope = scope.with(&part_names(&m.pattern));
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
                    scope.bind(&p.variable.value);
                }
                self.opt(st.where_.as_ref(), scope);
            }
            Clause::Unwind(u) => {
                self.expr(&u.expr, scope);
                scope.bind(&u.variable.value);
            }
            Clause::LoadCsv(l) => {
                self.expr(&l.from, scope);
                scope.bind(&l.variable.value);
            }
            Clause::With(w) => *scope = self.with_clause(w, scope),
            Clause::Return(r) => {
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
                let mut inner = scope.with(&[&f.variable]);
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
                        scope.bind(&item.bound_name().value);
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
                    Names { vars: scope.vars.clone(), hidden: Vec::new(), open: scope.open }
                } else {
                    let vars: Vec<String> = sc.variables.iter().map(|v| v.value.clone()).collect();
                    let hidden = scope.vars.iter().filter(|v| !vars.contains(v)).cloned().collect();
                    Names { vars, hidden, open: scope.open }
                };
                self.query(&s.body, &inner)
            }
            None => {
                let inner = Names { vars: Vec::new(), hidden: scope.vars.clone(), open: scope.open };
                let mut returned = Vec::new();
                for (i, sq) in s.body.single_queries().enumerate() {
                    let r = self.single_query(sq, inner.clone(), Some(scope));
                    if i == 0 {
                        returned = r;
                    }
                }
                returned
            }
        };
        if let Some(t) = &s.in_transactions {
            if let Some(Some(e)) = &t.concurrency {
                self.expr(e, scope);
            }
            self.opt(t.batch_size.as_ref(), scope);
        }
        for r in returned {
            scope.bind(&r);
        }
        if let Some(v) = s.in_transactions.as_ref().and_then(|t| t.report_status.as_ref()) {
            scope.bind(&v.value);
        }
    }

    fn with_clause(&mut self, w: &WithClause, scope: &Names) -> Names {
        let next = self.projection(&w.projection, scope);
        let mut both = scope.clone();
        for v in &next.vars {
            both.bind(v);
        }
        self.opt(w.where_.as_ref(), &both);
        next
    }

    /// Checks a projection; returns the scope after it.
    fn projection(&mut self, p: &Projection, scope: &Names) -> Names {
        for item in &p.items {
            self.expr(&item.expr, scope);
        }
        let mut next = if p.star {
            scope.clone()
        } else {
            Names { vars: Vec::new(), hidden: scope.hidden.clone(), open: scope.open }
        };
        for item in &p.items {
            if let Some(n) = item_name(item).map(|n| n.value.as_str()) {
                next.bind(n);
            }
        }
        // ORDER BY, SKIP and LIMIT see both the projected names and the ones before — except
        // after DISTINCT or an aggregation, where only projected names and the variables the
        // projected expressions use (grouping keys) remain.
        let mut both = scope.clone();
        for v in &next.vars {
            both.bind(v);
        }
        if p.distinct || p.items.iter().any(|i| is_aggregating(&i.expr)) {
            let mut used = Vec::new();
            for i in &p.items {
                super::expr::referenced_variables(&i.expr, &mut used);
            }
            let mut restricted = next.clone();
            for v in used.iter().filter(|v| scope.has(v)) {
                restricted.bind(v);
            }
            let dropped: Vec<String> = scope.vars.iter().filter(|v| !restricted.has(v)).cloned().collect();
            restricted.hidden.extend(dropped);
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
                    self.labels(n.labels.as_ref(), scope);
                    self.opt(n.properties.as_ref(), scope);
                    self.opt(n.where_.as_ref(), scope);
                }
                PathElement::Relationship(r) => {
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
                let inner = scope.with(&[variable]);
                self.opt(where_.as_deref(), &inner);
                self.opt(map.as_deref(), &inner);
            }
            ExprKind::PatternComprehension { variable, pattern, where_, map } => {
                let mut names = Vec::new();
                path_variables(pattern, &mut names);
                names.extend(variable.iter());
                let inner = scope.with(&names);
                self.path(pattern, &inner);
                self.opt(where_.as_deref(), &inner);
                self.expr(map, &inner);
            }
            ExprKind::Quantified { variable, list, where_, .. } => {
                self.expr(list, scope);
                self.opt(where_.as_deref(), &scope.with(&[variable]));
            }
            ExprKind::Reduce { accumulator, init, variable, list, expr } => {
                self.expr(init, scope);
                self.expr(list, scope);
                self.expr(expr, &scope.with(&[accumulator, variable]));
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
                SubqueryExpr::Query(q) => {
                    self.query(q, scope);
                }
                SubqueryExpr::Pattern { pattern, where_ } => {
                    let mut names = Vec::new();
                    for p in &pattern.parts {
                        names.extend(part_names(p));
                    }
                    let inner = scope.with(&names);
                    for p in &pattern.parts {
                        self.pattern_part(p, &inner);
                    }
                    self.opt(where_.as_ref(), &inner);
                }
            },
            ExprKind::Collect(q) => {
                self.query(q, scope);
            }
            ExprKind::Pattern(p) => {
                // Pattern expressions cannot introduce new variables: every named one must exist.
                for n in part_names(p) {
                    self.use_name(n, scope);
                }
                self.pattern_part(p, scope);
            }
        }
    }
}

fn part_names(p: &PatternPart) -> Vec<&Name> {
    part_variables(p)
}

/// A bound name one edit away from `name`, if exactly one is.
fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    let close: Vec<&String> = candidates.iter().filter(|c| edit_distance(name, c) == 1).collect();
    (close.len() == 1).then(|| close[0].as_str())
}
