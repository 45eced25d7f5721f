use super::legacy_constraint_syntax::soften_on_44;
use super::text::find_keyword;
use super::*;
use crate::ast::{ExprKind, IndexKind, Literal, SchemaCommand, StatementKind};
use crate::diagnostic::Edit;

pub struct BtreeIndex;

pub static META: RuleMeta = RuleMeta {
    summary: "BTREE index or `native-btree-1.0` provider (removed in Neo4j 5)",
    docs: r#"## What it does
Flags `CREATE BTREE INDEX` and the `indexProvider: 'native-btree-1.0'` option. An error when
targeting Neo4j 5 or later (B-tree indexes were removed), a warning on 4.4 (deprecated, with
RANGE, TEXT and POINT indexes as replacements).

## Why it matters
Neo4j 5 rejects the command; and 4.4 databases must replace their B-tree indexes before the
upgrade.

## Example
```cypher
CREATE BTREE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name);
```

## Use instead
```cypher
CREATE RANGE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name);
```
(a TEXT index for `CONTAINS`/`ENDS WITH` searches, a POINT index for spatial ones). The fix
replaces `BTREE` with `RANGE`.
"#,
    ..identity::btree_index
};

impl Rule for BtreeIndex {
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
        let StatementKind::Schema(SchemaCommand::CreateIndex(c)) = &stmt.kind else { return };
        if c.kind == IndexKind::Btree {
            let kw = find_keyword(cx.text(), c.span, "BTREE").unwrap_or(c.span);
            let d = out.report(&META, kw, "B-tree indexes were removed in Neo4j 5");
            soften_on_44(cx, d);
            d.help("use a RANGE index (or TEXT for string searches, POINT for spatial ones)");
            if kw != c.span {
                d.fix(Fix::safe("replace `BTREE` with `RANGE`", vec![Edit::replace(kw, "RANGE")]));
            }
        }
        if let Some(ExprKind::Map(m)) = c.options.as_ref().map(|o| &o.kind) {
            for e in &m.entries {
                if let ExprKind::Literal(Literal::String(s)) = &e.value.kind {
                    if e.key.value == "indexProvider" && s.value.starts_with("native-btree") {
                        let d =
                            out.report(&META, e.span, format!("index provider `{}` was removed in Neo4j 5", s.value));
                        soften_on_44(cx, d);
                        d.help("use `range-1.0` (or drop the option: RANGE is the default)");
                        d.fix(Fix::safe("use `range-1.0`", vec![Edit::replace(e.value.span, "'range-1.0'")]));
                    }
                }
            }
        }
    }
}
