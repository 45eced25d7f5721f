use super::text::{find_keyword, keywords_span};
use crate::semantic::rerunnable;
use super::*;
use crate::ast::{DropTarget, EmbeddedCypher, SchemaCommand, StatementKind};
use crate::diagnostic::Edit;
use std::collections::HashSet;

pub struct RequireIfNotExists;

pub static META: RuleMeta = RuleMeta {
    summary: "CREATE INDEX/CONSTRAINT without IF NOT EXISTS",
    docs: r#"## What it does
Flags `CREATE INDEX` and `CREATE CONSTRAINT` commands without `IF NOT EXISTS`.

## Why it matters
Schema commands cannot share a transaction with anything else, so a migration that fails after
its first schema command has already created it. The re-run then stops at once with
`Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists` (or `IndexAlreadyExists` /
`ConstraintAlreadyExists`), and someone has to fix the database by hand.

## Example
```cypher
CREATE CONSTRAINT person_id FOR (p:Person) REQUIRE p.id IS UNIQUE;
```

## Use instead
```cypher
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;
```
The fix inserts `IF NOT EXISTS` after the name (or after `INDEX`/`CONSTRAINT`).

## Left alone
- A `CREATE` of a name that the same file drops with `DROP … IF EXISTS` before it: the pair
  re-runs cleanly.
- A script run by hand (a `.cypher` file with no migration beside it) that cannot be re-run
  anyway, because it also creates data, and a script under a test directory (`test/`, `tests/`,
  `src/test/resources/`, …), which its test loads into a fresh database.
"#,
    ..identity::require_if_not_exists
};

impl Rule for RequireIfNotExists {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        // The file hook follows the drops before each CREATE; the statement hook is only there
        // so that Cypher in procedure strings (`apoc.cypher.runSchema`) is checked too.
        Hooks { file: true, statement: true, clause: false, expr: false }
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_embedded(&self, cx: &FileContext, stmt: &Statement, _: &EmbeddedCypher, out: &mut Findings) {
        if let StatementKind::Schema(cmd) = &stmt.kind {
            if !is_one_shot_script(cx) {
                check_create(cx, cmd, &HashSet::new(), out);
            }
        }
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        if is_one_shot_script(cx) {
            return;
        }
        // Names dropped with `IF EXISTS` earlier in the file: a `CREATE` of that name right after
        // can never meet an existing object, and the pair re-runs cleanly.
        let mut dropped: HashSet<(&str, &str)> = HashSet::new();
        for stmt in &cx.script.statements {
            let StatementKind::Schema(cmd) = &stmt.kind else { continue };
            match cmd {
                SchemaCommand::DropIndex(d) if d.if_exists => note_drop(&mut dropped, "INDEX", &d.target),
                SchemaCommand::DropConstraint(d) if d.if_exists => note_drop(&mut dropped, "CONSTRAINT", &d.target),
                _ => check_create(cx, cmd, &dropped, out),
            }
        }
    }
}

fn note_drop<'a>(dropped: &mut HashSet<(&'static str, &'a str)>, keyword: &'static str, target: &'a DropTarget) {
    if let DropTarget::Name(n) = target {
        dropped.insert((keyword, n.value.as_str()));
    }
}

fn check_create(cx: &FileContext, cmd: &SchemaCommand, dropped: &HashSet<(&str, &str)>, out: &mut Findings) {
    let (span, name, keyword, what) = match cmd {
        SchemaCommand::CreateIndex(c) if !c.if_not_exists && c.legacy.is_none() => {
            (c.span, c.name.as_ref(), "INDEX", "index")
        }
        SchemaCommand::CreateConstraint(c) if !c.if_not_exists && c.legacy.is_none() => {
            (c.span, c.name.as_ref(), "CONSTRAINT", "constraint")
        }
        _ => return,
    };
    if name.is_some_and(|n| dropped.contains(&(keyword, n.value.as_str()))) {
        return;
    }
    let keywords = keywords_span(cx.text(), span, keyword);
    let at = name.map(|n| n.span.end).or_else(|| find_keyword(cx.text(), span, keyword).map(|k| k.end));
    let d = out.report(&META, keywords, format!("`CREATE {keyword}` without `IF NOT EXISTS`"));
    d.help(format!(
        "a re-run after a partial failure stops with \"{what} already exists\"; add `IF NOT EXISTS` so the command is idempotent"
    ));
    if let Some(at) = at {
        d.fix(Fix::safe("insert `IF NOT EXISTS`", vec![Edit::insert(at, " IF NOT EXISTS")]));
    }
}

/// A script run by hand (not a migration) is only ever run again when the rest of it can be:
/// one that also creates data (`CREATE (:Person …)`) duplicates it on a second run, and a
/// fixture under a test directory is loaded into a fresh database by its test. For those,
/// `IF NOT EXISTS` alone buys no re-runnability, so the finding would only be noise.
fn is_one_shot_script(cx: &FileContext) -> bool {
    cx.role == FileRole::Script
        && (cx.is_test_fixture()
            || cx.script.statements.iter().any(|s| matches!(s.kind, StatementKind::Query(_)) && !rerunnable(s)))
}
