//! What a statement writes, as far as transactions and re-runs are concerned: its class
//! (schema, write, read, admin), the nodes it writes, and whether running it again after it
//! committed changes anything more. Procedures count by the [`super::procedures`] table, or by
//! the Cypher in their strings when cymig could parse every one.

use super::procedures;
use super::scope::path_nodes;
use crate::ast::*;
use crate::visit::{self, Visitor};

/// What a statement does, as far as transactions are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementClass {
    Schema,
    Write,
    Read,
    Admin,
}

pub fn statement_class(stmt: &Statement) -> StatementClass {
    match &stmt.kind {
        StatementKind::Schema(_) => StatementClass::Schema,
        StatementKind::Admin(_) | StatementKind::Terminate(_) => StatementClass::Admin,
        StatementKind::Show(c) if c.terminates() => StatementClass::Admin,
        StatementKind::Show(_) => StatementClass::Read,
        StatementKind::Query(q) => {
            if calls_schema_procedure(q) || runs_embedded_schema(q) {
                StatementClass::Schema
            } else if query_writes(q) {
                StatementClass::Write
            } else {
                StatementClass::Read
            }
        }
    }
}

/// Whether a query contains any write clause, at any depth.
pub fn query_writes(q: &Query) -> bool {
    q.single_queries().any(|sq| sq.clauses.iter().any(clause_writes))
}

/// Whether a clause writes: a write clause itself, or a FOREACH / CALL subquery containing one.
pub fn clause_writes(c: &Clause) -> bool {
    match c {
        Clause::Create(_) | Clause::Merge(_) | Clause::Set(_) | Clause::Remove(_) | Clause::Delete(_) => true,
        Clause::Foreach(f) => f.clauses.iter().any(clause_writes),
        Clause::CallSubquery(s) => query_writes(&s.body),
        Clause::CallProcedure(p) => match embedded_class(p) {
            Some(class) => class != StatementClass::Read,
            None => procedures::lookup(&p.procedure.dotted()).writes_data(),
        },
        _ => false,
    }
}

/// What the Cypher a procedure runs from its strings does (`apoc.cypher.runSchema('CREATE
/// INDEX …')`, `apoc.periodic.iterate('…', 'SET …')`), when every string it runs was parsed:
/// schema over write over read. `None` when it runs none, or one cymig could not read.
pub fn embedded_class(call: &CallProcedureClause) -> Option<StatementClass> {
    if !all_embedded_parsed(call) {
        return None;
    }
    let classes = call.embedded.iter().flat_map(|e| &e.statements).map(statement_class);
    Some(classes.fold(StatementClass::Read, |acc, class| match (acc, class) {
        (StatementClass::Schema, _) | (_, StatementClass::Schema) => StatementClass::Schema,
        (StatementClass::Read, StatementClass::Read) => StatementClass::Read,
        _ => StatementClass::Write,
    }))
}

/// The node patterns that CREATE and MERGE clauses write anywhere in a statement (subqueries
/// and FOREACH included).
pub fn written_nodes(stmt: &Statement) -> Vec<&NodePattern> {
    struct Written<'a>(Vec<&'a NodePattern>);
    impl<'a> Visitor<'a> for Written<'a> {
        fn visit_clause(&mut self, c: &'a Clause) {
            match c {
                Clause::Create(create) => create.pattern.parts.iter().for_each(|p| self.0.extend(path_nodes(&p.path))),
                Clause::Merge(merge) => self.0.extend(path_nodes(&merge.pattern.path)),
                _ => {}
            }
            visit::walk_clause(self, c);
        }
    }
    let mut written = Written(Vec::new());
    written.visit_statement(stmt);
    written.0
}

/// Whether every argument of the call that holds Cypher is a string cymig parsed.
fn all_embedded_parsed(call: &CallProcedureClause) -> bool {
    let parsed = call.embedded.iter().filter(|e| e.errors.is_empty()).count();
    parsed > 0 && parsed == crate::syntax::cypher_arguments(&call.procedure.dotted())
}

/// A procedure call at the top of the query whose strings change the schema.
fn runs_embedded_schema(q: &Query) -> bool {
    q.single_queries().flat_map(|sq| &sq.clauses).any(|c| match c {
        Clause::CallProcedure(p) => embedded_class(p) == Some(StatementClass::Schema),
        _ => false,
    })
}

/// Whether running a statement again after it committed changes nothing more: schema commands
/// with `IF [NOT] EXISTS`, and data writes without `CREATE` (MERGE, SET to a fixed value,
/// DELETE and REMOVE of what matched) or a data-writing procedure. Reads count as re-runnable.
pub fn rerunnable(stmt: &Statement) -> bool {
    match &stmt.kind {
        StatementKind::Schema(cmd) => match cmd {
            SchemaCommand::CreateConstraint(c) => c.if_not_exists,
            SchemaCommand::CreateIndex(c) => c.if_not_exists,
            SchemaCommand::DropConstraint(d) => d.if_exists,
            SchemaCommand::DropIndex(d) => d.if_exists,
        },
        StatementKind::Query(q) => q.single_queries().all(|sq| sq.clauses.iter().all(clause_rerunnable)),
        StatementKind::Show(c) => !c.terminates(),
        StatementKind::Admin(_) | StatementKind::Terminate(_) => false,
    }
}

