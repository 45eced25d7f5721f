use super::*;
use crate::schema::{Catalog, SchemaEvent, SchemaObject};
use crate::span::Span;

pub struct DownMismatch;

pub static META: RuleMeta = RuleMeta {
    summary: "An explicit down script that does not undo the schema changes of its up migration",
    docs: r#"## What it does
Replays the up migration and then its explicit down script (`U<version>__….cypher`,
`….down.cypher`, or the section after `-- +migrate Down`) on the schema model, and flags a down
that does not bring the indexes and constraints back to where they were:
- an index or constraint the up creates and the down does not drop;
- one the up drops (its definition known from an earlier migration) that the down does not
  re-create;
- one the down drops that existed before the up and that the up did not touch.

Only what the schema model knows exactly is compared: indexes and constraints, by name or by
schema. Data changes are `cymig derive-down --check`'s business; an empty down script is
reported by `irreversible`.

## Why it matters
A down script is what a rollback runs during an incident. One that leaves the up's index
behind makes the next `up` fail (`An equivalent index already exists`), and one that drops an
older constraint silently removes a guarantee the application relies on.

## Example
```cypher
// V3__customer_email.cypher
CREATE CONSTRAINT customer_email IF NOT EXISTS FOR (c:Customer) REQUIRE c.email IS UNIQUE;
CREATE INDEX customer_name IF NOT EXISTS FOR (c:Customer) ON (c.name);
// U3__customer_email.cypher
DROP CONSTRAINT customer_email IF EXISTS;
```

## Use instead
Drop everything the up creates, and nothing else:
```cypher
DROP INDEX customer_name IF EXISTS;
DROP CONSTRAINT customer_email IF EXISTS;
```
"#,
    ..identity::down_mismatch
};

impl Rule for DownMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        let Some(pair) = up_and_down(cx) else { return };
        if pair.down.is_empty() || !cx.script.errors.is_empty() {
            return;
        }
        let (after_down, drops) = replay(&pair.after_up, pair.down, cx);
        for (span, message) in mismatches(&pair.before, &pair.after_up, &after_down, &drops, pair.at) {
            out.report(&META, span, message).help(
                "a rollback must leave the schema as it was before the up migration: drop what the up creates and re-create what it drops",
            );
        }
    }
}

/// The catalogs around an up migration and the statements of its down script.
struct UpAndDown<'a> {
    before: Catalog,
    after_up: Catalog,
    down: &'a [Statement],
    /// Where findings about something missing from the down point.
    at: Span,
}

/// A down file (its up's catalogs come from the set), or an up file with a down section.
fn up_and_down<'a>(cx: &FileContext<'a>) -> Option<UpAndDown<'a>> {
    let statements = &cx.script.statements;
    match &cx.role {
        FileRole::Down { .. } => {
            let before = (**cx.set.before_up.as_ref()?).clone();
            let at = Span::at(statements.first()?.span.start);
            Some(UpAndDown { before, after_up: cx.catalog_before.clone(), down: statements, at })
        }
        FileRole::Up { .. } => {
            let start = crate::migration::load::in_file_down_start(cx.script)?;
            let (up, down) = statements.split_at(start.min(statements.len()));
            let mut after_up = cx.catalog_before.clone();
            after_up.apply_script_statements(&cx.script.comments, up, cx.text(), None);
            let at = Span::at(down.first()?.span.start);
            Some(UpAndDown { before: cx.catalog_before.clone(), after_up, down, at })
        }
        _ => None,
    }
}

/// The catalog once the down ran, and what each of its statements dropped.
fn replay(after_up: &Catalog, down: &[Statement], cx: &FileContext) -> (Catalog, Vec<(Span, SchemaObject)>) {
    let mut catalog = after_up.clone();
    let mut drops = Vec::new();
    for statement in down {
        let event = catalog.apply_statement_in(&cx.script.comments, statement, cx.text(), None);
        if let Some(SchemaEvent::Dropped { object, .. }) = event {
            drops.push((statement.span, object));
        }
    }
    (catalog, drops)
}

fn mismatches(
    before: &Catalog,
    after_up: &Catalog,
    after_down: &Catalog,
    drops: &[(Span, SchemaObject)],
    at: Span,
) -> Vec<(Span, String)> {
    let mut found = Vec::new();
    for object in after_up.iter().filter(|o| !holds(before, o) && holds(after_down, o)) {
        found.push((
            at,
            format!("the up migration creates {}, which this down script does not drop", object.describe()),
        ));
    }
    for object in before.iter().filter(|o| !holds(after_down, o)) {
        if !holds(after_up, object) {
            let message =
                format!("the up migration drops {}, which this down script does not re-create", object.describe());
            found.push((at, message));
            continue;
        }
        let dropped_here = drops.iter().find(|(_, d)| same_object(d, object));
        if let Some((span, _)) = dropped_here {
            let message =
                format!("drops {}, which existed before the up migration and is not one it creates", object.describe());
            found.push((*span, message));
        }
    }
    found
}

/// Whether `catalog` has `object`, under its name or on its schema (a down that re-creates an
/// index under another name still restores what queries rely on).
fn holds(catalog: &Catalog, object: &SchemaObject) -> bool {
    let named = object.name.as_deref().and_then(|name| match object.kind.is_index() {
        true => catalog.index_named(name),
        false => catalog.constraint_named(name),
    });
    named.is_some() || catalog.equivalent(object).is_some()
}

fn same_object(a: &SchemaObject, b: &SchemaObject) -> bool {
    (a.name.is_some() && a.name == b.name && a.kind.is_index() == b.kind.is_index()) || a.same_schema(b)
}
