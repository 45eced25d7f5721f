//! A small static type inference over what the query itself says: a variable bound by a node
//! pattern is a node, by a relationship pattern a relationship, by `p = …` a path; a literal has
//! its type; a comprehension's variable has the type of the literal list's elements; `WITH x AS
//! y` passes the type on. Everything else is unknown, and unknown never reports: only a type
//! that is certain and that the function, operator or clause never takes is an error
//! (`type(n)` on a node, `labels(p)` on a path, `'a' % 2`, `WHERE n`, `DELETE 1 + 1`).
//! Messages are Neo4j's own ("Type mismatch: expected Relationship but was Node").

use super::types::literal_type;
use super::{Analysis, ErrorKind};
use crate::ast::{
    BinaryOp, Clause, Expr, ExprKind, Literal, PathElement, PathPattern, PatternPart, Projection, Query, UnaryOp,
};
use crate::visit::{self, Visitor};
use std::fmt;

/// A type the model is sure of; `Any` when it is not.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ty {
    Node,
    Relationship,
    Path,
    Integer,
    Float,
    String,
    Boolean,
    Map,
    List(Box<Ty>),
    Any,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::List(element) if **element == Ty::Any => write!(f, "List<T>"),
            Ty::List(element) => write!(f, "List<{element}>"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl Ty {
    fn element(&self) -> Ty {
        match self {
            Ty::List(element) => (**element).clone(),
            _ => Ty::Any,
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Ty::Integer | Ty::Float)
    }

    /// Never a number, a duration or a temporal value: what arithmetic refuses.
    fn never_arithmetic(&self) -> bool {
        matches!(self, Ty::Node | Ty::Relationship | Ty::Path | Ty::String | Ty::Boolean | Ty::Map | Ty::List(_))
    }
}

/// Built-in functions whose first argument must be of certain types: name, the types taken (as
/// Neo4j words them), whether a type is taken, and the type returned.
struct FunctionType(&'static str, &'static str, fn(&Ty) -> bool, fn() -> Ty);

const FUNCTIONS: &[FunctionType] = &[
    FunctionType("labels", "Node", |t| *t == Ty::Node, || Ty::List(Box::new(Ty::String))),
    FunctionType("type", "Relationship", |t| *t == Ty::Relationship, || Ty::String),
    FunctionType("startnode", "Relationship", |t| *t == Ty::Relationship, || Ty::Node),
    FunctionType("endnode", "Relationship", |t| *t == Ty::Relationship, || Ty::Node),
    FunctionType("length", "Path", |t| *t == Ty::Path, || Ty::Integer),
    FunctionType("nodes", "Path", |t| *t == Ty::Path, || Ty::List(Box::new(Ty::Node))),
    FunctionType("relationships", "Path", |t| *t == Ty::Path, || Ty::List(Box::new(Ty::Relationship))),
    FunctionType("size", "String or List<T>", |t| matches!(t, Ty::String | Ty::List(_)), || Ty::Integer),
    FunctionType("properties", "Map, Node or Relationship", is_map_like, || Ty::Map),
    FunctionType("keys", "Map, Node or Relationship", is_map_like, || Ty::List(Box::new(Ty::String))),
    FunctionType("id", "Node or Relationship", |t| matches!(t, Ty::Node | Ty::Relationship), || Ty::Integer),
    FunctionType("elementid", "Node or Relationship", |t| matches!(t, Ty::Node | Ty::Relationship), || Ty::String),
    FunctionType("toupper", "String", |t| *t == Ty::String, || Ty::String),
    FunctionType("tolower", "String", |t| *t == Ty::String, || Ty::String),
    FunctionType("abs", "Float or Integer", Ty::numeric, || Ty::Any),
    FunctionType("sign", "Float or Integer", Ty::numeric, || Ty::Integer),
    FunctionType("ceil", "Float", Ty::numeric, || Ty::Float),
    FunctionType("floor", "Float", Ty::numeric, || Ty::Float),
    FunctionType("sqrt", "Float", Ty::numeric, || Ty::Float),
    FunctionType("exp", "Float", Ty::numeric, || Ty::Float),
    FunctionType("log", "Float", Ty::numeric, || Ty::Float),
    FunctionType("log10", "Float", Ty::numeric, || Ty::Float),
    FunctionType("head", "List<T>", |t| matches!(t, Ty::List(_)), || Ty::Any),
    FunctionType("last", "List<T>", |t| matches!(t, Ty::List(_)), || Ty::Any),
    FunctionType("tail", "List<T>", |t| matches!(t, Ty::List(_)), || Ty::List(Box::new(Ty::Any))),
];

/// `a Node`, `an Integer`.
fn article(noun: &str) -> String {
    let an = noun.starts_with(['A', 'E', 'I', 'O', 'U']);
    format!("{} {noun}", if an { "an" } else { "a" })
}

fn is_map_like(t: &Ty) -> bool {
    matches!(t, Ty::Map | Ty::Node | Ty::Relationship)
}

/// The types of the variables in scope, innermost last (a comprehension pushes and pops).
type Env = Vec<(String, Ty)>;

pub(super) fn check_single(cx: &mut Analysis, clauses: &[Clause]) {
    let mut typer = Typer { cx, env: Env::new() };
    for c in clauses {
        typer.clause(c);
    }
}

/// The expressions written directly in a clause or pattern, not inside nested clauses or queries.
struct Top<'a>(Vec<&'a Expr>);

