//! `MERGE … ON MATCH SET` a marker or a counter: the MERGE's nodes split, after the up, into
//! those it created and those it matched, by the value ON MATCH wrote.

use super::{Inverter, Unit};
use crate::ast::{Clause, Expr, ExprKind, Literal};
use crate::expr::{is_deterministic, literal_text};
use crate::schema::effects::{label_names, Write};
use crate::schema::quote_name;

/// What an `ON MATCH SET` wrote on the nodes the MERGE matched.
#[derive(Debug)]
pub(super) enum OnMatch {
    /// `n.key = <literal>`.
    Marker { key: String, value: String },
    /// `n.key = coalesce(n.key, 0) + 1`.
    Counter { key: String },
}

impl OnMatch {
    fn key(&self) -> &str {
        match self {
            OnMatch::Marker { key, .. } | OnMatch::Counter { key } => key,
        }
    }
}

/// The one node a single-row MERGE statement merges: its variable, `(v:Labels {keys})`, the
/// labels and the keys' names.
pub(super) struct MergedNode {
    pub(super) var: String,
    pub(super) pattern: String,
    pub(super) labels: Vec<String>,
    keys: Vec<String>,
}

impl Inverter<'_, '_> {
    /// Classifies the `ON MATCH SET` writes of a statement that is one MERGE of one node with
    /// literal keys (and a RETURN). Identity: every node with those labels and keys after the up
    /// was either created by it or matched by it, and only the matched ones carry the ON MATCH
    /// value (a marker literal, or a counter that `coalesce` makes non-null), which neither the
    /// key map nor ON CREATE writes. Anything else ON MATCH writes overwrites what the matched
    /// nodes had: refused.
    pub(super) fn merge_on_match(&mut self, done: &mut [bool]) -> Result<(), String> {
        let writes = &self.a.writes;
        let on_match: Vec<usize> = (0..writes.len())
            .filter(|&i| matches!(&writes[i], Write::SetProperty { merge_action: Some(false), .. }))
            .collect();
        if on_match.is_empty() {
            return Ok(());
        }
        let node = self.merged_node().ok_or(
            "`ON MATCH SET` of a MERGE that is not the statement's only clause, or merges more than one node by literal keys: the matched entities' old values are lost",
        )?;
        let mut found: Vec<OnMatch> = Vec::new();
        for i in on_match {
            let Write::SetProperty { var, key, value, .. } = &writes[i] else { continue };
            if *var != node.var {
                return Err(format!("`ON MATCH SET {var}.{key}` changes an entity cymig cannot find again"));
            }
            let written_on_create = writes.iter().any(|w| match w {
                Write::SetProperty { key: k, merge_action: Some(true), .. } => k == key,
                Write::SetMap { .. } => true,
                _ => false,
            });
            if node.keys.contains(key) || written_on_create || found.iter().any(|f| f.key() == key) {
                return Err(format!(
                    "`ON MATCH SET {var}.{key}` writes a property that the created nodes get too: it does not tell them from the matched ones"
                ));
            }
            if self.overwrites(var, key) {
                return Err(format!(
                    "`ON MATCH SET {var}.{key}` overwrites `{key}`, which {} already wrote: the previous values are lost",
                    self.earlier_writers(var, key)
                ));
            }
            found.push(self.on_match_kind(var, key, value).ok_or_else(|| {
                format!(
                    "`ON MATCH SET {var}.{key}` is neither a literal marker nor a `coalesce({var}.{key}, 0) + 1` counter: the matched nodes' old values are lost"
                )
            })?);
            done[i] = true;
        }
        self.on_match = found;
        Ok(())
    }

    fn on_match_kind(&self, var: &str, key: &str, value: &Expr) -> Option<OnMatch> {
        if !matches!(&value.kind, ExprKind::Literal(Literal::Null)) {
            if let Some(v) = literal_text(value, self.text) {
                return Some(OnMatch::Marker { key: key.to_string(), value: v });
            }
        }
        let ExprKind::Binary { op: crate::ast::BinaryOp::Add, lhs, rhs } = &value.kind else { return None };
        let one = matches!(&rhs.kind, ExprKind::Literal(Literal::Integer(1)));
        let ExprKind::FunctionCall { name, args, .. } = &lhs.kind else { return None };
        let [current, zero] = args.as_slice() else { return None };
        let own = matches!(&current.kind, ExprKind::Property { subject, key: k }
            if k.value == key && matches!(&subject.kind, ExprKind::Variable(v) if v.value == var));
        let zero = matches!(&zero.kind, ExprKind::Literal(Literal::Integer(0)));
        (one && own && zero && name.dotted().eq_ignore_ascii_case("coalesce"))
            .then(|| OnMatch::Counter { key: key.to_string() })
    }

