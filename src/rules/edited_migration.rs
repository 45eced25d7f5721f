use super::*;
use crate::span::Span;

pub struct EditedMigration;

pub static META: RuleMeta = RuleMeta {
    summary: "A migration that no longer matches cymig.sum, or is missing from it",
    docs: r#"## What it does
When the migration directory has a `cymig.sum` (written by `cymig hash`), flags migrations whose
content no longer matches their recorded hash, and migrations missing from the file.

## Why it matters
An applied migration is history: editing it changes nothing in databases that already ran it
and something in those that did not, so environments drift apart (and runners that check
checksums refuse to start — the classic "checksum mismatch" at deploy time). The chained hash
also makes two branches that each add a migration collide in review instead of in production.

## Example
```text
V3__rename_customer_guid.cypher edited after it was applied
```

## Use instead
Leave applied migrations alone and add a new one. If the edit is intended (a comment, a
formatting change), run `cymig hash` and commit the updated `cymig.sum`.
"#,
    ..identity::edited_migration
};

impl Rule for EditedMigration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        if let Some((why, help)) = &cx.set.edited {
            out.report(&META, Span::at(0), why.clone()).help(help.clone());
        }
    }
}
