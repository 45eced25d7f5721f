//! Liquibase formatted-Cypher changelogs as plan units.
//!
//! Liquibase runs each `-- changeset author:id` as one unit and records it as applied; its
//! `-- rollback …` lines are the unit's down. cymig plans each change set as a migration of its
//! own: its version is its place among the set's change sets (1, 2, … over the changelog files
//! in path order), its description `author:id`, its checksum that of its own text, so editing
//! one change set drifts only that one. The rollback lines, joined in order, are its explicit
//! down.

use super::compile::steps_of;
use super::{DownScript, MigrationPlan};
use crate::ast::{Comment, CommentKind};
use crate::migration::changelog_xml::rollback_body;
use crate::migration::{MigrationFile, MigrationSet, Version};
use crate::source::SourceFile;
use crate::span::Span;

/// The change sets of the set's formatted-Cypher changelogs, in order. A set with versioned
/// migrations has its versions already: its changelogs stay linted only, so two numberings
/// never meet in one history.
pub fn change_set_plans(set: &MigrationSet) -> Vec<MigrationPlan> {
    if !set.applies_change_sets() {
        return Vec::new();
    }
    let mut changelogs: Vec<&MigrationFile> =
        set.unrecognised.iter().filter(|f| f.is_formatted_changelog() && f.script.errors.is_empty()).collect();
    changelogs.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    let mut plans = Vec::new();
    for file in changelogs {
        for set in &file.change_sets {
            let order = plans.len() + 1;
            plans.push(plan_change_set(file, set.span, order));
        }
    }
    plans
}

fn plan_change_set(file: &MigrationFile, span: Span, order: usize) -> MigrationPlan {
    let text = &file.source.text;
    let framing: Vec<&Comment> = file
        .script
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Framing && c.span.start >= span.start && c.span.start < span.end)
        .collect();
    let statements: Vec<_> = file
        .script
        .statements
        .iter()
        .filter(|s| s.span.start >= span.start && s.span.end <= span.end)
        .cloned()
        .collect();
    MigrationPlan {
        version: Version::parse(&order.to_string()).ok(),
        description: framing.first().map(|c| change_set_id(&c.text)).unwrap_or_default(),
        file: file.path().to_path_buf(),
        checksum: hex(&crate::migration::sum::content_hash(span.text(text).as_bytes())),
        steps: steps_of(&file.source, &statements, None, None),
        down: rollback_of(file, &framing),
        verify: Vec::new(),
        unsupported: None,
        preconditions: Vec::new(),
        placeholders: Vec::new(),
        alternatives: Vec::new(),
    }
}

/// `author:id` from a `-- changeset author:id attr:value …` line.
fn change_set_id(line: &str) -> String {
    let rest = directive(line);
    rest.split_whitespace().nth(1).unwrap_or_default().to_string()
}

/// The line without its leading dashes and spaces.
fn directive(line: &str) -> &str {
    line.trim_start_matches('-').trim()
}

/// The change set's `-- rollback` bodies, joined in order, as an explicit down. None when it
/// has none, says `empty`, or does not parse: `cymig down` then refuses it as irreversible
/// rather than undo part of it.
fn rollback_of(file: &MigrationFile, framing: &[&Comment]) -> Option<DownScript> {
    let bodies: Vec<&str> = framing.iter().filter_map(|c| rollback_body(&c.text)).collect();
    if bodies.is_empty() {
        return None;
    }
    let text = bodies.join("\n") + "\n";
    let script = crate::syntax::parse(&text);
    if !script.errors.is_empty() || script.statements.is_empty() {
        return None;
    }
    let source = SourceFile::new(file.path().to_path_buf(), text.clone());
    Some(DownScript { explicit: true, steps: steps_of(&source, &script.statements, None, None), text })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_set_ids_and_rollback_heads() {
        assert_eq!(change_set_id("-- changeset alice:1 runOnChange:true"), "alice:1");
        assert_eq!(change_set_id("--changeset bob:x"), "bob:x");
        assert_eq!(directive("--  rollback MATCH (n) DELETE n"), "rollback MATCH (n) DELETE n");
        assert_eq!(rollback_body("--  ROLLBACK MATCH (n) DELETE n"), Some("MATCH (n) DELETE n"));
        assert_eq!(rollback_body("-- rollback Empty"), None);
        assert_eq!(rollback_body("-- rollback"), None);
        assert_eq!(rollback_body("-- comment x"), None);
    }
}
