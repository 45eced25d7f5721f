use super::*;
use crate::ast::{ConstraintKind, SchemaCommand, StatementKind, StatementPrefix};

pub struct EnterpriseOnly;

pub static META: RuleMeta = RuleMeta {
    summary: "Enterprise-only constraints or commands on a Community target",
    docs: r#"## What it does
When the edition is `community` (the default), flags what Neo4j Community Edition
rejects: node and relationship key constraints, property existence (`IS NOT NULL`) and property
type (`IS :: TYPE`) constraints, database/alias/role/privilege administration
(`CREATE DATABASE`, `CREATE ROLE`, `GRANT`, `DENY`, …) and `CYPHER runtime=parallel`.

## Why it matters
The migration passes review and every test on an Enterprise or Aura instance, then fails on the
Community instances used in development or CI (or the other way round for a team moving to
Community). Set `edition = "enterprise"` in `cymig.toml` when you only target Enterprise/Aura.

With no edition stated (in `cymig.toml`, by `--edition`, or by the file's own
`// assume that edition is …`), cymig does not know the server will be Community, so the
finding is a warning; with `edition = "community"` stated it is an error.

## Example
```cypher
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (p:Person) REQUIRE (p.tenant, p.id) IS NODE KEY;
```

## Use instead
```cypher
CREATE CONSTRAINT person_tenant_id_unique IF NOT EXISTS
FOR (p:Person) REQUIRE (p.tenant, p.id) IS UNIQUE;
```
(uniqueness is available in every edition; existence must then be enforced by the application).
"#,
    ..identity::enterprise_only
};

const ENTERPRISE_ADMIN: &[&[&str]] = &[
    &["CREATE", "DATABASE"],
    &["CREATE", "OR", "REPLACE", "DATABASE"],
    &["DROP", "DATABASE"],
    &["ALTER", "DATABASE"],
    &["START", "DATABASE"],
    &["STOP", "DATABASE"],
    &["CREATE", "ALIAS"],
    &["CREATE", "COMPOSITE", "DATABASE"],
    &["CREATE", "ROLE"],
    &["CREATE", "OR", "REPLACE", "ROLE"],
    &["DROP", "ROLE"],
    &["RENAME", "ROLE"],
    &["GRANT"],
    &["DENY"],
    &["REVOKE"],
    &["ENABLE", "SERVER"],
];

impl Rule for EnterpriseOnly {
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
        if cx.settings.edition != Edition::Community {
            return;
        }
        for p in &stmt.prefixes {
            if let StatementPrefix::Cypher { span, options } = p {
                if options.to_ascii_lowercase().replace(' ', "").contains("runtime=parallel") {
                    let d = out.report(&META, *span, "the parallel runtime is Enterprise-only");
                    d.help("drop `runtime=parallel`, or set `edition = \"enterprise\"` in cymig.toml");
                    soften_unless_stated(cx, d);
                }
            }
        }
        match &stmt.kind {
            StatementKind::Schema(SchemaCommand::CreateConstraint(c)) => {
                let what = match &c.kind {
                    ConstraintKind::NodeKey => "node key constraints",
                    ConstraintKind::RelationshipKey => "relationship key constraints",
                    ConstraintKind::NotNull => "property existence constraints",
                    ConstraintKind::PropertyType(_) => "property type constraints",
                    ConstraintKind::Unique => return,
                };
                let d = out.report(&META, c.span, format!("{what} need Neo4j Enterprise Edition"));
                d.help("Community Edition rejects this constraint; use a uniqueness constraint, or set `edition = \"enterprise\"` in cymig.toml if you only target Enterprise/Aura");
                soften_unless_stated(cx, d);
            }
            StatementKind::Admin(a) => {
                let kws: Vec<&str> = a.keywords.iter().map(String::as_str).collect();
                if ENTERPRISE_ADMIN.iter().any(|p| kws.starts_with(p)) {
                    let d = out.report(&META, a.span, format!("`{}` needs Neo4j Enterprise Edition", kws.join(" ")));
                    d.help("Community Edition has one user database and no role or privilege management");
                    soften_unless_stated(cx, d);
                }
            }
            _ => {}
        }
    }
}

/// Community is the edition cymig assumes when none is stated: the statement then fails only if
/// the server is Community, which cymig does not know, so the finding is a warning.
fn soften_unless_stated(cx: &FileContext, d: &mut Diagnostic) {
    if !cx.settings.edition_stated {
        d.severity(Severity::Warning);
    }
}
