//! Runs the selected rules over one file: file and statement hooks directly, clause and
//! expression hooks from one shared walk per statement.

use super::embedded;
use crate::ast::{Clause, Expr, Statement};
use crate::rules::{ClauseSite, ExprSite, FileContext, Findings, Rule};
use crate::visit::{self, Visitor};

/// The rules to run, split by the hooks they use so each hook costs nothing for the others.
pub struct RuleSet {
    file: Vec<&'static dyn Rule>,
    statement: Vec<&'static dyn Rule>,
    clause: Vec<&'static dyn Rule>,
    expr: Vec<&'static dyn Rule>,
    /// Those of the rules that also check Cypher embedded in procedure strings.
    embedded: Option<Box<RuleSet>>,
}

impl RuleSet {
    pub fn new(rules: impl IntoIterator<Item = &'static dyn Rule>) -> Self {
        let rules: Vec<_> = rules.into_iter().collect();
        let mut set = Self::split(rules.iter().copied());
        set.embedded = Some(Box::new(Self::split(rules.into_iter().filter(|r| r.checks_embedded()))));
        set
    }

    fn split(rules: impl IntoIterator<Item = &'static dyn Rule>) -> Self {
        let mut set =
            RuleSet { file: Vec::new(), statement: Vec::new(), clause: Vec::new(), expr: Vec::new(), embedded: None };
        for r in rules {
            let h = r.hooks();
            if h.file {
                set.file.push(r);
            }
            if h.statement {
                set.statement.push(r);
            }
            if h.clause {
                set.clause.push(r);
            }
            if h.expr {
                set.expr.push(r);
            }
        }
        set
    }

    pub fn run(&self, cx: &FileContext) -> Findings {
        let mut out = Findings::default();
        for r in &self.file {
            r.check_file(cx, &mut out);
        }
        for stmt in &cx.script.statements {
            for r in &self.statement {
                r.check_statement(cx, stmt, &mut out);
            }
            self.walk(cx, stmt, false, &mut out);
            if let Some(embedded) = &self.embedded {
                embedded.run_embedded(cx, stmt, &mut out);
            }
        }
        out
    }

    /// The clause and expression hooks over one statement.
    fn walk(&self, cx: &FileContext, stmt: &Statement, batched: bool, out: &mut Findings) {
        if !self.clause.is_empty() || !self.expr.is_empty() {
            let in_transactions = usize::from(batched);
            let mut walk = Dispatch { set: self, cx, out, stmt, in_transactions, nested: 0, parents: Vec::new() };
            walk.visit_statement(stmt);
        }
    }

    /// The statement, clause and expression hooks over the Cypher in `stmt`'s procedure strings.
    fn run_embedded(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        for unit in embedded::units(stmt) {
            let first = out.diagnostics.len();
            for r in &self.statement {
                r.check_embedded(cx, &unit.statement, unit.embedding, out);
            }
            self.walk(cx, &unit.statement, unit.embedding.role.batched(), out);
            embedded::keep_exact_fixes(&mut out.diagnostics[first..], unit.embedding);
        }
    }
}

struct Dispatch<'s, 'c, 'a, 'o> {
    set: &'s RuleSet,
    cx: &'c FileContext<'a>,
    out: &'o mut Findings,
    stmt: &'a Statement,
    in_transactions: usize,
    nested: usize,
    parents: Vec<&'a Expr>,
}

impl<'a> Visitor<'a> for Dispatch<'_, '_, 'a, '_> {
    fn visit_clause(&mut self, c: &'a Clause) {
        let site =
            ClauseSite { statement: self.stmt, in_transactions: self.in_transactions > 0, nested: self.nested > 0 };
        for r in &self.set.clause {
            r.check_clause(self.cx, c, site, self.out);
        }
        let (tx, nest) = match c {
            Clause::CallSubquery(s) => (usize::from(s.in_transactions.is_some()), 1),
            Clause::Foreach(_) => (0, 1),
            _ => (0, 0),
        };
        self.in_transactions += tx;
        self.nested += nest;
        // Expressions inside a clause have no expression parent.
        let parents = std::mem::take(&mut self.parents);
        visit::walk_clause(self, c);
        self.parents = parents;
        self.in_transactions -= tx;
        self.nested -= nest;
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        let site = ExprSite { statement: self.stmt, parent: self.parents.last().copied() };
        for r in &self.set.expr {
            r.check_expr(self.cx, e, site, self.out);
        }
        self.parents.push(e);
        self.nested += usize::from(matches!(
            e.kind,
            crate::ast::ExprKind::Exists(_) | crate::ast::ExprKind::Count(_) | crate::ast::ExprKind::Collect(_)
        ));
        visit::walk_expr(self, e);
        self.nested -= usize::from(matches!(
            e.kind,
            crate::ast::ExprKind::Exists(_) | crate::ast::ExprKind::Count(_) | crate::ast::ExprKind::Collect(_)
        ));
        self.parents.pop();
    }
}
