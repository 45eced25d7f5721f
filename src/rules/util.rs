//! Helpers several rules share: what writes, what a pattern binds, keyword positions, and the
//! `CALL (…) { … } IN TRANSACTIONS` rewrite.

use super::{FileContext, FileRole};
use crate::ast::*;
use crate::diagnostic::Edit;
/// Expression facts live in the semantic model; rules still reach them through `util`.
pub use crate::semantic::expr::{
    as_property_of_variable, conjuncts, is_aggregating, is_call_to, is_constant, referenced_variables,
};
use crate::semantic::procedures;
use crate::span::Span;
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
pub(crate) fn set_item_rerunnable(item: &SetItem) -> bool {
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

/// Variables a pattern part binds (path variable, nodes, relationships, nested parts).
pub fn pattern_part_variables(part: &PatternPart) -> Vec<&Name> {
    let mut out = Vec::new();
    if let Some(v) = &part.variable {
        out.push(v);
    }
    path_variables(&part.path, &mut out);
    out
}

pub fn path_variables<'a>(path: &'a PathPattern, out: &mut Vec<&'a Name>) {
    for el in &path.elements {
        match el {
            PathElement::Node(n) => out.extend(n.variable.as_ref()),
            PathElement::Relationship(r) => out.extend(r.variable.as_ref()),
            PathElement::Parenthesized(p) => out.extend(pattern_part_variables(&p.pattern)),
        }
    }
}

/// Node patterns of a path, nested ones included.
pub fn path_nodes(path: &PathPattern) -> Vec<&NodePattern> {
    let mut out = Vec::new();
    for el in &path.elements {
        match el {
            PathElement::Node(n) => out.push(n),
            PathElement::Relationship(_) => {}
            PathElement::Parenthesized(p) => out.extend(path_nodes(&p.pattern.path)),
        }
    }
    out
}

pub fn path_relationships(path: &PathPattern) -> Vec<&RelationshipPattern> {
    let mut out = Vec::new();
    for el in &path.elements {
        match el {
            PathElement::Node(_) => {}
            PathElement::Relationship(r) => out.push(r),
            PathElement::Parenthesized(p) => out.extend(path_relationships(&p.pattern.path)),
        }
    }
    out
}

/// Variables bound by the clauses of `clauses[..end]`, following WITH/RETURN projections.
/// `None` when a `WITH *`-free projection cannot be followed (never happens today) — kept
/// simple: it is used for the variables a batching rewrite must import.
pub fn variables_in_scope(clauses: &[Clause], end: usize) -> Vec<String> {
    let mut scope: Vec<String> = Vec::new();
    let add = |scope: &mut Vec<String>, n: &str| {
        if !scope.iter().any(|s| s == n) {
            scope.push(n.to_string());
        }
    };
    for c in clauses.iter().take(end) {
        match c {
            Clause::Match(m) => {
                for p in &m.pattern.parts {
                    for v in pattern_part_variables(p) {
                        add(&mut scope, &v.value);
                    }
                }
            }
            Clause::Create(cr) => {
                for p in &cr.pattern.parts {
                    for v in pattern_part_variables(p) {
                        add(&mut scope, &v.value);
                    }
                }
            }
            Clause::Merge(m) => {
                for v in pattern_part_variables(&m.pattern) {
                    add(&mut scope, &v.value);
                }
            }
            Clause::Unwind(u) => add(&mut scope, &u.variable.value),
            Clause::LoadCsv(l) => add(&mut scope, &l.variable.value),
            Clause::With(w) => {
                let mut next = if w.projection.star { scope.clone() } else { Vec::new() };
                for item in &w.projection.items {
                    if let Some(name) = projected_name(item) {
                        add(&mut next, name);
                    }
                }
                scope = next;
            }
            Clause::CallProcedure(p) => {
                if let Some(y) = &p.yield_ {
                    for item in &y.items {
                        add(&mut scope, &item.bound_name().value);
                    }
                }
            }
            Clause::CallSubquery(s) => {
                for sq in s.body.single_queries().take(1) {
                    if let Some(Clause::Return(r)) = sq.clauses.last() {
                        for item in &r.projection.items {
                            if let Some(name) = projected_name(item) {
                                add(&mut scope, name);
                            }
                        }
                    }
                }
                if let Some(v) = s.in_transactions.as_ref().and_then(|t| t.report_status.as_ref()) {
                    add(&mut scope, &v.value);
                }
            }
            _ => {}
        }
    }
    scope
}

