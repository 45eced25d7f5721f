use crate::semantic::expr::{as_property_of_variable, conjuncts, is_call_to};
use crate::semantic::part_variables;
use super::*;
use crate::ast::{
    Clause, DropTarget, Expr, ExprKind, RemoveItem, SchemaCommand, SetItem, SingleQuery, StatementKind, UnaryOp,
};
use crate::migration::changelog_xml::ChangelogFormat;
use crate::span::Span;

pub struct Irreversible;

pub static META: RuleMeta = RuleMeta {
    summary: "A statement that cannot be undone, with no explicit down script",
    docs: r#"## What it does
In an up migration without an explicit down script (`U<version>__….cypher` or
`….down.cypher`), flags statements whose inverse cannot be derived. A down script that holds
no statement (empty, or only comments; an empty `-- +migrate Down` section) undoes nothing and
counts as absent:
- `DELETE` / `DETACH DELETE` of existing nodes or relationships;
- `REMOVE` of a property or label of existing entities (not of ones the statement creates,
  `CALL apoc.create.*` results included); a rename — `SET n.b = n.a REMOVE n.a`,
  `SET n:New REMOVE n:Old` — is reversible and not flagged;
- `SET` that overwrites: `n = {…}`, `n += {…}`, or `n.p = …` on existing entities unless the
  statement only touches entities where a property is still null (`WHERE n.p IS NULL`), which
  marks the update as an addition, or the value only fills a missing one
  (`SET n.p = coalesce(n.p, …)`);
- `DROP INDEX/CONSTRAINT name` when no earlier migration defines `name`.

In a Liquibase XML changelog, a `<changeSet>` with a `<rollback>` is not flagged.

Acknowledge a deliberate one-way step with `// cymig:irreversible -- <reason>` on the line
before the statement.

## Why it matters
Rollbacks are what teams reach for during an incident. When a migration cannot be undone, the
only way back is restoring a backup — better to know, and say so, at review time.

## Example
```cypher
MATCH (p:Project) SET p.deadline = date(p.deadline);
```

## Use instead
Write the down script by hand (`U4__convert_deadline.cypher`), keep the old value
(`SET p.deadlineText = p.deadline, p.deadline = date(p.deadline)`), or acknowledge it:
```cypher
// cymig:irreversible -- deadline strings are re-derivable from the audit log
MATCH (p:Project) SET p.deadline = date(p.deadline);
```
"#,
    ..identity::irreversible
};

impl Rule for Irreversible {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let applies = match &cx.role {
            FileRole::Up { has_down, .. } => !has_down,
            FileRole::Standalone => true,
            FileRole::Down { .. } | FileRole::Repeatable | FileRole::Verify | FileRole::Callback | FileRole::Script => {
                false
            }
        };
        // An XML change set with a `<rollback>` has its own way back.
        let rolled_back = cx.set.change_set_of(stmt.span).is_some_and(|c| c.has_rollback);
        if !applies || rolled_back || cx.acknowledged_irreversible(stmt) {
            return;
        }
        let mut problems: Vec<(Span, String)> = Vec::new();
        match &stmt.kind {
            StatementKind::Schema(cmd) => unknown_drop(cx, stmt, cmd, &mut problems),
            StatementKind::Query(q) => {
                for sq in q.single_queries() {
                    single_query_problems(sq, &[], &mut problems);
                }
            }
            _ => {}
        }
        let help = match cx.set.change_sets.first().map(|c| c.format) {
            None => "no down script can be derived: add an explicit down script (U<version>__<description>.cypher), or acknowledge it with `// cymig:irreversible -- <reason>`",
            Some(ChangelogFormat::Liquibase) => "no down script can be derived: give the change set a `<rollback>`, or acknowledge it with `// cymig:irreversible -- <reason>`",
            Some(ChangelogFormat::Liquigraph) => "no down script can be derived and Liquigraph has no rollback: keep what is lost (copy the old value first), or acknowledge it with `// cymig:irreversible -- <reason>`",
        };
        for (span, why) in problems {
            match &cx.set.empty_down {
                // An empty down file reads as "reversible" at a glance: say why it is not.
                Some(empty) => out
                    .report(&META, span, format!("{why}; {empty} is empty, so nothing undoes it"))
                    .help("write the statements that undo it in the down script, or acknowledge it with `// cymig:irreversible -- <reason>`"),
                None => out.report(&META, span, why).help(help),
            };
        }
    }
}

