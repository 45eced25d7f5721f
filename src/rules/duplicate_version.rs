use super::*;

pub struct DuplicateVersion;

pub static META: RuleMeta = RuleMeta {
    summary: "Two migrations with the same version",
    docs: r#"## What it does
Flags an up migration whose version another up migration in the same set already has
(versions compare numerically: `V1_0` and `V1.0` and `V01` are the same version as `V1`).

## Why it matters
Usually two branches each added "the next" migration. The runner either refuses to start or —
worse — applies one and records the other as applied, so one change never runs.

## Example
```text
migrations/V7__add_priority.cypher
migrations/V7__add_status.cypher
```

## Use instead
Renumber the later one: `V8__add_status.cypher`.

## Left alone
Files of one version guarded by preconditions that exclude each other (neo4j-migrations runs at
most one of them), and a directory under a test directory whose versioned files all carry the
same version: a collection of fixtures that tests load one at a time, never a sequence.
"#,
    ..identity::duplicate_version
};

impl Rule for DuplicateVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        cx.set.report(&META, out);
    }
}
