use super::*;

pub struct MigrationNaming;

pub static META: RuleMeta = RuleMeta {
    summary: "A file in a migration directory that does not follow the naming layout",
    docs: r#"## What it does
In a migration directory, flags `.cypher` files whose names follow none of the recognised
layouts: `V<version>__<description>.cypher`, `U<version>__<description>.cypher` (explicit down),
`R__<description>.cypher` (repeatable), `<version>_<name>.up.cypher` / `.down.cypher`. Versions
are numbers separated by `_` or `.`. Also flags a down script without a matching up migration.

## Why it matters
A misnamed file (`V2_add_index.cypher` with one underscore, `v3__x.cypher`, `V4__x.cql`) is
silently skipped by the runner: the change never reaches production, and nobody notices until
something that depends on it fails.

## Example
```text
migrations/V2_add_index.cypher
migrations/U9__orphan_down.cypher
```

## Use instead
```text
migrations/V2__add_index.cypher
```
"#,
    ..identity::migration_naming
};

impl Rule for MigrationNaming {
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
