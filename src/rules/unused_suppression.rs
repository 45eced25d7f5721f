//! Reported by the checker's suppression pass (`check::suppress`), which knows which
//! directives suppressed something.
use super::*;

pub struct UnusedSuppression;

pub static META: RuleMeta = RuleMeta {
    summary: "A cymig directive that suppresses nothing, names an unknown rule, or gives no reason",
    docs: r#"## What it does
Flags `// cymig:ignore <rule>[, <rule>] -- <reason>` and `// cymig:ignore-file …` directives
that suppressed no finding, that name a rule that does not exist, or that give no reason after
`--`; `cymig:irreversible` without a reason; and unknown `cymig:` directives.

## Why it matters
Stale suppressions hide the next real finding on that statement; a typo in a rule name
suppresses nothing while looking as if it did; and a suppression without a reason cannot be
reviewed.

## Example
```cypher
// cymig:ignore unbatched-writes
MATCH (p:Project) SET p.flag = true;
```

## Use instead
```cypher
// cymig:ignore unbatched-write -- Project has 40 nodes in every environment
MATCH (p:Project) SET p.flag = true;
```
"#,
    ..identity::unused_suppression
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::default()
    }
}
