use super::text::{find_keyword, keywords_span, snake_case};
use super::*;
use crate::ast::{ConstraintKind, IndexKind, PropertyRef, SchemaCommand, SchemaEntity, StatementKind};
use crate::diagnostic::Edit;

pub struct RequireSchemaName;

pub static META: RuleMeta = RuleMeta {
    summary: "Unnamed index or constraint",
    docs: r#"## What it does
Flags `CREATE INDEX` / `CREATE CONSTRAINT` without a name, and suggests a conventional one
(`<label>_<properties>_<kind>`, e.g. `person_email_unique`).

## Why it matters
Neo4j generates a name such as `constraint_1f3a9b2c` when none is given. Since Neo4j 5.0 indexes
and constraints can only be dropped by name, so no down script can be written or derived
without first looking the generated name up in each database — and it differs between
databases.

## Example
```cypher
CREATE CONSTRAINT IF NOT EXISTS FOR (p:Person) REQUIRE p.email IS UNIQUE;
```

## Use instead
```cypher
CREATE CONSTRAINT person_email_unique IF NOT EXISTS FOR (p:Person) REQUIRE p.email IS UNIQUE;
```
"#,
    ..identity::require_schema_name
};

impl Rule for RequireSchemaName {
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
        let (span, keyword, name) = match cmd {
            SchemaCommand::CreateIndex(c) if c.name.is_none() && c.legacy.is_none() => {
                (c.span, "INDEX", conventional_name(&c.entity, &c.properties, index_suffix(c.kind)))
            }
            SchemaCommand::CreateConstraint(c) if c.name.is_none() && c.legacy.is_none() => {
                (c.span, "CONSTRAINT", conventional_name(&c.entity, &c.properties, constraint_suffix(&c.kind)))
            }
            _ => return,
        };
        let d = out.report(
            &META,
            keywords_span(cx.text(), span, keyword),
            format!("unnamed {}", keyword.to_ascii_lowercase()),
        );
        d.help(format!(
            "Neo4j generates a name that differs per database, and drops are by name only since 5.0; name it, e.g. `{name}`"
        ));
        if let Some(k) = find_keyword(cx.text(), span, keyword) {
            d.fix(Fix::safe(format!("name it `{name}`"), vec![Edit::insert(k.end, format!(" {name}"))]));
        }
    }
}

/// `<label>_<prop>[_<prop>…]_<suffix>`, snake-cased.
pub fn conventional_name(entity: &SchemaEntity, properties: &[PropertyRef], suffix: &str) -> String {
    let mut parts: Vec<String> = entity.labels.iter().map(|l| snake_case(&l.value)).collect();
    parts.extend(properties.iter().map(|p| snake_case(&p.key.value)));
    parts.push(suffix.to_string());
    parts.retain(|p| !p.is_empty());
    parts.join("_")
}

pub fn index_suffix(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Default | IndexKind::Range | IndexKind::Btree => "index",
        IndexKind::Text => "text",
        IndexKind::Point => "point",
        IndexKind::Fulltext => "fulltext",
        IndexKind::Lookup => "lookup",
        IndexKind::Vector => "vector",
    }
}

pub fn constraint_suffix(kind: &ConstraintKind) -> &'static str {
    match kind {
        ConstraintKind::Unique => "unique",
        ConstraintKind::NodeKey | ConstraintKind::RelationshipKey => "key",
        ConstraintKind::NotNull => "not_null",
        ConstraintKind::PropertyType(_) => "type",
    }
}
