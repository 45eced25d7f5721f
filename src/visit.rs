//! A read-only visitor over the typed AST, in the style of `syn::visit`: override the `visit_*`
//! methods you care about and call the matching `walk_*` function to keep descending.
//!
//! The checker walks each statement once with a visitor that dispatches to every rule interested
//! in clauses or expressions, so adding a rule does not add a walk.

use crate::ast::*;

pub trait Visitor<'a> {
    fn visit_statement(&mut self, s: &'a Statement) {
        walk_statement(self, s)
    }
    fn visit_query(&mut self, q: &'a Query) {
        walk_query(self, q)
    }
    fn visit_single_query(&mut self, q: &'a SingleQuery) {
        walk_single_query(self, q)
    }
    fn visit_clause(&mut self, c: &'a Clause) {
        walk_clause(self, c)
    }
    fn visit_pattern_part(&mut self, p: &'a PatternPart) {
        walk_pattern_part(self, p)
    }
    fn visit_node(&mut self, n: &'a NodePattern) {
        walk_node(self, n)
    }
    fn visit_relationship(&mut self, r: &'a RelationshipPattern) {
        walk_relationship(self, r)
    }
    fn visit_expr(&mut self, e: &'a Expr) {
        walk_expr(self, e)
    }
    fn visit_schema(&mut self, s: &'a SchemaCommand) {
        walk_schema(self, s)
    }
}

pub fn walk_statement<'a, V: Visitor<'a> + ?Sized>(v: &mut V, s: &'a Statement) {
    walk_statement_kind(v, &s.kind);
}

fn walk_statement_kind<'a, V: Visitor<'a> + ?Sized>(v: &mut V, kind: &'a StatementKind) {
    match kind {
        StatementKind::Query(q) => v.visit_query(q),
        StatementKind::Schema(c) => v.visit_schema(c),
        StatementKind::Show(c) => {
            walk_show_yield(v, c.yield_.as_ref());
            opt_expr(v, c.where_.as_ref());
            if let Some(r) = &c.return_ {
                walk_projection(v, &r.projection);
            }
            if let Some(next) = &c.next {
                walk_statement_kind(v, next);
            }
        }
        StatementKind::Terminate(c) => {
            for e in &c.ids {
                v.visit_expr(e);
            }
            walk_show_yield(v, c.yield_.as_ref());
            opt_expr(v, c.where_.as_ref());
            if let Some(r) = &c.return_ {
                walk_projection(v, &r.projection);
            }
            if let Some(next) = &c.next {
                walk_statement_kind(v, next);
            }
        }
        StatementKind::Admin(_) => {}
    }
}

fn walk_show_yield<'a, V: Visitor<'a> + ?Sized>(v: &mut V, y: Option<&'a ShowYield>) {
    if let Some(y) = y {
        walk_projection(v, &y.projection);
        opt_expr(v, y.where_.as_ref());
    }
}

pub fn walk_query<'a, V: Visitor<'a> + ?Sized>(v: &mut V, q: &'a Query) {
    if let Some(pc) = &q.periodic_commit {
        opt_expr(v, pc.batch_size.as_ref());
    }
    for sq in q.single_queries() {
        v.visit_single_query(sq);
    }
}

pub fn walk_single_query<'a, V: Visitor<'a> + ?Sized>(v: &mut V, q: &'a SingleQuery) {
    for c in &q.clauses {
        v.visit_clause(c);
    }
}

pub fn walk_projection<'a, V: Visitor<'a> + ?Sized>(v: &mut V, p: &'a Projection) {
    for item in &p.items {
        v.visit_expr(&item.expr);
    }
    for s in &p.order_by {
        v.visit_expr(&s.expr);
    }
    opt_expr(v, p.skip.as_ref());
    opt_expr(v, p.limit.as_ref());
}

pub fn walk_set_item<'a, V: Visitor<'a> + ?Sized>(v: &mut V, item: &'a SetItem) {
    match item {
        SetItem::Property { target, value, .. }
        | SetItem::Replace { target, value, .. }
        | SetItem::Merge { target, value, .. } => {
            v.visit_expr(target);
            v.visit_expr(value);
        }
        SetItem::Labels { .. } => {}
    }
}

