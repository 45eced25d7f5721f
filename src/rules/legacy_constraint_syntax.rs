use super::text::quote_name;
use crate::span::tight;
use super::*;
use crate::ast::{
    ConstraintKind, CreateConstraint, DropTarget, EntityKind, PropertyRef, SchemaCommand, SchemaEntity, StatementKind,
};
use crate::diagnostic::Edit;

pub struct LegacyConstraintSyntax;

pub static META: RuleMeta = RuleMeta {
    summary: "4.x `CREATE/DROP CONSTRAINT ON … ASSERT …`",
    docs: r#"## What it does
Flags the 4.x constraint syntax `CREATE CONSTRAINT [name] ON (n:L) ASSERT …` (including
`ASSERT exists(n.p)`) and `DROP CONSTRAINT ON … ASSERT …`. An error when targeting Neo4j 5 or
later, where the syntax was removed; a warning on 4.4, where it is deprecated.

## Why it matters
Neo4j 5 rejects the statement, so the migration set cannot be applied to a new database after
an upgrade. Since 5.0 constraints are dropped by name only.

## Example
```cypher
CREATE CONSTRAINT ON (p:Person) ASSERT p.email IS UNIQUE;
DROP CONSTRAINT ON (p:Person) ASSERT p.email IS UNIQUE;
```

## Use instead
```cypher
CREATE CONSTRAINT person_email_unique IF NOT EXISTS FOR (p:Person) REQUIRE p.email IS UNIQUE;
DROP CONSTRAINT person_email_unique IF EXISTS;
```
The fix rewrites `CREATE` into the `FOR … REQUIRE` form, and a legacy `DROP` into a drop by
name when an earlier migration defines the constraint with a name.
"#,
    ..identity::legacy_constraint_syntax
};

impl Rule for LegacyConstraintSyntax {
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
            SchemaCommand::CreateConstraint(c) if c.legacy.is_some() => {
                let d = out.report(
                    &META,
                    c.legacy.unwrap_or(c.span),
                    removed_message(cx, "`ON … ASSERT` constraint syntax"),
                );
                soften_on_44(cx, d);
                let modern = modern_create(cx, c);
                d.help(format!("use `{modern}`"));
                d.fix(Fix::safe("rewrite as `FOR … REQUIRE`", vec![Edit::replace(tight(cx.text(), c.span), modern)]));
            }
            SchemaCommand::DropConstraint(dc) => {
                let DropTarget::LegacyDefinition { span, entity, properties, .. } = &dc.target else { return };
                let d = out.report(&META, *span, removed_message(cx, "dropping a constraint by definition"));
                soften_on_44(cx, d);
                let catalog = cx.catalog_at(stmt);
                let label = entity.labels.first().map(|l| l.value.as_str()).unwrap_or("");
                let props: Vec<&str> = properties.iter().map(|p| p.key.value.as_str()).collect();
                match catalog.constraint_defined_as(label, &props).and_then(|c| c.name.clone()) {
                    Some(name) => {
                        let text = format!("DROP CONSTRAINT {} IF EXISTS", quote_name(&name));
                        d.help(format!("constraints are dropped by name since Neo4j 5: `{text}`"));
                        d.fix(Fix::safe("drop it by name", vec![Edit::replace(tight(cx.text(), dc.span), text)]));
                    }
                    None => {
                        d.help("constraints are dropped by name since Neo4j 5: look the name up with `SHOW CONSTRAINTS` and write `DROP CONSTRAINT <name> IF EXISTS`");
                    }
                }
            }
            _ => {}
        }
    }
}

pub fn removed_message(cx: &FileContext, what: &str) -> String {
    if cx.settings.target == Target::V4_4 {
        format!("{what} is deprecated in Neo4j 4.4 and removed in 5")
    } else {
        format!("{what} was removed in Neo4j 5")
    }
}

pub fn soften_on_44(cx: &FileContext, d: &mut crate::diagnostic::Diagnostic) {
    if cx.settings.target == Target::V4_4 {
        d.severity(Severity::Warning);
    }
}

fn modern_create(cx: &FileContext, c: &CreateConstraint) -> String {
    let var = c.entity.variable.as_ref().map(|v| v.value.clone()).unwrap_or_else(|| "n".into());
    let mut s = String::from("CREATE CONSTRAINT");
    if let Some(n) = &c.name {
        s.push(' ');
        s.push_str(cx.slice(n.span));
    }
    if c.if_not_exists {
        s.push_str(" IF NOT EXISTS");
    }
    s.push_str(" FOR ");
    s.push_str(&entity_pattern(&c.entity, &var));
    s.push_str(" REQUIRE ");
    s.push_str(&property_list(&c.properties, &var));
    s.push_str(match &c.kind {
        ConstraintKind::Unique => " IS UNIQUE",
        ConstraintKind::NodeKey => " IS NODE KEY",
        ConstraintKind::RelationshipKey => " IS RELATIONSHIP KEY",
        ConstraintKind::NotNull => " IS NOT NULL",
        ConstraintKind::PropertyType(_) => "",
    });
    if let ConstraintKind::PropertyType(t) = &c.kind {
        s.push_str(&format!(" IS :: {t}"));
    }
    if let Some(o) = &c.options {
        s.push_str(" OPTIONS ");
        s.push_str(cx.slice(o.span));
    }
    s
}

pub fn entity_pattern(e: &SchemaEntity, var: &str) -> String {
    let labels = e.labels.iter().map(|l| quote_name(&l.value)).collect::<Vec<_>>().join("|");
    match e.kind {
        EntityKind::Node => format!("({}:{labels})", quote_name(var)),
        EntityKind::Relationship => format!("()-[{}:{labels}]-()", quote_name(var)),
    }
}

pub fn property_list(props: &[PropertyRef], var: &str) -> String {
    let items: Vec<String> =
        props.iter().map(|p| format!("{}.{}", quote_name(var), quote_name(&p.key.value))).collect();
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("({})", items.join(", "))
    }
}
