use crate::span::tight;
use super::*;
use crate::ast::{StartLookup, StartPoint};
use crate::diagnostic::Edit;
use crate::span::Span;

pub struct StartClause;

pub static META: RuleMeta = RuleMeta {
    summary: "`START n=node(…)` (Neo4j 2.x/3.x; rejected by Neo4j 4 and 5)",
    docs: r#"## What it does
Flags the legacy `START` clause: `START n=node(*)`, `START n=node(1, 2)`,
`START n=node:index(key = 'v')`, `START r=relationship(*)`.

## Why it matters
`START` was removed during the 3.x series (it lived on only in the 2.3/3.1 compatibility modes
until 4.0). Neo4j 4 and 5 reject the statement with a syntax error, so the migration fails on
any current database.

## Example
```cypher
START n=node(*) WHERE n.legacy = true SET n:Archived;
START p=node(12, 13) SET p.checked = true;
START u=node:users(email = 'a@example.com') RETURN u;
```

## Use instead
```cypher
MATCH (n) WHERE n.legacy = true SET n:Archived;
MATCH (p) WHERE id(p) IN [12, 13] SET p.checked = true;
MATCH (u:User {email: 'a@example.com'}) RETURN u;
```
The fix rewrites `n=node(*)` to `MATCH (n)` and `r=relationship(*)` to `MATCH ()-[r]->()`, which
is exact. Id lookups become `WHERE id(n) IN [...]` (`id()` is deprecated in Neo4j 5; prefer
`elementId()` or, better, a property with a uniqueness constraint: internal ids are reused and
change on dump and load). Legacy (manual) indexes no longer exist: look the entity up by label
and property, or through a full-text index (`db.index.fulltext.queryNodes`). Those two are not
fixed automatically.
"#,
    ..identity::start_clause
};

impl Rule for StartClause {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::CLAUSE
    }
    fn checks_embedded(&self) -> bool {
        true
    }
    fn check_clause(&self, cx: &FileContext, clause: &Clause, _site: ClauseSite, out: &mut Findings) {
        let Clause::Start(st) = clause else { return };
        let Some(last) = st.points.last() else { return };
        let head = Span::new(st.span.start, tight(cx.text(), last.span).end);
        let d = out.report(&META, head, "the `START` clause was removed from Cypher (Neo4j 4 and 5 reject it)");
        let patterns: Option<Vec<String>> = st.points.iter().map(all_pattern).collect();
        match patterns {
            Some(patterns) => {
                let text = format!("MATCH {}", patterns.join(", "));
                d.help(format!("write `{text}`"));
                d.fix(Fix::safe(format!("replace with `{text}`"), vec![Edit::replace(head, text)]));
            }
            None => {
                let advice: Vec<String> = st.points.iter().map(|p| advice(cx, p)).collect();
                let mut help = format!("write {}", advice.join(" and "));
                if st.points.iter().any(|p| matches!(p.lookup, StartLookup::Ids(_))) {
                    help.push_str(
                        " (internal ids are reused and change on dump and load: prefer a key property, or `elementId()`)",
                    );
                }
                if st.points.iter().any(|p| matches!(p.lookup, StartLookup::Index { .. })) {
                    help.push_str(
                        " (legacy indexes no longer exist: back the property with an index, or use a full-text index)",
                    );
                }
                d.help(help);
            }
        }
    }
}

/// The exact MATCH pattern for `n=node(*)` / `r=relationship(*)`.
fn all_pattern(p: &StartPoint) -> Option<String> {
    if p.lookup != StartLookup::All {
        return None;
    }
    let v = name(p);
    Some(if p.relationship { format!("()-[{v}]->()") } else { format!("({v})") })
}

fn name(p: &StartPoint) -> String {
    let v = &p.variable.value;
    if v.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && v.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        v.clone()
    } else {
        format!("`{}`", v.replace('`', "``"))
    }
}

fn advice(cx: &FileContext, p: &StartPoint) -> String {
    let v = name(p);
    let pattern = if p.relationship { format!("()-[{v}]->()") } else { format!("({v})") };
    match &p.lookup {
        StartLookup::All => format!("`MATCH {pattern}`"),
        StartLookup::Ids(ids) => {
            let list = match ids.as_slice() {
                [one] if !matches!(one.kind, crate::ast::ExprKind::Parameter(_)) => {
                    format!("= {}", cx.slice(one.span))
                }
                [one] => format!("IN {}", cx.slice(one.span)),
                many => format!("IN [{}]", many.iter().map(|e| cx.slice(e.span)).collect::<Vec<_>>().join(", ")),
            };
            format!("`MATCH {pattern} WHERE id({v}) {list}`")
        }
        StartLookup::Index { index, key, query } => {
            let labelled = pattern_with_label(p);
            let q = cx.slice(query.span);
            match key {
                Some(k) => format!("`MATCH {labelled} WHERE {v}.{} = {q}` for index `{}`", k.value, index.value),
                None => format!("`MATCH {labelled}` with the condition of query {q} on index `{}`", index.value),
            }
        }
    }
}

fn pattern_with_label(p: &StartPoint) -> String {
    let v = name(p);
    if p.relationship {
        format!("()-[{v}:TYPE]->()")
    } else {
        format!("({v}:Label)")
    }
}
