use super::legacy_constraint_syntax::{entity_pattern, removed_message, soften_on_44};
use super::text::quote_name;
use crate::span::tight;
use super::*;
use crate::ast::{CreateIndex, DropTarget, SchemaCommand, StatementKind};
use crate::diagnostic::Edit;

pub struct LegacyIndexSyntax;

pub static META: RuleMeta = RuleMeta {
    summary: "4.x `CREATE/DROP INDEX ON :Label(prop)`",
    docs: r#"## What it does
Flags `CREATE INDEX ON :Label(prop)` and `DROP INDEX ON :Label(prop)`. An error when targeting
Neo4j 5 or later (removed), a warning on 4.4 (deprecated).

## Why it matters
Neo4j 5 rejects the statement; and since 5.0 indexes are dropped by name only.

## Example
```cypher
CREATE INDEX ON :Person(name);
DROP INDEX ON :Person(name);
```

## Use instead
```cypher
CREATE INDEX person_name_index IF NOT EXISTS FOR (n:Person) ON (n.name);
DROP INDEX person_name_index IF EXISTS;
```
The fix rewrites `CREATE` into the `FOR … ON` form, and a legacy `DROP` into a drop by name when
an earlier migration defines the index with a name.
"#,
    ..identity::legacy_index_syntax
};

impl Rule for LegacyIndexSyntax {
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
        if cx.settings.before_4_4 {
            return; // guarded to run before 4.4, where this syntax is current
        }
        let StatementKind::Schema(cmd) = &stmt.kind else { return };
        match cmd {
            SchemaCommand::CreateIndex(c) if c.legacy.is_some() => {
                let d = out.report(&META, c.span, removed_message(cx, "`CREATE INDEX ON :Label(prop)`"));
                soften_on_44(cx, d);
                let modern = modern_create(cx, c);
                d.help(format!("use `{modern}`"));
                d.fix(Fix::safe("rewrite as `FOR … ON`", vec![Edit::replace(tight(cx.text(), c.span), modern)]));
            }
            SchemaCommand::DropIndex(di) => {
                let DropTarget::LegacyDefinition { entity, properties, .. } = &di.target else { return };
                let d = out.report(&META, di.span, removed_message(cx, "`DROP INDEX ON :Label(prop)`"));
                soften_on_44(cx, d);
                let catalog = cx.catalog_at(stmt);
                let label = entity.labels.first().map(|l| l.value.as_str()).unwrap_or("");
                let props: Vec<&str> = properties.iter().map(|p| p.key.value.as_str()).collect();
                match catalog.index_defined_as(label, &props).and_then(|i| i.name.clone()) {
                    Some(name) => {
                        let text = format!("DROP INDEX {} IF EXISTS", quote_name(&name));
                        d.help(format!("indexes are dropped by name since Neo4j 5: `{text}`"));
                        d.fix(Fix::safe("drop it by name", vec![Edit::replace(tight(cx.text(), di.span), text)]));
                    }
                    None => {
                        d.help("indexes are dropped by name since Neo4j 5: look the name up with `SHOW INDEXES` and write `DROP INDEX <name> IF EXISTS`");
                    }
                }
            }
            _ => {}
        }
    }
}

fn modern_create(cx: &FileContext, c: &CreateIndex) -> String {
    let var = "n";
    let mut s = String::from("CREATE INDEX");
    if let Some(n) = &c.name {
        s.push(' ');
        s.push_str(cx.slice(n.span));
    }
    if c.if_not_exists {
        s.push_str(" IF NOT EXISTS");
    }
    s.push_str(" FOR ");
    s.push_str(&entity_pattern(&c.entity, var));
    let props: Vec<String> = c.properties.iter().map(|p| format!("{var}.{}", quote_name(&p.key.value))).collect();
    s.push_str(&format!(" ON ({})", props.join(", ")));
    if let Some(o) = &c.options {
        s.push_str(" OPTIONS ");
        s.push_str(cx.slice(o.span));
    }
    s
}
