//! Where Neo4j wants a value it can compute before the query runs: `SKIP` and `LIMIT` refer to
//! no variable and hold no pattern, and a pattern anywhere but in CREATE takes its properties as
//! a map literal, never as a parameter map (`MATCH (n $props)`), since the planner needs each key.

use super::{Analysis, ErrorKind};
use crate::ast::{Clause, Expr, ExprKind, Name, NodePattern, Projection, Query, RelationshipPattern};
use crate::visit::{self, Visitor};

pub(super) fn check_clause(cx: &mut Analysis, c: &Clause) {
    match c {
        Clause::With(w) => check_projection(cx, &w.projection),
        Clause::Return(r) => check_projection(cx, &r.projection),
        _ => {}
    }
    check_parameter_maps(cx, c);
}

fn check_projection(cx: &mut Analysis, p: &Projection) {
    for (e, keyword) in [(&p.skip, "SKIP"), (&p.limit, "LIMIT")] {
        let Some(e) = e else { continue };
        let mut found = Dependencies::default();
        found.visit_expr(e);
        let help = format!("{keyword} takes a number known before the query runs: a literal or a parameter");
        if let Some(v) = found.variables.iter().find(|v| !found.local.iter().any(|l| l.value == v.value)) {
            let message = format!(
                "It is not allowed to refer to variables in {keyword}, so that the value for {keyword} can be statically calculated."
            );
            cx.error(ErrorKind::NonConstant, v.span, message).help = Some(help);
        } else if let Some(pattern) = found.patterns.first() {
            let message = format!(
                "It is not allowed to use patterns in the expression for {keyword}, so that the value for {keyword} can be statically calculated."
            );
            cx.error(ErrorKind::NonConstant, pattern.span, message).help = Some(help);
        }
    }
}

/// The variables an expression reads, the names its own comprehensions bind, and the patterns
/// and subqueries in it.
#[derive(Default)]
struct Dependencies<'a> {
    variables: Vec<&'a Name>,
    local: Vec<&'a Name>,
    patterns: Vec<&'a Expr>,
}

impl<'a> Visitor<'a> for Dependencies<'a> {
    fn visit_query(&mut self, _q: &'a Query) {}
    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Variable(name) => self.variables.push(name),
            ExprKind::ListComprehension { variable, .. } | ExprKind::Quantified { variable, .. } => {
                self.local.push(variable)
            }
            ExprKind::Reduce { accumulator, variable, .. } => self.local.extend([accumulator, variable]),
            ExprKind::Pattern(_)
            | ExprKind::PatternComprehension { .. }
            | ExprKind::Exists(_)
            | ExprKind::Count(_)
            | ExprKind::Collect(_) => {
                self.patterns.push(e);
                return;
            }
            _ => {}
        }
        visit::walk_expr(self, e)
    }
}

/// `MATCH (n $props)`, `MERGE (a)-[:R $props]->(b)`, and the same in a pattern expression or
/// comprehension of any clause: only CREATE takes a parameter map.
fn check_parameter_maps(cx: &mut Analysis, c: &Clause) {
    #[derive(Default)]
    struct Maps<'a> {
        create: bool,
        found: Vec<&'a Expr>,
    }
    impl<'a> Maps<'a> {
        fn properties(&mut self, props: &'a Option<Expr>) {
            if let Some(p) = props.as_ref().filter(|p| matches!(p.kind, ExprKind::Parameter(_))) {
                self.found.push(p);
            }
        }
    }
    impl<'a> Visitor<'a> for Maps<'a> {
        fn visit_query(&mut self, _q: &'a Query) {}
        fn visit_clause(&mut self, _c: &'a Clause) {}
        fn visit_node(&mut self, n: &'a NodePattern) {
            if !self.create {
                self.properties(&n.properties);
            }
            visit::walk_node(self, n)
        }
        fn visit_relationship(&mut self, r: &'a RelationshipPattern) {
            if !self.create {
                self.properties(&r.properties);
            }
            visit::walk_relationship(self, r)
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            // A pattern inside an expression is read, even within CREATE.
            let create = std::mem::replace(&mut self.create, false);
            visit::walk_expr(self, e);
            self.create = create;
        }
    }
    let mut maps = Maps { create: matches!(c, Clause::Create(_)), found: Vec::new() };
    visit::walk_clause(&mut maps, c);
    let clause = if matches!(c, Clause::Merge(_)) { "MERGE" } else { "MATCH" };
    for e in maps.found {
        let ExprKind::Parameter(p) = &e.kind else { continue };
        let param = format!("${}", p.name);
        let message = format!(
            "Parameter maps cannot be used in `{clause}` patterns (use a literal map instead, e.g. `{{id: {param}.id}}`)"
        );
        cx.error(ErrorKind::ParameterUse, e.span, message).help =
            Some(format!("write the keys out: `{{id: {param}.id, name: {param}.name}}`"));
    }
}
