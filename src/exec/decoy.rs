//! Decoys for `cymig verify`: data that a wrong down would touch, synthesised from the up's own
//! patterns, because seed data written by hand only proves what its author thought of.
//!
//! From each data statement of the up (subqueries, `FOREACH` and the Cypher inside
//! `apoc.periodic.iterate` included):
//!
//! - *matched*: a node like one the up's `MATCH` finds (its labels and the literal values it
//!   matches on), when none exists, so the up has something to act on even on an empty database;
//! - *other values*: a node with the same labels and other key values than a pattern of the up,
//!   and set where a `WHERE x.k IS NULL` guard of the up would exclude it;
//! - *related*: a relationship of a type the up creates, already there between a node the up
//!   matches and another node (same labels as the up's other end, other key values);
//! - *merge match*: a node (or relationship between matched nodes) that a `MERGE` of the up
//!   matches instead of creating.
//!
//! Every decoy node and relationship carries a `__cymig_decoy` property naming it. The up treats
//! decoys like any data (a matched decoy gets the up's changes), so the down must restore each one
//! exactly as it was before the up; a down that deletes or changes a decoy is not exact, and the
//! decoy says what kind of data it got wrong.

use super::connect::Db;
use super::fingerprint;
use crate::ast::*;
use crate::error::Result;
use crate::plan::{MigrationPlan, StatementClass};
use crate::rules::text::quote_name;
use crate::semantic::expr::{as_property_of_variable, conjuncts};
use crate::visit::{walk_clause, Visitor};
use neo4rs::{query, BoltType};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The property that marks decoy nodes and relationships.
pub const TAG: &str = "__cymig_decoy";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecoyKind {
    Matched,
    OtherValues,
    Related,
    MergeMatch,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decoy {
    /// The `__cymig_decoy` value (`d3`; a decoy relationship's end nodes get `d3.anchor`, `d3.node`).
    pub id: String,
    pub kind: DecoyKind,
    /// What it is and which line of the up it comes from.
    pub description: String,
    /// Tried in order until one runs without error; may create nothing (its anchor is absent).
    pub cypher: Vec<String>,
}

/// The decoy a down touched, and how.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Touched {
    pub id: String,
    pub kind: DecoyKind,
    pub description: String,
    /// `deleted`, or the decoy's state before and after.
    pub change: String,
}

/// A decoy before it has an id: kind, description, Cypher alternatives, the labels it writes.
type Found = (DecoyKind, String, Vec<String>, Vec<String>);

/// The decoys for one migration's up, deduplicated, in planting order (matched nodes first, so
/// relationship decoys can anchor on them).
pub fn synthesise(m: &MigrationPlan) -> Vec<Decoy> {
    let constrained = constrained_labels(m);
    let mut statements = Vec::new();
    for step in &m.steps {
        for s in step.statements.iter().filter(|s| s.kind == StatementClass::Data) {
            for statement in &crate::syntax::parse(&format!("{};", s.text)).statements {
                let mut shapes = Shapes::default();
                shapes.visit_statement(statement);
                statements.push((s.line, shapes));
            }
        }
    }
    // A node that one statement creates and a later one matches is no decoy: it did not exist
    // before the up.
    let written: Vec<Shape> = statements.iter().flat_map(|(_, s)| s.created.iter().map(|(_, c)| c.clone())).collect();
    let mut found: Vec<Found> = Vec::new();
    for (line, shapes) in &statements {
        found.extend(shapes.decoys(*line, &written));
    }
    let order = [DecoyKind::Matched, DecoyKind::OtherValues, DecoyKind::Related, DecoyKind::MergeMatch];
    found.sort_by_key(|(kind, ..)| order.iter().position(|k| k == kind));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (kind, description, cypher, labels) in found {
        if labels.iter().any(|l| constrained.contains(l)) || !seen.insert(cypher.clone()) {
            continue;
        }
        let id = format!("d{}", out.len() + 1);
        let cypher = cypher.iter().map(|c| c.replace("$decoy", &id)).collect();
        let description = description.replace("$decoy", &id);
        out.push(Decoy { id, kind, description, cypher });
    }
    out
}

