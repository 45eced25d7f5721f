use super::*;

pub struct SyntaxError;

pub static META: RuleMeta = RuleMeta {
    name: "syntax-error",
    code: "CM001",
    severity: Severity::Error,
    category: Category::Correctness,
    summary: "A statement that does not parse",
    docs: r#"## What it does
Reports every statement the parser rejects, at the token where parsing stopped. A bad
statement does not hide the others: the rest of the file is still parsed and linted.

## Why it matters
Neo4j rejects the whole statement; a migration runner that splits on `;` then fails halfway
through the migration, leaving the database partially migrated.

## Example
```cypher
MATCH (n:Person {name: 'Ann'}
SET n.active = true;
```

## Use instead
```cypher
MATCH (n:Person {name: 'Ann'})
SET n.active = true;
```
"#,
    fixable: false,
};

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        for e in &cx.script.errors {
            out.report(&META, e.span, e.message.clone());
        }
        // Invalid UTF-8 and the like, found when the file was read.
        cx.set.report(&META, out);
    }
}
