use super::text::keywords_span;
use super::*;
use crate::ast::{DropTarget, SchemaCommand, StatementKind};
use crate::diagnostic::Edit;

pub struct RequireIfExists;

pub static META: RuleMeta = RuleMeta {
    summary: "DROP INDEX/CONSTRAINT without IF EXISTS",
    docs: r#"## What it does
Flags `DROP INDEX name` and `DROP CONSTRAINT name` without `IF EXISTS`.

## Why it matters
A re-run of a migration that failed after the drop, or a down script run against a database
where the object was never created, fails with "no such index/constraint" and blocks the rest of
the migration or rollback.

## Example
```cypher
DROP INDEX person_name;
```

## Use instead
```cypher
DROP INDEX person_name IF EXISTS;
```
The fix appends `IF EXISTS` after the name.
"#,
    ..identity::require_if_exists
};

impl Rule for RequireIfExists {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::STATEMENT
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_statement(&self, cx: &FileContext, stmt: &Statement, out: &mut Findings) {
        let StatementKind::Schema(cmd) = &stmt.kind else { return };
        let (span, target, keyword) = match cmd {
            SchemaCommand::DropIndex(d) if !d.if_exists => (d.span, &d.target, "INDEX"),
            SchemaCommand::DropConstraint(d) if !d.if_exists => (d.span, &d.target, "CONSTRAINT"),
            _ => return,
        };
        let DropTarget::Name(name) = target else { return };
        let d =
            out.report(&META, keywords_span(cx.text(), span, keyword), format!("`DROP {keyword}` without `IF EXISTS`"));
        d.help(
            "the drop fails when the object is already gone (a re-run, or a rollback of a partially applied migration)",
        );
        d.fix(Fix::safe("append `IF EXISTS`", vec![Edit::insert(name.span.end, " IF EXISTS")]));
    }
}