    /// The node of a statement made of one MERGE of one labelled node with literal keys, and
    /// an optional RETURN: it runs once.
    pub(super) fn merged_node(&self) -> Option<MergedNode> {
        let [Clause::Merge(m), rest @ ..] = self.clauses else { return None };
        if !rest.iter().all(|c| matches!(c, Clause::Return(_))) {
            return None;
        }
        let [crate::ast::PathElement::Node(n)] = m.pattern.path.elements.as_slice() else { return None };
        let var = n.variable.as_ref()?.value.clone();
        let labels = label_names(n.labels.as_ref());
        let ExprKind::Map(map) = &n.properties.as_ref()?.kind else { return None };
        let literal = |e: &Expr| is_deterministic(e) && crate::expr::variables(e).is_empty();
        if labels.is_empty() || map.entries.is_empty() || !map.entries.iter().all(|e| literal(&e.value)) {
            return None;
        }
        let label_text: String = labels.iter().map(|l| format!(":{}", quote_name(l))).collect();
        let props: Vec<String> = map
            .entries
            .iter()
            .map(|e| format!("{}: {}", quote_name(&e.key.value), e.value.span.text(self.text)))
            .collect();
        let keys = map.entries.iter().map(|e| e.key.value.clone()).collect();
        Some(MergedNode { pattern: format!("({var}{label_text} {{{}}})", props.join(", ")), var, labels, keys })
    }

    /// The MERGE's created nodes: those with its labels and keys that lack every ON MATCH value.
    pub(super) fn merge_created_unit(&self) -> Option<Unit> {
        let node = self.merged_node().filter(|_| !self.on_match.is_empty())?;
        let v = &node.var;
        let absent: Vec<String> =
            self.on_match.iter().map(|o| format!("{v}.{} IS NULL", quote_name(o.key()))).collect();
        Some(Unit {
            prelude: vec![format!("MATCH {}", node.pattern), format!("WHERE {}", absent.join(" AND "))],
            writes: vec![format!("DETACH DELETE {v}")],
            vars: vec![v.clone()],
            ret: None,
            notes: Vec::new(),
            destructive: true,
        })
    }

    /// The ON MATCH writes undone on the matched nodes (run after the created ones are deleted,
    /// so every node left with the MERGE's labels and keys is one it matched).
    pub(super) fn merge_matched_unit(&self) -> Option<Unit> {
        let node = self.merged_node().filter(|_| !self.on_match.is_empty())?;
        let v = &node.var;
        let words = format!(":{}", node.labels.join(":"));
        let (mut sets, mut removes, mut notes) = (Vec::new(), Vec::new(), Vec::new());
        for o in &self.on_match {
            let key = quote_name(o.key());
            match o {
                OnMatch::Marker { key: k, value } => {
                    removes.push(format!("{v}.{key}"));
                    notes.push(format!(
                        "Assumption: the {words} the MERGE matched had no `{k}` before this migration (ON MATCH set it to {value})"
                    ));
                }
                OnMatch::Counter { key: k } => {
                    sets.push(format!("{v}.{key} = CASE {v}.{key} WHEN 1 THEN null ELSE {v}.{key} - 1 END"));
                    notes.push(format!(
                        "Assumption: the {words} the MERGE matched had no `{k}` = 0 before this migration (no value and 0 both became 1, which is undone to no value)"
                    ));
                }
            }
        }
        let mut writes = Vec::new();
        if !sets.is_empty() {
            writes.push(format!("SET {}", sets.join(", ")));
        }
        if !removes.is_empty() {
            writes.push(format!("REMOVE {}", removes.join(", ")));
        }
        Some(Unit {
            prelude: vec![format!("MATCH {}", node.pattern)],
            writes,
            vars: vec![v.clone()],
            ret: None,
            notes,
            destructive: true,
        })
    }
}