pub fn walk_clause<'a, V: Visitor<'a> + ?Sized>(v: &mut V, c: &'a Clause) {
    match c {
        Clause::Use(u) => v.visit_expr(&u.graph),
        Clause::Start(s) => {
            for p in &s.points {
                match &p.lookup {
                    StartLookup::All => {}
                    StartLookup::Ids(ids) => ids.iter().for_each(|e| v.visit_expr(e)),
                    StartLookup::Index { query, .. } => v.visit_expr(query),
                }
            }
            opt_expr(v, s.where_.as_ref());
        }
        Clause::Match(m) => {
            walk_pattern(v, &m.pattern);
            opt_expr(v, m.where_.as_ref());
        }
        Clause::Unwind(u) => v.visit_expr(&u.expr),
        Clause::With(w) => {
            walk_projection(v, &w.projection);
            opt_expr(v, w.where_.as_ref());
        }
        Clause::Return(r) => walk_projection(v, &r.projection),
        Clause::Create(c) => walk_pattern(v, &c.pattern),
        Clause::Merge(m) => {
            v.visit_pattern_part(&m.pattern);
            for a in &m.actions {
                for item in &a.set.items {
                    walk_set_item(v, item);
                }
            }
        }
        Clause::Set(s) => {
            for item in &s.items {
                walk_set_item(v, item);
            }
        }
        Clause::Remove(r) => {
            for item in &r.items {
                if let RemoveItem::Property { target, .. } = item {
                    v.visit_expr(target);
                }
            }
        }
        Clause::Delete(d) => {
            for e in &d.exprs {
                v.visit_expr(e);
            }
        }
        Clause::Foreach(f) => {
            v.visit_expr(&f.list);
            for c in &f.clauses {
                v.visit_clause(c);
            }
        }
        Clause::CallProcedure(p) => {
            for a in p.args.iter().flatten() {
                v.visit_expr(a);
            }
            if let Some(y) = &p.yield_ {
                opt_expr(v, y.where_.as_ref());
            }
        }
        Clause::CallSubquery(s) => {
            v.visit_query(&s.body);
            if let Some(t) = &s.in_transactions {
                if let Some(Some(e)) = &t.concurrency {
                    v.visit_expr(e);
                }
                opt_expr(v, t.batch_size.as_ref());
            }
        }
        Clause::LoadCsv(l) => v.visit_expr(&l.from),
        Clause::Finish(_) => {}
    }
}

pub fn walk_pattern<'a, V: Visitor<'a> + ?Sized>(v: &mut V, p: &'a Pattern) {
    for part in &p.parts {
        v.visit_pattern_part(part);
    }
}

pub fn walk_pattern_part<'a, V: Visitor<'a> + ?Sized>(v: &mut V, p: &'a PatternPart) {
    walk_path(v, &p.path);
}

pub fn walk_path<'a, V: Visitor<'a> + ?Sized>(v: &mut V, p: &'a PathPattern) {
    for el in &p.elements {
        match el {
            PathElement::Node(n) => v.visit_node(n),
            PathElement::Relationship(r) => v.visit_relationship(r),
            PathElement::Parenthesized(pp) => {
                v.visit_pattern_part(&pp.pattern);
                opt_expr(v, pp.where_.as_ref());
            }
        }
    }
}

pub fn walk_node<'a, V: Visitor<'a> + ?Sized>(v: &mut V, n: &'a NodePattern) {
    if let Some(l) = &n.labels {
        walk_label_expr(v, l);
    }
    opt_expr(v, n.properties.as_ref());
    opt_expr(v, n.where_.as_ref());
}

pub fn walk_relationship<'a, V: Visitor<'a> + ?Sized>(v: &mut V, r: &'a RelationshipPattern) {
    if let Some(l) = &r.types {
        walk_label_expr(v, l);
    }
    if let Some(q) = &r.length {
        opt_expr(v, q.min.as_ref());
        opt_expr(v, q.max.as_ref());
    }
    opt_expr(v, r.properties.as_ref());
    opt_expr(v, r.where_.as_ref());
}

fn walk_label_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, l: &'a LabelExpr) {
    match l {
        LabelExpr::Name(_) | LabelExpr::Wildcard(_) => {}
        LabelExpr::And(_, parts) | LabelExpr::Or(_, parts) => {
            for p in parts {
                walk_label_expr(v, p);
            }
        }
        LabelExpr::Not(_, inner) => walk_label_expr(v, inner),
        LabelExpr::Dynamic(_, e) => v.visit_expr(e),
    }
}