/// The name a projection item binds: its alias, or the variable it projects.
pub fn projected_name(item: &ProjectionItem) -> Option<&str> {
    match (&item.alias, &item.expr.kind) {
        (Some(a), _) => Some(&a.value),
        (None, ExprKind::Variable(v)) => Some(&v.value),
        _ => None,
    }
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

/// Finds `keyword` (a whole word, case-insensitive) in `span` of `text`; returns its span.
pub fn find_keyword(text: &str, span: Span, keyword: &str) -> Option<Span> {
    let hay = span.text(text);
    let lower = hay.to_ascii_lowercase();
    let kw = keyword.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&kw) {
        let start = from + i;
        let end = start + kw.len();
        let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !is_word_byte(bytes[end]);
        if before_ok && after_ok && !inside_comment_or_string(hay, start) {
            return Some(Span::new(span.start + start, span.start + end));
        }
        from = end;
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'`'
}

/// A cheap guard for keyword searches: whether `pos` lies in a string or comment of `text`.
fn inside_comment_or_string(text: &str, pos: usize) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < pos && i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= pos {
                    return true;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                if i >= pos {
                    return true;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
                if i >= pos {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The span of the leading keywords of a schema command up to and including `last_keyword`
/// (e.g. `CREATE INDEX`, `CREATE RANGE INDEX`, `DROP CONSTRAINT`).
pub fn keywords_span(text: &str, command: Span, last_keyword: &str) -> Span {
    find_keyword(text, command, last_keyword).map_or(command, |k| Span::new(command.start, k.end))
}

/// `SomeLabel` → `some_label`, for conventional schema names.
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

/// Whether `name` must be backtick-quoted in Cypher.
pub fn quote_name(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// Leading whitespace of the line containing `offset`, for re-indenting rewritten blocks.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}

/// The rewrite that moves `clauses[from..to]` of a single query into
/// `CALL (vars) { … } IN TRANSACTIONS OF n ROWS` (or the importing-WITH form before Neo4j 5.23).
/// Returns `None` when the rewrite would not be valid Cypher (e.g. nothing to batch).
pub fn batching_rewrite(
    text: &str,
    clauses: &[Clause],
    from: usize,
    to: usize,
    batch_size: u64,
    scope_clause: bool,
) -> Option<Vec<Edit>> {
    if from >= to || to > clauses.len() {
        return None;
    }
    let in_scope = variables_in_scope(clauses, from);
    let used = clause_references(&clauses[from..to]);
    let imports: Vec<String> = in_scope.into_iter().filter(|v| used.contains(v)).collect();
    let body_span = tight(text, clauses[from].span().cover(clauses[to - 1].span()));
    let body = body_span.text(text);
    let indent = line_indent(text, body_span.start).to_string();
    let inner_indent = format!("{indent}  ");
    let reindented = body
        .lines()
        .enumerate()
        .map(|(i, line)| if i == 0 { format!("{inner_indent}{line}") } else { format!("  {line}") })
        .collect::<Vec<_>>()
        .join("\n");
    let imports_list = imports.iter().map(|v| quote_name(v)).collect::<Vec<_>>().join(", ");
    let head = if scope_clause {
        format!("CALL ({imports_list}) {{\n")
    } else if imports.is_empty() {
        "CALL {\n".to_string()
    } else {
        format!("CALL {{\n{inner_indent}WITH {imports_list}\n")
    };
    let replacement = format!("{head}{reindented}\n{indent}}} IN TRANSACTIONS OF {batch_size} ROWS");
    Some(vec![Edit::replace(body_span, replacement)])
}

/// `span` without leading and trailing whitespace: node spans from the parser may include the
/// whitespace after a clause; diagnostics and edits must not.
pub fn tight(text: &str, span: Span) -> Span {
    let s = span.text(text);
    if s.is_empty() {
        return span;
    }
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail >= s.len() {
        return span;
    }
    Span::new(span.start + lead, span.end - trail)
}

/// A hand-run script under a test directory (`src/test/resources/`, `tests/`, …): its test loads
/// it into a fresh database, so whether it could be re-run is not a question anyone asks.
pub fn is_test_fixture(cx: &FileContext) -> bool {
    cx.role == FileRole::Script && crate::migration::under_test_dir(&cx.source.path)
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