/// Labels on which the migration creates a constraint other than uniqueness: a decoy without the
/// required property would make the up's `CREATE CONSTRAINT` fail, so none is planted there.
fn constrained_labels(m: &MigrationPlan) -> Vec<String> {
    let mut out = Vec::new();
    for step in &m.steps {
        for s in step.statements.iter().filter(|s| s.kind == StatementClass::Schema) {
            let upper = s.text.to_uppercase();
            if !upper.contains("CONSTRAINT") || upper.contains("UNIQUE") {
                continue;
            }
            for part in s.text.split(':').skip(1) {
                let name: String = part
                    .trim_start()
                    .trim_start_matches('`')
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        }
    }
    out
}

/// A node as the up writes or matches it: labels, literal key values, keys with computed values,
/// keys a guard requires absent.
#[derive(Clone, Debug, Default)]
struct Shape {
    labels: Vec<String>,
    exact: Vec<(String, Literal)>,
    computed: Vec<String>,
    absent: Vec<String>,
}

impl Shape {
    fn of(n: &NodePattern) -> Shape {
        let labels = n.labels.as_ref().map(|l| l.required_names().iter().map(|n| n.value.clone()).collect());
        let mut shape = Shape { labels: labels.unwrap_or_default(), ..Default::default() };
        if let Some(Expr { kind: ExprKind::Map(map), .. }) = &n.properties {
            for e in &map.entries {
                match &e.value.kind {
                    ExprKind::Literal(Literal::Null) => {}
                    ExprKind::Literal(l) => shape.exact.push((e.key.value.clone(), l.clone())),
                    _ => shape.computed.push(e.key.value.clone()),
                }
            }
        }
        shape
    }

    fn labels_text(&self) -> String {
        self.labels.iter().map(|l| format!(":{}", quote_name(l))).collect()
    }

    /// The node itself, as the up finds it.
    fn exact_text(&self, tag: &str) -> String {
        let entries: Vec<String> =
            self.exact.iter().map(|(k, v)| format!("{}: {}", quote_name(k), literal(v))).collect();
        node_text(&self.labels_text(), entries, tag)
    }

    /// The same labels with other values: literal keys changed, computed keys given a value the
    /// up is unlikely to compute, guard-absent keys set.
    fn other_text(&self, tag: &str) -> String {
        let mut entries: Vec<String> = self
            .exact
            .iter()
            .filter_map(|(k, v)| Some(format!("{}: {}", quote_name(k), literal(&other(v)?))))
            .collect();
        entries.extend(self.computed.iter().chain(&self.absent).map(|k| format!("{}: '~$decoy'", quote_name(k))));
        node_text(&self.labels_text(), entries, tag)
    }

    fn exact_match(&self, var: &str) -> String {
        let entries: Vec<String> =
            self.exact.iter().map(|(k, v)| format!("{}: {}", quote_name(k), literal(v))).collect();
        if entries.is_empty() {
            format!("({var}{})", self.labels_text())
        } else {
            format!("({var}{} {{{}}})", self.labels_text(), entries.join(", "))
        }
    }
}

/// A node pattern; `tag` empty for descriptions, which leave the tag out.
fn node_text(labels: &str, mut entries: Vec<String>, tag: &str) -> String {
    if !tag.is_empty() {
        entries.push(format!("{TAG}: '{tag}'"));
    }
    if entries.is_empty() {
        format!("({labels})")
    } else {
        format!("({labels} {{{}}})", entries.join(", "))
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Integer(i) => i.to_string(),
        Literal::Float(f) => format!("{f:?}"),
        Literal::String(s) => format!("'{}'", s.value.replace('\\', "\\\\").replace('\'', "\\'")),
        Literal::Boolean(b) => b.to_string(),
        Literal::Null => "null".into(),
    }
}

/// A value of the same type that the literal is not.
fn other(l: &Literal) -> Option<Literal> {
    match l {
        Literal::Integer(i) => Some(Literal::Integer(i.wrapping_add(1_000_003))),
        Literal::Float(f) if f.is_finite() => Some(Literal::Float(f + 1000.5)),
        // The decoy's id in the value keeps two decoys apart under a uniqueness constraint.
        Literal::String(s) => Some(Literal::String(StringLit { span: s.span, value: format!("{}~$decoy", s.value) })),
        Literal::Boolean(b) => Some(Literal::Boolean(!b)),
        _ => None,
    }
}

/// A relationship pattern of a `CREATE` or `MERGE` between two node patterns.
struct Link {
    rel_type: String,
    outgoing: bool,
    left: (Option<String>, Shape),
    right: (Option<String>, Shape),
    merge: bool,
}

/// What one statement matches and writes.
#[derive(Default)]
struct Shapes {
    /// Variable → the shape its `MATCH` gives it.
    matched: HashMap<String, Shape>,
    matched_order: Vec<String>,
    /// Node patterns that match without a variable.
    anonymous_matched: Vec<Shape>,
    created: Vec<(Option<String>, Shape)>,
    merged: Vec<Shape>,
    links: Vec<Link>,
    equal: Vec<(String, String, Literal)>,
    absent: Vec<(String, String)>,
}

impl<'a> Visitor<'a> for Shapes {
    fn visit_clause(&mut self, c: &'a Clause) {
        match c {
            Clause::Match(m) => {
                for part in &m.pattern.parts {
                    self.matched_part(part);
                }
                self.guard(m.where_.as_ref());
            }
            Clause::With(w) => self.guard(w.where_.as_ref()),
            Clause::Create(c) => {
                for part in &c.pattern.parts {
                    self.written_part(part, false);
                }
            }
            Clause::Merge(m) => self.written_part(&m.pattern, true),
            Clause::CallProcedure(call) => {
                for e in &call.embedded {
                    e.statements.iter().for_each(|s| self.visit_statement(s));
                }
            }
            _ => {}
        }
        walk_clause(self, c);
    }
}

impl Shapes {
    fn matched_part(&mut self, part: &PatternPart) {
        for element in &part.path.elements {
            if let PathElement::Node(n) = element {
                let shape = Shape::of(n);
                match &n.variable {
                    Some(v) if !self.matched.contains_key(&v.value) && !shape.labels.is_empty() => {
                        self.matched_order.push(v.value.clone());
                        self.matched.insert(v.value.clone(), shape);
                    }
                    None if !shape.labels.is_empty() => self.anonymous_matched.push(shape),
                    _ => {}
                }
            }
        }
    }

    fn guard(&mut self, where_: Option<&Expr>) {
        let Some(e) = where_ else { return };
        for c in conjuncts(e) {
            match &c.kind {
                ExprKind::Binary { op: BinaryOp::Eq, lhs, rhs } => {
                    let pair = match (&lhs.kind, &rhs.kind) {
                        (_, ExprKind::Literal(l)) => as_property_of_variable(lhs).map(|p| (p, l)),
                        (ExprKind::Literal(l), _) => as_property_of_variable(rhs).map(|p| (p, l)),
                        _ => None,
                    };
                    if let Some(((var, key), l)) = pair {
                        if *l != Literal::Null {
                            self.equal.push((var.value.clone(), key.value.clone(), l.clone()));
                        }
                    }
                }
                ExprKind::IsNull { operand, negated: false } => {
                    if let Some((var, key)) = as_property_of_variable(operand) {
                        self.absent.push((var.value.clone(), key.value.clone()));
                    }
                }
                _ => {}
            }
        }
    }

    fn written_part(&mut self, part: &PatternPart, merge: bool) {
        let elements = &part.path.elements;
        let node = |i: usize| match elements.get(i) {
            Some(PathElement::Node(n)) => Some((n.variable.as_ref().map(|v| v.value.clone()), Shape::of(n))),
            _ => None,
        };
        for (i, element) in elements.iter().enumerate() {
            match element {
                PathElement::Node(n) => {
                    let bound = n.variable.as_ref().is_some_and(|v| self.is_bound(&v.value));
                    let shape = Shape::of(n);
                    if !bound && !shape.labels.is_empty() {
                        if merge && elements.len() == 1 {
                            self.merged.push(shape.clone());
                        }
                        self.created.push((n.variable.as_ref().map(|v| v.value.clone()), shape));
                    }
                }
                PathElement::Relationship(r) => {
                    let (Some(left), Some(right)) = (node(i.wrapping_sub(1)), node(i + 1)) else { continue };
                    let Some(LabelExpr::Name(t)) = &r.types else { continue };
                    let outgoing = r.direction != Direction::Incoming;
                    self.links.push(Link { rel_type: t.value.clone(), outgoing, left, right, merge });
                }
                PathElement::Parenthesized(_) => {}
            }
        }
    }

    fn is_bound(&self, var: &str) -> bool {
        self.matched.contains_key(var) || self.created.iter().any(|(v, _)| v.as_deref() == Some(var))
    }

    /// The shape a matched variable has once the statement's guards are added.
    fn matched_shape(&self, var: &str) -> Option<Shape> {
        let mut shape = self.matched.get(var)?.clone();
        for (_, k, l) in self.equal.iter().filter(|(v, ..)| v == var) {
            if !shape.exact.iter().any(|(key, _)| key == k) {
                shape.exact.push((k.clone(), l.clone()));
            }
        }
        shape.absent.extend(self.absent.iter().filter(|(v, _)| v == var).map(|(_, k)| k.clone()));
        Some(shape)
    }

    /// A shape for a written end of a link: a created node's own, or a matched variable's.
    fn end_shape(&self, end: &(Option<String>, Shape)) -> Shape {
        match &end.0 {
            Some(v) if end.1.labels.is_empty() => self
                .matched_shape(v)
                .or_else(|| self.created.iter().find(|(c, _)| c.as_deref() == Some(v)).map(|(_, s)| s.clone()))
                .unwrap_or_default(),
            _ => end.1.clone(),
        }
    }

    fn decoys(&self, line: usize, written: &[Shape]) -> Vec<Found> {
        let mut out = Vec::new();
        let matched: Vec<Shape> = self
            .matched_order
            .iter()
            .filter_map(|v| self.matched_shape(v))
            .chain(self.anonymous_matched.iter().cloned())
            .collect();
        for shape in &matched {
            if !writes_like(written, shape) {
                let cypher = format!(
                    "WITH 1 AS one WHERE NOT EXISTS {{ MATCH {} }} CREATE {}",
                    shape.exact_match("x"),
                    shape.exact_text("$decoy")
                );
                let description = format!("{} — a node like those line {line} matches", shape.exact_text(""));
                out.push((DecoyKind::Matched, description, vec![cypher], shape.labels.clone()));
            }
            if !shape.exact.is_empty() || !shape.absent.is_empty() {
                out.push(other_values(shape, line, "matches"));
            }
        }
        for (_, shape) in &self.created {
            out.push(other_values(shape, line, "writes"));
        }
        for shape in self.merged.iter().filter(|s| !s.exact.is_empty() && s.computed.is_empty()) {
            let cypher = format!(
                "WITH 1 AS one WHERE NOT EXISTS {{ MATCH {} }} CREATE {}",
                shape.exact_match("x"),
                shape.exact_text("$decoy")
            );
            let description = format!(
                "{} — an existing node the MERGE at line {line} matches instead of creating",
                shape.exact_text("")
            );
            out.push((DecoyKind::MergeMatch, description, vec![cypher], shape.labels.clone()));
        }
        for link in &self.links {
            out.extend(self.link_decoy(link, line));
        }
        out
    }

    fn link_decoy(&self, link: &Link, line: usize) -> Option<Found> {
        let matched = |end: &(Option<String>, Shape)| end.0.as_deref().and_then(|v| self.matched_shape(v));
        let t = quote_name(&link.rel_type);
        let (left, right) = (matched(&link.left), matched(&link.right));
        let arrow = |a: &str, b: &str, props: &str| {
            let rel = if props.is_empty() { format!("[:{t}]") } else { format!("[:{t} {props}]") };
            if link.outgoing {
                format!("{a}-{rel}->{b}")
            } else {
                format!("{a}<-{rel}-{b}")
            }
        };
        let tag = format!("{{{TAG}: '$decoy'}}");
        if link.merge {
            let (a, b) = (left?, right?);
            let cypher = format!(
                "MATCH {}, {} WITH a, b LIMIT 1 CREATE {}",
                a.exact_match("a"),
                b.exact_match("b"),
                arrow("(a)", "(b)", &tag)
            );
            let description = format!(
                "{} — an existing :{} relationship the MERGE at line {line} matches instead of creating",
                arrow(&a.exact_text(""), &b.exact_text(""), ""),
                link.rel_type
            );
            let labels = a.labels.iter().chain(&b.labels).cloned().collect();
            return Some((DecoyKind::MergeMatch, description, vec![cypher], labels));
        }
        // Anchor on the matched end; the other end is another node like the up's other end.
        let (anchor, other_end, anchor_left) = match (left, right) {
            (Some(a), _) => (a, self.end_shape(&link.right), true),
            (None, Some(b)) => (b, self.end_shape(&link.left), false),
            (None, None) => return None,
        };
        let (fresh, other) = (anchor.exact_text("$decoy.anchor"), other_end.other_text("$decoy.node"));
        let pair = |a: &str, o: &str, tag: &str| if anchor_left { arrow(a, o, tag) } else { arrow(o, a, tag) };
        let alternatives = vec![
            format!("CREATE {}", pair(&fresh, &other, &tag)),
            format!("MATCH {} WITH a LIMIT 1 CREATE {}", anchor.exact_match("a"), pair("(a)", &other, &tag)),
        ];
        let description = format!(
            "{} — a :{} relationship that existed before line {line} creates more, from a node it matches to another node",
            pair(&anchor.exact_text(""), &other_end.other_text(""), ""),
            link.rel_type
        );
        let labels = anchor.labels.iter().chain(&other_end.labels).cloned().collect();
        Some((DecoyKind::Related, description, alternatives, labels))
    }
}

/// Whether the migration writes nodes that a match on `shape` would find.
fn writes_like(written: &[Shape], shape: &Shape) -> bool {
    written.iter().any(|c| {
        c.labels.iter().any(|l| shape.labels.contains(l))
            && shape.exact.iter().all(|(k, _)| c.exact.iter().any(|(ck, _)| ck == k) || c.computed.contains(k))
    })
}

fn other_values(shape: &Shape, line: usize, verb: &str) -> Found {
    let description = format!(
        "{} — same labels as a node line {line} {verb}, other values{}",
        shape.other_text(""),
        if shape.absent.is_empty() { String::new() } else { " (its guard excludes it)".to_string() }
    );
    (DecoyKind::OtherValues, description, vec![format!("CREATE {}", shape.other_text("$decoy"))], shape.labels.clone())
}

/// Every decoy's state: its labels and properties and its relationships (a relationship decoy:
/// itself with its end nodes), by decoy id. Non-decoy end nodes show only their labels, so a
/// change the down fails to undo on them is reported by the fingerprint, not blamed on a decoy.
pub type Snapshot = BTreeMap<String, Vec<String>>;

pub async fn plant(db: &Db, decoys: &[Decoy]) -> Result<usize> {
    for d in decoys {
        for cypher in &d.cypher {
            // A decoy that an existing constraint refuses is simply not planted.
            if db.run(query(cypher)).await.is_ok() {
                break;
            }
        }
    }
    Ok(snapshot(db).await?.len())
}

pub async fn snapshot(db: &Db) -> Result<Snapshot> {
    let mut out = Snapshot::new();
    let nodes = db
        .rows(query(&format!(
            "MATCH (n) WHERE n.{TAG} IS NOT NULL RETURN toString(n.{TAG}) AS id, labels(n) AS labels, properties(n) AS props"
        )))
        .await?;
    for row in &nodes {
        let (Ok(id), labels) = (row.get::<String>("id"), row.get::<Vec<String>>("labels").unwrap_or_default()) else {
            continue;
        };
        let props: HashMap<String, BoltType> = row.get("props").unwrap_or_default();
        out.entry(id).or_default().push(fingerprint::node_text(&labels, &props));
    }
    let rels = db
        .rows(query(&format!(
            "MATCH (a)-[r]->(b) WHERE a.{TAG} IS NOT NULL OR b.{TAG} IS NOT NULL OR r.{TAG} IS NOT NULL \
             RETURN toString(a.{TAG}) AS aid, toString(r.{TAG}) AS rid, toString(b.{TAG}) AS bid, type(r) AS type, \
                    properties(r) AS props, labels(a) AS al, properties(a) AS ap, labels(b) AS bl, properties(b) AS bp"
        )))
        .await?;
    for row in &rels {
        let end = |id: &str, labels: &str, props: &str| {
            let labels: Vec<String> = row.get(labels).unwrap_or_default();
            match row.get::<String>(id) {
                Ok(_) => fingerprint::node_text(&labels, &row.get(props).unwrap_or_default()),
                Err(_) => fingerprint::node_text(&labels, &HashMap::new()),
            }
        };
        let props: HashMap<String, BoltType> = row.get("props").unwrap_or_default();
        let t: String = row.get("type").unwrap_or_default();
        let line =
            format!("{}-[:{t} {}]->{}", end("aid", "al", "ap"), fingerprint::map_text(&props), end("bid", "bl", "bp"));
        for id in ["aid", "rid", "bid"].iter().filter_map(|c| row.get::<String>(c).ok()) {
            out.entry(id).or_default().push(line.clone());
        }
    }
    out.values_mut().for_each(|lines| lines.sort());
    Ok(out)
}

/// The first decoy (in planting order) that the down deleted, else the first it changed: a
/// deleted relationship decoy is reported as itself, not as a change to its end nodes.
pub fn first_touched(decoys: &[Decoy], before: &Snapshot, after: &Snapshot) -> Option<Touched> {
    let owned: Vec<(&Decoy, &String, &Vec<String>)> = decoys
        .iter()
        .flat_map(|d| {
            before.iter().filter(|(id, _)| id.split('.').next() == Some(d.id.as_str())).map(move |(id, l)| (d, id, l))
        })
        .collect();
    let deleted =
        owned.iter().find(|(_, id, _)| !after.contains_key(*id)).map(|(d, id, _)| (*d, *id, "deleted".to_string()));
    let (decoy, id, change) = deleted.or_else(|| {
        owned.iter().find_map(|(d, id, lines)| match after.get(*id) {
            Some(now) if now != *lines => {
                Some((*d, *id, format!("changed from {} to {}", lines.join(", "), now.join(", "))))
            }
            _ => None,
        })
    })?;
    Some(Touched { id: id.clone(), kind: decoy.kind, description: decoy.description.clone(), change })
}

/// Deletes every decoy node and relationship, so the next migration starts without them.
pub async fn remove(db: &Db) -> Result<()> {
    db.run(query(&format!("MATCH ()-[r]->() WHERE r.{TAG} IS NOT NULL DELETE r"))).await?;
    db.run(query(&format!("MATCH (n) WHERE n.{TAG} IS NOT NULL DETACH DELETE n"))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlannedStatement;

    fn plan_of(statements: &[(StatementClass, &str)]) -> MigrationPlan {
        let statements = statements
            .iter()
            .enumerate()
            .map(|(i, (kind, text))| PlannedStatement {
                line: i + 1,
                kind: *kind,
                text: text.to_string(),
                batched: None,
                driving_count: None,
            })
            .collect();
        MigrationPlan::for_test("2", "t", vec![statements])
    }

    fn cypher(statements: &[(StatementClass, &str)]) -> Vec<String> {
        synthesise(&plan_of(statements)).into_iter().map(|d| format!("{:?} {}", d.kind, d.cypher.join(" | "))).collect()
    }

    #[test]
    fn created_user_linked_to_matched_role() {
        let got = cypher(&[(
            StatementClass::Data,
            "MATCH (r:Role {uid: 'x'}) CREATE (u:User {uid: 'u1'}) CREATE (u)-[:HAS_ROLE]->(r)",
        )]);
        assert_eq!(
            got,
            vec![
                "Matched WITH 1 AS one WHERE NOT EXISTS { MATCH (x:Role {uid: 'x'}) } CREATE (:Role {uid: 'x', __cymig_decoy: 'd1'})",
                "OtherValues CREATE (:Role {uid: 'x~d2', __cymig_decoy: 'd2'})",
                "OtherValues CREATE (:User {uid: 'u1~d3', __cymig_decoy: 'd3'})",
                "Related CREATE (:User {uid: 'u1~d4', __cymig_decoy: 'd4.node'})-[:HAS_ROLE {__cymig_decoy: 'd4'}]->(:Role {uid: 'x', __cymig_decoy: 'd4.anchor'}) \
                 | MATCH (a:Role {uid: 'x'}) WITH a LIMIT 1 CREATE (:User {uid: 'u1~d4', __cymig_decoy: 'd4.node'})-[:HAS_ROLE {__cymig_decoy: 'd4'}]->(a)",
            ]
        );
    }

    #[test]
    fn guards_give_excluded_values_and_merges_their_match() {
        let got = cypher(&[
            (StatementClass::Data, "MATCH (d:Device) WHERE d.serial = 'a' AND d.norm IS NULL SET d.norm = 1"),
            (StatementClass::Data, "MERGE (c:Country {code: 'FR'}) ON CREATE SET c.name = 'France'"),
        ]);
        assert_eq!(
            got,
            vec![
                "Matched WITH 1 AS one WHERE NOT EXISTS { MATCH (x:Device {serial: 'a'}) } CREATE (:Device {serial: 'a', __cymig_decoy: 'd1'})",
                "OtherValues CREATE (:Device {serial: 'a~d2', norm: '~d2', __cymig_decoy: 'd2'})",
                "OtherValues CREATE (:Country {code: 'FR~d3', __cymig_decoy: 'd3'})",
                "MergeMatch WITH 1 AS one WHERE NOT EXISTS { MATCH (x:Country {code: 'FR'}) } CREATE (:Country {code: 'FR', __cymig_decoy: 'd4'})",
            ]
        );
    }

    #[test]
    fn no_decoy_on_a_label_the_migration_constrains_nor_like_what_it_creates() {
        let got = cypher(&[
            (StatementClass::Schema, "CREATE CONSTRAINT p FOR (p:Person) REQUIRE p.name IS NOT NULL"),
            (StatementClass::Data, "MATCH (p:Person) SET p.x = 1"),
            (
                StatementClass::Data,
                "CREATE (:Currency {code: 'EUR'}) WITH 1 AS one MATCH (e:Currency {code: 'EUR'}) SET e.y = 2",
            ),
        ]);
        assert_eq!(got, vec!["OtherValues CREATE (:Currency {code: 'EUR~d1', __cymig_decoy: 'd1'})",]);
    }

    #[test]
    fn first_touched_names_the_decoy_and_the_change() {
        let decoys = synthesise(&plan_of(&[(StatementClass::Data, "CREATE (:User {uid: 'u1'})")]));
        let before: Snapshot = [("d1".to_string(), vec!["(:User {uid: \"u1~decoy\"})".to_string()])].into();
        assert_eq!(first_touched(&decoys, &before, &before), None);
        let touched = first_touched(&decoys, &before, &Snapshot::new()).unwrap();
        assert_eq!(
            (touched.id.as_str(), touched.kind, touched.change.as_str()),
            ("d1", DecoyKind::OtherValues, "deleted")
        );
    }
}