pub fn walk_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, e: &'a Expr) {
    match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::NormalForm(_)
        | ExprKind::CaseSubject => {}
        ExprKind::Property { subject, .. } => v.visit_expr(subject),
        ExprKind::Index { subject, index } => {
            v.visit_expr(subject);
            v.visit_expr(index);
        }
        ExprKind::Slice { subject, from, to } => {
            v.visit_expr(subject);
            opt_expr(v, from.as_deref());
            opt_expr(v, to.as_deref());
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            v.visit_expr(lhs);
            v.visit_expr(rhs);
        }
        ExprKind::Unary { operand, .. }
        | ExprKind::IsNull { operand, .. }
        | ExprKind::IsType { operand, .. }
        | ExprKind::IsNormalized { operand, .. } => v.visit_expr(operand),
        ExprKind::Trim { characters, source, .. } => {
            opt_expr(v, characters.as_deref());
            v.visit_expr(source);
        }
        ExprKind::LabelCheck { subject, labels } => {
            v.visit_expr(subject);
            walk_label_expr(v, labels);
        }
        ExprKind::FunctionCall { args, .. } | ExprKind::List(args) => {
            for a in args {
                v.visit_expr(a);
            }
        }
        ExprKind::Map(m) => {
            for entry in &m.entries {
                v.visit_expr(&entry.value);
            }
        }
        ExprKind::Case { subject, alternatives, default } => {
            opt_expr(v, subject.as_deref());
            for alt in alternatives {
                v.visit_expr(&alt.when);
                v.visit_expr(&alt.then);
            }
            opt_expr(v, default.as_deref());
        }
        ExprKind::ListComprehension { list, where_, map, .. } => {
            v.visit_expr(list);
            opt_expr(v, where_.as_deref());
            opt_expr(v, map.as_deref());
        }
        ExprKind::PatternComprehension { pattern, where_, map, .. } => {
            walk_path(v, pattern);
            opt_expr(v, where_.as_deref());
            v.visit_expr(map);
        }
        ExprKind::Quantified { list, where_, .. } => {
            v.visit_expr(list);
            opt_expr(v, where_.as_deref());
        }
        ExprKind::Reduce { init, list, expr, .. } => {
            v.visit_expr(init);
            v.visit_expr(list);
            v.visit_expr(expr);
        }
        ExprKind::MapProjection { items, .. } => {
            for item in items {
                if let MapProjectionItem::Literal { value, .. } = item {
                    v.visit_expr(value);
                }
            }
        }
        ExprKind::Exists(sub) | ExprKind::Count(sub) => match sub.as_ref() {
            SubqueryExpr::Query(q) => v.visit_query(q),
            SubqueryExpr::Pattern { pattern, where_ } => {
                walk_pattern(v, pattern);
                opt_expr(v, where_.as_ref());
            }
        },
        ExprKind::Collect(q) => v.visit_query(q),
        ExprKind::Pattern(p) => v.visit_pattern_part(p),
    }
}

pub fn walk_schema<'a, V: Visitor<'a> + ?Sized>(v: &mut V, s: &'a SchemaCommand) {
    match s {
        SchemaCommand::CreateConstraint(c) => opt_expr(v, c.options.as_ref()),
        SchemaCommand::CreateIndex(c) => opt_expr(v, c.options.as_ref()),
        SchemaCommand::DropConstraint(_) | SchemaCommand::DropIndex(_) => {}
    }
}

fn opt_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, e: Option<&'a Expr>) {
    if let Some(e) = e {
        v.visit_expr(e);
    }
}

/// Calls `f` on every expression under `e`, `e` included, subqueries included.
pub fn for_each_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    struct Each<'f, 'a>(&'f mut dyn FnMut(&'a Expr));
    impl<'a> Visitor<'a> for Each<'_, 'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            (self.0)(e);
            walk_expr(self, e);
        }
    }
    Each(f).visit_expr(e);
}

/// Whether any expression under `e` satisfies `pred`.
pub fn any_expr(e: &Expr, pred: &mut dyn FnMut(&Expr) -> bool) -> bool {
    let mut found = false;
    for_each_expr(e, &mut |x| {
        if !found && pred(x) {
            found = true;
        }
    });
    found
}

/// Every procedure call under `s` that carries embedded Cypher, with each of its embeddings;
/// strings in strings included, each after the string holding it.
pub fn embedded_cypher(s: &Statement) -> Vec<(&CallProcedureClause, &EmbeddedCypher)> {
    struct Collect<'a>(Vec<(&'a CallProcedureClause, &'a EmbeddedCypher)>);
    impl<'a> Visitor<'a> for Collect<'a> {
        fn visit_clause(&mut self, c: &'a Clause) {
            if let Clause::CallProcedure(call) = c {
                for e in &call.embedded {
                    self.0.push((call, e));
                    e.statements.iter().for_each(|s| self.visit_statement(s));
                }
            }
            walk_clause(self, c);
        }
    }
    let mut collect = Collect(Vec::new());
    collect.visit_statement(s);
    collect.0
}
