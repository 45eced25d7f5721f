use super::util::{find_keyword, keywords_span};
use super::*;
use crate::ast::{SchemaCommand, StatementKind};
use crate::diagnostic::Edit;

pub struct RequireIfNotExists;

pub static META: RuleMeta = RuleMeta {
    name: "require-if-not-exists",
    code: "CM002",
    severity: Severity::Warning,
    category: Category::Robustness,
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
"#,
    fixable: true,
};

impl Rule for RequireIfNotExists {
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
        let (span, name_end, keyword, what) = match cmd {
            SchemaCommand::CreateIndex(c) if !c.if_not_exists && c.legacy.is_none() => {
                (c.span, c.name.as_ref().map(|n| n.span.end), "INDEX", "index")
            }
            SchemaCommand::CreateConstraint(c) if !c.if_not_exists && c.legacy.is_none() => {
                (c.span, c.name.as_ref().map(|n| n.span.end), "CONSTRAINT", "constraint")
            }
            _ => return,
        };
        let keywords = keywords_span(cx.text(), span, keyword);
        let at = name_end.or_else(|| find_keyword(cx.text(), span, keyword).map(|k| k.end));
        let d = out.report(&META, keywords, format!("`CREATE {keyword}` without `IF NOT EXISTS`"));
        d.help(format!(
            "a re-run after a partial failure stops with \"{what} already exists\"; add `IF NOT EXISTS` so the command is idempotent"
        ));
        if let Some(at) = at {
            d.fix(Fix::safe("insert `IF NOT EXISTS`", vec![Edit::insert(at, " IF NOT EXISTS")]));
        }
    }
}
