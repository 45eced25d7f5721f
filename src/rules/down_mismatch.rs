use super::*;
use crate::undo::compare::{compare_scripts, History, Kind, Script};
use crate::rules::context::DownHistory;
use crate::schema::Catalog;
use crate::span::Span;

pub struct DownMismatch;

pub static META: RuleMeta = RuleMeta {
    summary: "An explicit down script that does not undo its up migration, or undoes more than it did",
    docs: r#"## What it does
Compares the explicit down script (`U<version>__….cypher`, `….down.cypher`, or the section
after `-- +migrate Down`) with its up migration by their *effects*, the comparison
`cymig derive-down --check` makes: the schema model replays the up and then the down, and each
data write is read as what it changes and which entities it reaches (the ones the up created,
ones found by a key, by a pattern, or every entity of a label). It flags a down that
- leaves an up effect in place: an index or constraint the up creates and the down does not
  drop, one the up drops that it does not re-create, nodes, relationships, labels or properties
  the up creates, adds, sets or renames that it never deletes, removes or renames back
  (`DETACH DELETE` of the nodes the up created takes their relationships and labels with them);
- deletes or removes more than the up created: every `:User` when the up created one by key,
  or nodes of a label the up never creates;
- drops an index or constraint that existed before the up (an earlier migration's), or a name
  no migration creates; creates one that did not exist before the up, or one that exists
  already without `IF NOT EXISTS` (Neo4j fails it).

A statement Neo4j rejects is `semantic-error`'s and `undefined-variable`'s finding; what cymig
cannot analyse (an up that writes through a procedure or FOREACH, a label no earlier migration
knows) is left alone. An empty down script is reported by `irreversible`.

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

```cypher
// V4__admin.cypher
CREATE (:User {uid: 'admin', name: 'Admin'});
// U4__admin.cypher: deletes every user, not only the one V4 created
MATCH (u:User) DETACH DELETE u;
```

## Use instead
Undo everything the up does, and nothing else (find created data by the key the up wrote):
```cypher
DROP INDEX customer_name IF EXISTS;
DROP CONSTRAINT customer_email IF EXISTS;
MATCH (u:User {uid: 'admin'}) DETACH DELETE u;
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
        let own_up = pair.own_up.map(|up| crate::undo::compare::to_undo(up, statements_of(cx), cx.directives));
        let up = match (&own_up, &pair.history.up) {
            (Some(statements), _) => Script { statements, text: cx.text(), comments: &cx.script.comments },
            (None, Some((text, statements, comments))) => Script { statements, text, comments },
            (None, None) => return,
        };
        let down = Script { statements: pair.down, text: cx.text(), comments: &cx.script.comments };
        let history = History { before: pair.before, earlier: pair.history.earlier.clone(), later: Vec::new() };
        for f in compare_scripts(&up, &down, &history).findings {
            // A statement Neo4j rejects is semantic-error's and undefined-variable's finding.
            if f.kind == Kind::Rejected {
                continue;
            }
            out.report(&META, f.down.unwrap_or(pair.at), f.message).help(f.fix);
        }
    }
}

fn statements_of<'a>(cx: &FileContext<'a>) -> &'a [Statement] {
    &cx.script.statements
}

/// An up migration, the catalog before it, and the statements of its down script.
struct UpAndDown<'a> {
    before: Catalog,
    /// The up statements when they are in this file (before its down section).
    own_up: Option<&'a [Statement]>,
    history: std::sync::Arc<DownHistory>,
    down: &'a [Statement],
    /// Where findings about something missing from the down point.
    at: Span,
}

/// A down file (its up comes from the set), or an up file with a down section.
fn up_and_down<'a>(cx: &FileContext<'a>) -> Option<UpAndDown<'a>> {
    let statements = &cx.script.statements;
    let history = cx.set.down_history.clone()?;
    match &cx.role {
        FileRole::Down { .. } => {
            let before = (**cx.set.before_up.as_ref()?).clone();
            let at = Span::at(statements.first()?.span.start);
            Some(UpAndDown { before, own_up: None, history, down: statements, at })
        }
        FileRole::Up { .. } => {
            let start = crate::migration::load::in_file_down_start(cx.script)?;
            let (up, down) = statements.split_at(start.min(statements.len()));
            let at = Span::at(down.first()?.span.start);
            Some(UpAndDown { before: cx.catalog_before.clone(), own_up: Some(up), history, down, at })
        }
        _ => None,
    }
}
