//! Hover: on a finding, its rule's documentation (what `cymig rule <name>` prints); on an index
//! or constraint name, or a label, where the migration set defines the schema that names it.

use super::convert::LineIndex;
use super::documents::{self, Document};
use crate::ast::{SchemaCommand, StatementKind};
use crate::check::LintOptions;
use crate::migration::Overlay;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use std::path::Path;

/// At most this many definitions are listed for one name.
const MAX_DEFINITIONS: usize = 10;

pub fn hover(doc: &Document, position: Position, options: &LintOptions, overlay: &Overlay) -> Option<Hover> {
    let index = LineIndex::new(&doc.text);
    let offset = index.offset(position);
    let mut sections = rule_docs(doc, offset);
    if let Some((word, span)) = word_at(&doc.text, offset) {
        if let Some(defined) = definitions(&doc.path, word, options, overlay) {
            sections.push(defined);
            if sections.len() == 1 {
                let contents = markdown(sections.join("\n\n---\n\n"));
                return Some(Hover { contents, range: Some(index.range(span)) });
            }
        }
    }
    (!sections.is_empty()).then(|| Hover { contents: markdown(sections.join("\n\n---\n\n")), range: None })
}

fn markdown(value: String) -> HoverContents {
    HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value })
}

/// The documentation of every rule with a finding at `offset`, each once.
fn rule_docs(doc: &Document, offset: usize) -> Vec<String> {
    let mut rules: Vec<&str> = Vec::new();
    for d in doc.findings.as_deref().unwrap_or_default() {
        if d.span.start <= offset && offset <= d.span.end && !rules.contains(&d.rule) {
            rules.push(d.rule);
        }
    }
    rules
        .into_iter()
        .filter_map(crate::rules::registry::by_name)
        .map(|r| crate::cli::rule::docs_text(r.meta()))
        .collect()
}

/// The name under the cursor: an identifier, or the inside of a backquoted name.
fn word_at(text: &str, offset: usize) -> Option<(&str, crate::span::Span)> {
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i);
    let before = &text[line_start..offset];
    if before.matches('`').count() % 2 == 1 {
        let start = line_start + before.rfind('`')? + 1;
        let end = offset + text[offset..line_end].find('`')?;
        return Some((&text[start..end], crate::span::Span::new(start, end))).filter(|(w, _)| !w.is_empty());
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let start = before.rfind(|c| !is_word(c)).map_or(line_start, |i| line_start + i + 1);
    let end = text[offset..line_end].find(|c| !is_word(c)).map_or(line_end, |i| offset + i);
    let word = &text[start..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| (word, crate::span::Span::new(start, end)))
}

/// Where the set `path` belongs to creates an index or constraint named `name`, or one on the
/// label or relationship type `name`, in the order the set runs.
fn definitions(path: &Path, name: &str, options: &LintOptions, overlay: &Overlay) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let sets = crate::check::set::load_overlaid(&[path.to_path_buf()], options, overlay).ok()?;
    let mut named = Vec::new();
    let mut on_label = Vec::new();
    for set in &sets {
        for file in &set.files {
            for statement in &file.script.statements {
                let StatementKind::Schema(command) = &statement.kind else { continue };
                let (object, labels) = match command {
                    SchemaCommand::CreateIndex(c) => (&c.name, &c.entity.labels),
                    SchemaCommand::CreateConstraint(c) => (&c.name, &c.entity.labels),
                    _ => continue,
                };
                let line = file.source.line_col(statement.span.start).line;
                let place = format!(
                    "[{}:{line}]({}#L{line})\n```cypher\n{}\n```",
                    relative(&set.root, &file.source.path),
                    documents::uri_of(&documents::canonical(&file.source.path)),
                    crate::config::redact_cypher_passwords(statement.span.text(&file.source.text).trim())
                );
                if object.as_ref().is_some_and(|n| n.value == name) {
                    named.push(place);
                } else if labels.iter().any(|l| l.value == name) {
                    on_label.push(place);
                }
            }
        }
    }
    let (title, places) = if named.is_empty() {
        (format!("Indexes and constraints on `{name}` in the migration set:"), on_label)
    } else {
        (format!("`{name}` is defined in the migration set:"), named)
    };
    if places.is_empty() {
        return None;
    }
    let more = places.len().saturating_sub(MAX_DEFINITIONS);
    let mut text = format!("{title}\n\n{}", places.into_iter().take(MAX_DEFINITIONS).collect::<Vec<_>>().join("\n\n"));
    if more > 0 {
        text.push_str(&format!("\n\nand {more} more"));
    }
    Some(text)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor() {
        let text = "MATCH (p:Person) USING INDEX `person id`\n";
        let at = |needle: &str, plus: usize| text.find(needle).unwrap() + plus;
        assert_eq!(word_at(text, at("Person", 2)).map(|w| w.0), Some("Person"));
        assert_eq!(word_at(text, at("Person", 0)).map(|w| w.0), Some("Person"));
        assert_eq!(word_at(text, at("person id", 7)).map(|w| w.0), Some("person id"));
        assert_eq!(word_at(text, at(" USING", 0)).map(|w| w.0), None);
        assert_eq!(word_at(text, text.len()), None);
    }
}
