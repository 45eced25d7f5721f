use super::*;
use crate::ast::CommentKind;
use crate::migration::changelog_xml::change_set_words;
use crate::span::Span;

pub struct LiquibaseAttributeIgnored;

pub static META: RuleMeta = RuleMeta {
    summary: "A Liquibase change set attribute that `cymig up` does not honour",
    docs: r#"## What it does
In a Liquibase formatted-Cypher changelog that `cymig up` applies (its migration set has no
versioned migrations), flags the `-- changeset` attributes cymig does not run as Liquibase runs
them: `runAlways:true`, `runOnChange:true`, `failOnError:false`, and `context:` /
`contextFilter:` / `labels:`. Change sets without them, and changelogs of a set whose versioned
migrations cymig applies (the changelogs are then linted only), are left alone.

## Why it matters
cymig applies each change set once, in order, and stops at the first one that fails:
- a `runAlways:true` change set (a refresh run on every update) runs only the first time;
- a `runOnChange:true` change set that is edited is drift (`cymig validate` fails) rather than
  run again;
- a `failOnError:false` change set that fails stops the run, where Liquibase carries on;
- a change set with a context or a label runs on every database cymig migrates: one that
  `liquibase update --contexts prod` skips (test data, `context:test`) reaches production.

## Example
```cypher
-- liquibase formatted cypher
-- changeset alice:seed context:test
CREATE (:User {name: 'test user'});
-- changeset alice:refresh runAlways:true
MATCH (s:Stats) SET s.refreshed = datetime();
```

## Use instead
Keep change sets meant for some databases out of the directory cymig migrates, put what must
run on every `cymig up` in an `afterMigrate.cypher` callback, and add a new change set instead
of editing one:
```cypher
-- liquibase formatted cypher
-- changeset alice:users
CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE;
```
"#,
    ..identity::liquibase_attribute_ignored
};

impl Rule for LiquibaseAttributeIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn hooks(&self) -> Hooks {
        Hooks::FILE
    }
    fn check_file(&self, cx: &FileContext, out: &mut Findings) {
        if !cx.set.applied_change_sets {
            return;
        }
        let text = cx.text();
        for comment in cx.script.comments.iter().filter(|c| c.kind == CommentKind::Framing) {
            let line = &text[comment.span.start..comment.span.end];
            let Some(attributes) = change_set_attributes(line) else { continue };
            for (at, attribute) in attributes {
                let Some((message, help)) = ignored(attribute) else { continue };
                let start = comment.span.start + at;
                out.report(&META, Span::new(start, start + attribute.len()), message).help(help);
            }
        }
    }
}

/// The attributes of a `-- changeset author:id attr:value …` line (a line the loader starts a
/// change set at), each with its offset in the line; `None` for any other line.
fn change_set_attributes(line: &str) -> Option<Vec<(usize, &str)>> {
    let mut words = change_set_words(line)?.into_iter();
    words.next()?; // author:id
    Some(words.collect())
}

/// The message and help for an attribute cymig does not honour.
fn ignored(attribute: &str) -> Option<(String, &'static str)> {
    let (key, value) = attribute.split_once(':')?;
    let value = value.to_ascii_lowercase();
    match key.to_ascii_lowercase().as_str() {
        "runalways" if value == "true" => Some((
            "`cymig up` applies each change set once: `runAlways:true` is not honoured, so this change set does not \
             run again on later updates"
                .into(),
            "put what must run on every `cymig up` in an `afterMigrate.cypher` callback",
        )),
        "runonchange" if value == "true" => Some((
            "`cymig up` does not run an edited change set again: with `runOnChange:true` an edit is drift, which \
             `cymig validate` reports"
                .into(),
            "add a new change set with the change instead of editing this one",
        )),
        "failonerror" if value == "false" => Some((
            "`cymig up` stops at a change set that fails: `failOnError:false` (carry on) is not honoured".into(),
            "make the change set succeed where it may fail (`IF NOT EXISTS`, a guard on what it changes), or remove it",
        )),
        "context" | "contextfilter" | "labels" => Some((
            format!(
                "`cymig up` applies every change set whatever its `{key}:`: this one runs on every database cymig \
                 migrates, also where Liquibase would skip it"
            ),
            "keep change sets meant for some databases only out of the directory cymig migrates",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_after_the_change_set_id_with_their_offsets() {
        let line = "-- changeset alice:1 runAlways:true  context:test";
        let attributes = change_set_attributes(line).unwrap();
        assert_eq!(attributes, [(21, "runAlways:true"), (37, "context:test")]);
        assert_eq!(&line[21..35], "runAlways:true");
        assert_eq!(change_set_attributes("-- rollback MATCH (n) DELETE n"), None);
        // As the loader reads them: any case, and `changeset` followed by anything.
        assert_eq!(change_set_attributes("-- ChangeSet a:1 runAlways:true"), Some(vec![(17, "runAlways:true")]));
        assert_eq!(change_set_attributes("-- changesets"), Some(vec![]));
        assert_eq!(change_set_attributes("-- changelog a:1 runAlways:true"), None);
        assert!(ignored("runAlways:false").is_none() && ignored("failOnError:true").is_none());
        assert!(ignored("runInTransaction:false").is_none());
    }
}