fn clause_rerunnable(c: &Clause) -> bool {
    match c {
        Clause::Create(_) => false,
        Clause::Set(set) => set.items.iter().all(set_item_rerunnable),
        Clause::Foreach(f) => f.clauses.iter().all(clause_rerunnable),
        Clause::CallSubquery(s) => s.body.single_queries().all(|sq| sq.clauses.iter().all(clause_rerunnable)),
        Clause::CallProcedure(p) => match all_embedded_parsed(p) {
            // `apoc.periodic.iterate('MATCH … RETURN r', 'SET r.x = …')`: its strings decide.
            true => p.embedded.iter().flat_map(|e| &e.statements).all(rerunnable),
            false => !procedures::lookup(&p.procedure.dotted()).writes_data(),
        },
        _ => true,
    }
}

/// `SET n.p = n.p + 1` reads what it writes: a second run changes the value again. Reading the
/// same key of another variable (`SET p.name = row.name`) does not.
pub fn set_item_rerunnable(item: &SetItem) -> bool {
    match item {
        SetItem::Property { target, value, .. } => {
            let written = match &target.kind {
                ExprKind::Property { subject, key } => Some((variable_name(subject), key.value.as_str())),
                _ => None,
            };
            !visit::any_expr(value, &mut |e| match &e.kind {
                ExprKind::Property { subject, key } => written.is_none_or(|(owner, w)| {
                    key.value == w
                        && (owner.is_none() || variable_name(subject).is_none() || variable_name(subject) == owner)
                }),
                _ => false,
            })
        }
        _ => true,
    }
}

fn variable_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Variable(n) => Some(n.value.as_str()),
        _ => None,
    }
}

/// Procedures that change the schema count as schema statements.
fn calls_schema_procedure(q: &Query) -> bool {
    q.first.clauses.iter().any(|c| match c {
        Clause::CallProcedure(p) => procedures::lookup(&p.procedure.dotted()).changes_schema(),
        _ => false,
    })
}

/// Variables the clauses refer to anywhere (expressions, pattern variables, SET/REMOVE targets).
pub fn clause_references(clauses: &[Clause]) -> Vec<String> {
    struct Refs(Vec<String>);
    impl Refs {
        fn add(&mut self, n: &str) {
            if !self.0.iter().any(|s| s == n) {
                self.0.push(n.to_string());
            }
        }
    }
    impl<'a> Visitor<'a> for Refs {
        fn visit_expr(&mut self, e: &'a Expr) {
            match &e.kind {
                ExprKind::Variable(n) => self.add(&n.value),
                ExprKind::MapProjection { subject, .. } => self.add(&subject.value),
                _ => {}
            }
            visit::walk_expr(self, e)
        }
        fn visit_node(&mut self, n: &'a NodePattern) {
            if let Some(v) = &n.variable {
                self.add(&v.value);
            }
            visit::walk_node(self, n)
        }
        fn visit_relationship(&mut self, r: &'a RelationshipPattern) {
            if let Some(v) = &r.variable {
                self.add(&v.value);
            }
            visit::walk_relationship(self, r)
        }
        fn visit_clause(&mut self, c: &'a Clause) {
            match c {
                Clause::Set(s) => {
                    for item in &s.items {
                        if let SetItem::Labels { target, .. } = item {
                            self.add(&target.value);
                        }
                    }
                }
                Clause::Remove(r) => {
                    for item in &r.items {
                        if let RemoveItem::Labels { target, .. } = item {
                            self.add(&target.value);
                        }
                    }
                }
                _ => {}
            }
            visit::walk_clause(self, c)
        }
    }
    let mut refs = Refs(Vec::new());
    for c in clauses {
        refs.visit_clause(c);
    }
    refs.0
}

#[cfg(test)]
mod tests {
    use super::{statement_class, StatementClass};

    fn class(text: &str) -> StatementClass {
        statement_class(&crate::syntax::parse(text).statements[0])
    }

    #[test]
    fn the_cypher_in_procedure_strings_decides_what_the_call_does() {
        assert_eq!(
            class("CALL apoc.cypher.runSchema('CREATE INDEX i FOR (n:A) ON (n.x)', {})"),
            StatementClass::Schema
        );
        assert_eq!(
            class("CALL apoc.cypher.run('MATCH (n:A) SET n.x = 1', {}) YIELD value RETURN value"),
            StatementClass::Write
        );
        assert_eq!(
            class("CALL apoc.cypher.doIt('MATCH (n:A) RETURN n', {}) YIELD value RETURN value"),
            StatementClass::Read
        );
        // One string is a parameter: the procedure's name decides, as before.
        assert_eq!(class("CALL apoc.periodic.iterate('MATCH (n:A) RETURN n', $action, {})"), StatementClass::Write);
        assert_eq!(class("CALL apoc.cypher.doIt($statement, {}) YIELD value RETURN value"), StatementClass::Write);
    }
}
