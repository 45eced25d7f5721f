use super::*;

pub struct SyntaxError;

pub static META: RuleMeta = RuleMeta {
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
    ..identity::syntax_error
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
        // Cypher in a procedure string is only parsed by Neo4j when the procedure runs, and may
        // be meant for another version: not checked, said softly.
        for stmt in &cx.script.statements {
            for (call, embedding) in crate::visit::embedded_cypher(stmt) {
                for e in &embedding.errors {
                    let message = format!(
                        "the Cypher in this `{}` string is not checked: {}",
                        call.procedure.dotted(),
                        e.message
                    );
                    out.report(&META, e.span, message).severity(Severity::Info);
                }
            }
        }
        // Invalid UTF-8 and the like, found when the file was read.
        cx.set.report(&META, out);
    }
}