fn unknown_drop(cx: &FileContext, stmt: &Statement, cmd: &SchemaCommand, problems: &mut Vec<(Span, String)>) {
    let catalog = cx.catalog_at(stmt);
    match cmd {
        SchemaCommand::DropIndex(d) => {
            if let DropTarget::Name(n) = &d.target {
                if catalog.index_named(&n.value).is_none() && catalog.constraint_named(&n.value).is_none() {
                    problems.push((
                        d.span,
                        format!("drops index `{}`, whose definition no earlier migration gives", n.value),
                    ));
                }
            }
        }
        SchemaCommand::DropConstraint(d) => {
            if let DropTarget::Name(n) = &d.target {
                if catalog.constraint_named(&n.value).is_none() {
                    problems.push((
                        d.span,
                        format!("drops constraint `{}`, whose definition no earlier migration gives", n.value),
                    ));
                }
            }
        }
        _ => {}
    }
}

fn single_query_problems(sq: &SingleQuery, outer_created: &[String], problems: &mut Vec<(Span, String)>) {
    let clauses = &sq.clauses;
    let mut created: Vec<String> = outer_created.to_vec();
    for c in clauses {
        match c {
            Clause::Create(cr) => {
                for p in &cr.pattern.parts {
                    created.extend(part_variables(p).iter().map(|n| n.value.clone()));
                }
            }
            Clause::Merge(m) => created.extend(part_variables(&m.pattern).iter().map(|n| n.value.clone())),
            // `CALL apoc.create.relationship(…) YIELD rel`: what the procedure creates.
            Clause::CallProcedure(p) => {
                let name = p.procedure.dotted().to_ascii_lowercase();
                if name.starts_with("apoc.create.") || name.starts_with("apoc.merge.") {
                    if let Some(y) = &p.yield_ {
                        created.extend(y.items.iter().map(|i| i.bound_name().value.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    let guards: Vec<&Expr> = clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Match(m) => m.where_.as_ref(),
            Clause::With(w) => w.where_.as_ref(),
            _ => None,
        })
        .flat_map(conjuncts)
        .collect();
    let renamed_from = rename_sources(clauses);
    let label_added: Vec<&str> = clauses
        .iter()
        .filter_map(|c| if let Clause::Set(s) = c { Some(s) } else { None })
        .flat_map(|s| &s.items)
        .filter_map(|i| if let SetItem::Labels { target, .. } = i { Some(target.value.as_str()) } else { None })
        .collect();
    for c in clauses {
        match c {
            Clause::Delete(d) => {
                let existing =
                    d.exprs.iter().any(|e| !matches!(&e.kind, ExprKind::Variable(v) if created.contains(&v.value)));
                if existing {
                    let what = if d.detach { "`DETACH DELETE`" } else { "`DELETE`" };
                    problems.push((d.span, format!("{what} of existing data cannot be undone")));
                }
            }
            Clause::Remove(r) => {
                for item in &r.items {
                    match item {
                        RemoveItem::Property { span, target } => {
                            let Some((v, key)) = as_property_of_variable(target) else { continue };
                            if created.contains(&v.value)
                                || renamed_from.contains(&(v.value.as_str(), key.value.as_str()))
                            {
                                continue;
                            }
                            problems.push((
                                *span,
                                format!("`REMOVE {}.{}` loses the property's values", v.value, key.value),
                            ));
                        }
                        RemoveItem::Labels { span, target, .. } => {
                            if created.contains(&target.value) || label_added.contains(&target.value.as_str()) {
                                continue;
                            }
                            problems.push((
                                *span,
                                format!(
                                    "removing labels from `{}` cannot be undone: nothing marks which nodes had them",
                                    target.value
                                ),
                            ));
                        }
                    }
                }
            }
            Clause::Set(s) => set_problems(&s.items, &created, &guards, &renamed_from, problems),
            Clause::Merge(m) => {
                for a in m.actions.iter().filter(|a| !a.on_create) {
                    set_problems(&a.set.items, &[], &guards, &renamed_from, problems);
                }
            }
            Clause::Foreach(f) => {
                let inner = SingleQuery { span: f.span, clauses: f.clauses.clone() };
                single_query_problems(&inner, &created, problems);
            }
            Clause::CallSubquery(s) => {
                for inner in s.body.single_queries() {
                    single_query_problems(inner, &created, problems);
                }
            }
            _ => {}
        }
    }
}

fn set_problems(
    items: &[SetItem],
    created: &[String],
    guards: &[&Expr],
    renamed_from: &[(&str, &str)],
    problems: &mut Vec<(Span, String)>,
) {
    for item in items {
        match item {
            SetItem::Replace { span, target, .. } | SetItem::Merge { span, target, .. } => {
                if let ExprKind::Variable(v) = &target.kind {
                    if created.contains(&v.value) {
                        continue;
                    }
                }
                let op = if matches!(item, SetItem::Replace { .. }) { "=" } else { "+=" };
                problems.push((*span, format!("`SET … {op} {{…}}` overwrites existing properties")));
            }
            SetItem::Property { span, target, value } => {
                let Some((v, key)) = as_property_of_variable(target) else { continue };
                if created.contains(&v.value) || guarded_as_new(&v.value, guards) || fills_missing(v, key, value) {
                    continue;
                }
                if let Some((src_v, src_key)) = as_property_of_variable(value) {
                    if src_v.value == v.value && renamed_from.contains(&(src_v.value.as_str(), src_key.value.as_str()))
                    {
                        continue; // rename destination
                    }
                }
                problems.push((*span, format!("`SET {}.{}` overwrites existing values", v.value, key.value)));
            }
            SetItem::Labels { .. } => {}
        }
    }
}

/// `SET n.p = coalesce(n.p, …)`: only entities where `n.p` is null change, like a
/// `WHERE n.p IS NULL` guard.
fn fills_missing(var: &crate::ast::Name, key: &crate::ast::Name, value: &Expr) -> bool {
    let ExprKind::FunctionCall { args, .. } = &value.kind else { return false };
    is_call_to(value, "coalesce")
        && args
            .first()
            .and_then(as_property_of_variable)
            .is_some_and(|(v, k)| v.value == var.value && k.value == key.value)
}

/// `(var, prop)` pairs that are copied to another property and then removed: renames.
fn rename_sources(clauses: &[Clause]) -> Vec<(&str, &str)> {
    let mut copied = Vec::new();
    for c in clauses {
        let items = match c {
            Clause::Set(s) => &s.items,
            _ => continue,
        };
        for item in items {
            if let SetItem::Property { target, value, .. } = item {
                if let (Some((tv, _)), Some((sv, sk))) =
                    (as_property_of_variable(target), as_property_of_variable(value))
                {
                    if tv.value == sv.value {
                        copied.push((sv.value.as_str(), sk.value.as_str()));
                    }
                }
            }
        }
    }
    copied
}

/// Whether a WHERE conjunct restricts `var` to entities where some property is still null —
/// the migration-marker idiom that makes the update an addition.
fn guarded_as_new(var: &str, guards: &[&Expr]) -> bool {
    guards.iter().any(|g| is_null_test_of(var, g))
}

fn is_null_test_of(var: &str, e: &Expr) -> bool {
    let of_var = |x: &Expr| as_property_of_variable(x).is_some_and(|(v, _)| v.value == var);
    match &e.kind {
        ExprKind::IsNull { operand, negated: false } => of_var(operand),
        ExprKind::Unary { op: UnaryOp::Not, operand } => match &operand.kind {
            ExprKind::FunctionCall { args, .. } if is_call_to(operand, "exists") => args.first().is_some_and(&of_var),
            ExprKind::IsNull { operand, negated: true } => of_var(operand),
            _ => false,
        },
        _ => false,
    }
}