impl<'a> Visitor<'a> for Top<'a> {
    fn visit_query(&mut self, _q: &'a Query) {}
    fn visit_clause(&mut self, _c: &'a Clause) {}
    fn visit_expr(&mut self, e: &'a Expr) {
        self.0.push(e);
    }
}

struct Typer<'c, 't> {
    cx: &'c mut Analysis<'t>,
    env: Env,
}

impl Typer<'_, '_> {
    fn lookup(&self, name: &str) -> Ty {
        self.env.iter().rev().find(|(n, _)| n == name).map_or(Ty::Any, |(_, t)| t.clone())
    }

    fn bind(&mut self, name: &str, ty: Ty) {
        self.env.push((name.to_string(), ty));
    }

    fn clause(&mut self, c: &Clause) {
        match c {
            Clause::Match(m) => {
                self.bind_parts(&m.pattern.parts);
                let mut top = Top(Vec::new());
                visit::walk_pattern(&mut top, &m.pattern);
                self.infer_all(top.0);
                if let Some(w) = &m.where_ {
                    self.predicate(w);
                }
            }
            Clause::Create(create) => {
                self.bind_parts(&create.pattern.parts);
                self.exprs_of(c);
            }
            Clause::Merge(merge) => {
                self.bind_parts(std::slice::from_ref(&merge.pattern));
                self.exprs_of(c);
            }
            Clause::With(w) => {
                let next = self.projection(&w.projection);
                if let Some(p) = &w.where_ {
                    self.predicate(p);
                }
                self.env = next;
            }
            Clause::Return(r) => {
                self.projection(&r.projection);
            }
            Clause::Unwind(u) => {
                let element = self.infer(&u.expr).element();
                self.bind(&u.variable.value, element);
            }
            Clause::Delete(d) => {
                // `DELETE n:Label` is refused as a delete of labels already (`patterns`).
                for e in d.exprs.iter().filter(|e| !matches!(e.kind, ExprKind::LabelCheck { .. })) {
                    let t = self.infer(e);
                    if matches!(t, Ty::Integer | Ty::Float | Ty::String | Ty::Boolean | Ty::Map | Ty::List(_)) {
                        self.mismatch(e, "Node, Path or Relationship", &t);
                    }
                }
            }
            Clause::Foreach(f) => {
                let element = self.infer(&f.list).element();
                let outer = self.env.len();
                self.bind(&f.variable.value, element);
                for inner in &f.clauses {
                    self.clause(inner);
                }
                self.env.truncate(outer);
            }
            // What a subquery, a procedure or LOAD CSV binds is new (a bound name cannot be bound
            // again), so unknown; the body of a subquery is typed on its own.
            Clause::CallSubquery(_) => {}
            _ => self.exprs_of(c),
        }
    }

    /// The expressions written directly in a clause.
    fn exprs_of(&mut self, c: &Clause) {
        let mut top = Top(Vec::new());
        visit::walk_clause(&mut top, c);
        self.infer_all(top.0);
    }

    fn infer_all(&mut self, exprs: Vec<&Expr>) {
        for e in exprs {
            self.infer(e);
        }
    }

    /// Checks a WITH or RETURN and returns what a WITH passes on. Its ORDER BY and WHERE see
    /// both what it projects and what was in scope before: the scope is left so.
    fn projection(&mut self, p: &Projection) -> Env {
        let mut next = if p.star { self.env.clone() } else { Env::new() };
        for item in &p.items {
            let t = self.infer(&item.expr);
            if let Some(name) = super::scope::item_name(item) {
                next.push((name.value.clone(), t));
            }
        }
        self.env.extend(next.iter().cloned());
        for s in &p.order_by {
            self.infer(&s.expr);
        }
        next
    }

    fn bind_parts(&mut self, parts: &[PatternPart]) {
        for part in parts {
            self.bind_part(part);
        }
    }

    fn bind_part(&mut self, part: &PatternPart) {
        if let Some(p) = &part.variable {
            self.bind_new(&p.value, Ty::Path);
        }
        self.bind_path(&part.path);
    }

    /// Nodes and single relationships a path names; group variables of quantified paths and
    /// variable-length relationships hold lists, left unknown.
    fn bind_path(&mut self, path: &PathPattern) {
        for el in &path.elements {
            let (name, ty) = match el {
                PathElement::Node(n) => (n.variable.as_ref(), Ty::Node),
                PathElement::Relationship(r) if r.length.is_none() && r.quantifier.is_none() => {
                    (r.variable.as_ref(), Ty::Relationship)
                }
                _ => (None, Ty::Any),
            };
            if let Some(name) = name {
                self.bind_new(&name.value, ty);
            }
        }
    }

    /// A name a pattern binds or reuses: a reuse as another kind is the binding check's error,
    /// so the name's type becomes unknown rather than reported twice.
    fn bind_new(&mut self, name: &str, ty: Ty) {
        match self.env.iter().rposition(|(n, _)| n == name) {
            Some(i) if self.env[i].1 != ty => self.env[i].1 = Ty::Any,
            Some(_) => {}
            None => self.bind(name, ty),
        }
    }

    fn predicate(&mut self, e: &Expr) {
        let t = self.infer(e);
        self.expect_boolean(e, &t);
    }

    /// A literal's type is `types`' finding; any other certain type that is no boolean is this.
    fn expect_boolean(&mut self, e: &Expr, t: &Ty) {
        if literal_type(e).is_some() || matches!(t, Ty::Boolean | Ty::Any) {
            return;
        }
        if let Ty::List(_) = t {
            let message = "Coercion of list to boolean is not allowed. Please use `NOT isEmpty(...)` instead.";
            self.cx.error(ErrorKind::ArgumentType, e.span, message).help =
                Some("a list is no predicate: test `NOT isEmpty(list)` or `size(list) > 0`".into());
        } else {
            self.mismatch(e, "Boolean", t);
        }
    }

    fn mismatch(&mut self, e: &Expr, expected: &str, was: &Ty) {
        let message = format!("Type mismatch: expected {expected} but was {was}");
        self.cx.error(ErrorKind::ArgumentType, e.span, message).help =
            Some(format!("this is always {} here, which is never {}", article(&was.to_string()), article(expected)));
    }

    /// The type of an expression, reporting every certain mismatch inside it.
    fn infer(&mut self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Literal(l) => match l {
                Literal::Integer(_) => Ty::Integer,
                Literal::Float(_) => Ty::Float,
                Literal::String(_) => Ty::String,
                Literal::Boolean(_) => Ty::Boolean,
                Literal::Null => Ty::Any,
            },
            ExprKind::Variable(v) => self.lookup(&v.value),
            ExprKind::Property { subject, .. } => {
                let t = self.infer(subject);
                if matches!(t, Ty::Path | Ty::Integer | Ty::Float | Ty::String | Ty::Boolean | Ty::List(_)) {
                    let expected =
                        "Map, Node, Relationship, Point, Duration, Date, Time, LocalTime, LocalDateTime or DateTime";
                    self.mismatch(subject, expected, &t);
                }
                Ty::Any
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Unary { op, operand } => {
                let t = self.infer(operand);
                match op {
                    UnaryOp::Not => {
                        self.expect_boolean(operand, &t);
                        Ty::Boolean
                    }
                    UnaryOp::Minus | UnaryOp::Plus if t.never_arithmetic() => {
                        self.mismatch(operand, "Float or Integer", &t);
                        Ty::Any
                    }
                    UnaryOp::Minus | UnaryOp::Plus => t,
                }
            }
            ExprKind::IsNull { .. }
            | ExprKind::IsType { .. }
            | ExprKind::IsNormalized { .. }
            | ExprKind::LabelCheck { .. } => {
                self.children(e);
                Ty::Boolean
            }
            ExprKind::FunctionCall { name, args, .. } => {
                let types: Vec<Ty> = args.iter().map(|a| self.infer(a)).collect();
                if name.parts.len() != 1 || args.len() != 1 {
                    return Ty::Any;
                }
                let lower = name.parts[0].value.to_ascii_lowercase();
                let Some(f) = FUNCTIONS.iter().find(|f| f.0 == lower) else { return Ty::Any };
                if types[0] != Ty::Any && !(f.2)(&types[0]) {
                    self.mismatch(&args[0], f.1, &types[0]);
                }
                (f.3)()
            }
            ExprKind::CountStar => Ty::Integer,
            ExprKind::List(items) => {
                let types: Vec<Ty> = items.iter().map(|i| self.infer(i)).collect();
                let element = match types.first() {
                    Some(first) if types.iter().all(|t| t == first) => first.clone(),
                    _ => Ty::Any,
                };
                Ty::List(Box::new(element))
            }
            ExprKind::Map(m) => {
                for entry in &m.entries {
                    self.infer(&entry.value);
                }
                Ty::Map
            }
            ExprKind::Case { subject, alternatives, default } => {
                if let Some(s) = subject {
                    self.infer(s);
                }
                for alt in alternatives {
                    let t = self.infer(&alt.when);
                    if subject.is_none() {
                        self.expect_boolean(&alt.when, &t);
                    }
                    self.infer(&alt.then);
                }
                if let Some(d) = default {
                    self.infer(d);
                }
                Ty::Any
            }
            ExprKind::ListComprehension { variable, list, where_, map } => {
                let element = self.infer(list).element();
                self.scoped(&[(&variable.value, element)], |t| {
                    if let Some(w) = where_ {
                        t.predicate(w);
                    }
                    if let Some(m) = map {
                        t.infer(m);
                    }
                });
                Ty::List(Box::new(Ty::Any))
            }
            ExprKind::Quantified { variable, list, where_, .. } => {
                let element = self.infer(list).element();
                self.scoped(&[(&variable.value, element)], |t| {
                    if let Some(w) = where_ {
                        t.predicate(w);
                    }
                });
                Ty::Boolean
            }
            ExprKind::Reduce { accumulator, init, variable, list, expr } => {
                self.infer(init);
                let element = self.infer(list).element();
                self.scoped(&[(&accumulator.value, Ty::Any), (&variable.value, element)], |t| {
                    t.infer(expr);
                });
                Ty::Any
            }
            ExprKind::PatternComprehension { variable, pattern, where_, map } => {
                let outer = self.env.len();
                if let Some(p) = variable {
                    self.bind_new(&p.value, Ty::Path);
                }
                self.bind_path(pattern);
                if let Some(w) = where_ {
                    self.predicate(w);
                }
                self.infer(map);
                self.env.truncate(outer);
                Ty::List(Box::new(Ty::Any))
            }
            ExprKind::MapProjection { items, .. } => {
                for item in items {
                    if let crate::ast::MapProjectionItem::Literal { value, .. } = item {
                        self.infer(value);
                    }
                }
                Ty::Map
            }
            // Other queries are typed on their own; a pattern's own expressions are left alone.
            ExprKind::Exists(_) => Ty::Boolean,
            ExprKind::Count(_) => Ty::Integer,
            ExprKind::Collect(_) | ExprKind::Pattern(_) => Ty::Any,
            _ => {
                self.children(e);
                Ty::Any
            }
        }
    }

    /// Infers the direct sub-expressions of a form that binds nothing.
    fn children(&mut self, e: &Expr) {
        struct Direct<'a>(Vec<&'a Expr>);
        impl<'a> Visitor<'a> for Direct<'a> {
            fn visit_query(&mut self, _q: &'a Query) {}
            fn visit_expr(&mut self, e: &'a Expr) {
                self.0.push(e);
            }
        }
        let mut direct = Direct(Vec::new());
        visit::walk_expr(&mut direct, e);
        for child in direct.0 {
            self.infer(child);
        }
    }

    fn scoped(&mut self, names: &[(&String, Ty)], body: impl FnOnce(&mut Self)) {
        let outer = self.env.len();
        for (name, ty) in names {
            self.bind(name, ty.clone());
        }
        body(self);
        self.env.truncate(outer);
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Ty {
        let (l, r) = (self.infer(lhs), self.infer(rhs));
        match op {
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => {
                self.expect_boolean(lhs, &l);
                self.expect_boolean(rhs, &r);
                Ty::Boolean
            }
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Pow => {
                self.arithmetic(op, (lhs, &l), (rhs, &r))
            }
            BinaryOp::Add => match (&l, &r) {
                (Ty::Integer, Ty::Integer) => Ty::Integer,
                (a, b) if a.numeric() && b.numeric() => Ty::Float,
                (Ty::String, Ty::String) => Ty::String,
                _ => Ty::Any,
            },
            BinaryOp::Concat => Ty::Any,
            _ => Ty::Boolean,
        }
    }

    /// `-`, `*`, `/`, `%`, `^` take numbers, durations and temporal values, none of which a
    /// string, boolean, map, list or graph element ever is.
    fn arithmetic(&mut self, op: BinaryOp, (lhs, l): (&Expr, &Ty), (rhs, r): (&Expr, &Ty)) -> Ty {
        let (left, right) = match op {
            BinaryOp::Sub => {
                ("Float, Integer, Duration, Date, Time, LocalTime, LocalDateTime or DateTime", "Float or Integer")
            }
            BinaryOp::Mul => ("Float, Integer or Duration", "Float, Integer or Duration"),
            BinaryOp::Div => ("Float, Integer or Duration", "Float or Integer"),
            BinaryOp::Pow => ("Float", "Float"),
            _ => ("Float or Integer", "Float or Integer"),
        };
        if l.never_arithmetic() {
            self.mismatch(lhs, left, l);
            return Ty::Any;
        }
        if r.never_arithmetic() {
            let expected = if l.numeric() { right } else { left };
            self.mismatch(rhs, expected, r);
            return Ty::Any;
        }
        match (l, r) {
            (Ty::Integer, Ty::Integer) if op != BinaryOp::Pow => Ty::Integer,
            (a, b) if a.numeric() && b.numeric() => Ty::Float,
            _ => Ty::Any,
        }
    }
}
