//! neo4j-migrations catalog migrations: `V<version>__<name>.xml` files whose root is
//! `<migration xmlns="https://michael-simons.github.io/neo4j-migrations">`. They hold a
//! `<catalog>` of `<constraints>` and `<indexes>` and operations on it: `<apply/>` (create the
//! whole catalog), `<create>` and `<drop>` (one item, named by `item="…"` or defined inline),
//! `<verify/>` and `<refactor>`.
//!
//! cymig does not run them (neo4j-migrations does); it needs what they do to the schema, so
//! that a later `.cypher` migration's MERGE is known to be backed by their constraint. [`cypher_of`]
//! writes that as the Cypher schema commands the catalog stands for, which the schema model
//! replays like any migration's. What cannot be known exactly (an `item` defined in another
//! file's catalog, an unknown item type, a refactoring) is left out: the model then knows less,
//! which makes rules quieter, never louder. `<apply/>` creates the catalog's items; whatever
//! it may drop besides is not modelled.

use crate::schema::quote_name;

/// The namespace that marks a neo4j-migrations XML document.
const NAMESPACE: &str = "michael-simons.github.io/neo4j-migrations";

/// Whether `text` is a neo4j-migrations catalog migration (by its root element).
pub fn is_catalog_migration(text: &str) -> bool {
    root_tag(text).is_some_and(|tag| {
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        name.rsplit(':').next() == Some("migration") && tag.contains(NAMESPACE)
    })
}

/// The content of the root element's start tag (between `<` and `>`), after the prolog.
fn root_tag(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else {
            return rest.strip_prefix('<')?.split_once('>').map(|(tag, _)| tag);
        }
    }
}

/// An index or constraint of a catalog, as the XML defines it.
#[derive(Clone, Debug, Default)]
struct Item {
    constraint: bool,
    name: Option<String>,
    kind: String,
    labels: Vec<String>,
    relationship: bool,
    properties: Vec<String>,
}

impl Item {
    fn create(&self) -> Option<String> {
        let name = quote_name(self.name.as_deref()?);
        let labels: Vec<String> = self.labels.iter().map(|l| quote_name(l)).collect();
        let first = labels.first()?;
        if self.properties.is_empty() {
            return None;
        }
        let var = if self.relationship { "r" } else { "n" };
        let entity = if self.relationship { format!("()-[r:{first}]-()") } else { format!("(n:{first})") };
        let props: Vec<String> = self.properties.iter().map(|p| format!("{var}.{}", quote_name(p))).collect();
        let list = format!("({})", props.join(", "));
        let statement = match (self.constraint, self.kind.to_ascii_lowercase().as_str()) {
            (true, "unique") => format!("CREATE CONSTRAINT {name} IF NOT EXISTS FOR {entity} REQUIRE {list} IS UNIQUE"),
            (true, "key") => {
                let key = if self.relationship { "RELATIONSHIP KEY" } else { "NODE KEY" };
                format!("CREATE CONSTRAINT {name} IF NOT EXISTS FOR {entity} REQUIRE {list} IS {key}")
            }
            (true, "exists") if props.len() == 1 => {
                format!("CREATE CONSTRAINT {name} IF NOT EXISTS FOR {entity} REQUIRE {} IS NOT NULL", props[0])
            }
            (false, "property" | "") => format!("CREATE INDEX {name} IF NOT EXISTS FOR {entity} ON {list}"),
            (false, "text") if props.len() == 1 => {
                format!("CREATE TEXT INDEX {name} IF NOT EXISTS FOR {entity} ON {list}")
            }
            (false, "fulltext") => {
                let entity = if self.relationship {
                    format!("()-[r:{}]-()", labels.join("|"))
                } else {
                    format!("(n:{})", labels.join("|"))
                };
                format!("CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR {entity} ON EACH [{}]", props.join(", "))
            }
            _ => return None,
        };
        Some(statement)
    }

    fn drop(&self) -> Option<String> {
        let what = if self.constraint { "CONSTRAINT" } else { "INDEX" };
        Some(format!("DROP {what} {} IF EXISTS", quote_name(self.name.as_deref()?)))
    }
}

/// An operation of the migration on one item, or on the whole catalog.
enum Operation {
    Apply,
    Create(ItemRef),
    Drop(ItemRef),
}

enum ItemRef {
    Named(String),
    Inline(Item),
    Missing,
}

/// The Cypher schema commands the catalog migration `text` stands for, one per line, each
/// ending in `;` (empty when it does nothing cymig can know exactly).
pub fn cypher_of(text: &str) -> String {
    let (catalog, operations) = read(text);
    let named = |name: &str| catalog.iter().rev().find(|i| i.name.as_deref() == Some(name));
    let resolve = |r: &ItemRef| match r {
        ItemRef::Named(name) => named(name).cloned(),
        ItemRef::Inline(item) => Some(item.clone()),
        ItemRef::Missing => None,
    };
    let mut out = String::new();
    for operation in &operations {
        let statements: Vec<String> = match operation {
            Operation::Apply => catalog.iter().filter_map(Item::create).collect(),
            Operation::Create(r) => resolve(r).and_then(|i| i.create()).into_iter().collect(),
            Operation::Drop(r) => resolve(r).and_then(|i| i.drop()).into_iter().collect(),
        };
        for s in statements {
            out.push_str(&s);
            out.push_str(";\n");
        }
    }
    out
}

/// The catalog's items and the operations, in document order.
fn read(text: &str) -> (Vec<Item>, Vec<Operation>) {
    let mut catalog = Vec::new();
    let mut operations = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut item: Option<Item> = None;
    let mut pending: Option<(bool, Option<String>)> = None;
    for event in Events::new(text) {
        match event {
            Event::Start { name, attributes, empty } => {
                let parent = stack.last().map(String::as_str);
                match name.as_str() {
                    "constraint" | "index" => {
                        item = Some(Item {
                            constraint: name == "constraint",
                            name: attribute(attributes, "name"),
                            kind: attribute(attributes, "type").unwrap_or_default(),
                            ..Item::default()
                        });
                    }
                    "apply" if parent == Some("migration") => operations.push(Operation::Apply),
                    "create" | "drop" if parent == Some("migration") => {
                        pending = Some((name == "create", attribute(attributes, "item")));
                    }
                    _ => {}
                }
                if empty {
                    finish(&name, &stack, &mut item, &mut pending, &mut catalog, &mut operations);
                } else {
                    stack.push(name);
                }
            }
            Event::End { name } => {
                while let Some(open) = stack.pop() {
                    if open == name {
                        break;
                    }
                }
                finish(&name, &stack, &mut item, &mut pending, &mut catalog, &mut operations);
            }
            Event::Text(content) => {
                let Some(current) = item.as_mut() else { continue };
                let content = content.trim().to_string();
                match stack.last().map(String::as_str) {
                    Some("label") => current.labels.push(content),
                    Some("type") => {
                        current.relationship = true;
                        current.labels.push(content);
                    }
                    Some("property") => current.properties.push(content),
                    _ => {}
                }
            }
        }
    }
    (catalog, operations)
}

/// An element closed: an item goes to the catalog or to its operation; an operation is done.
fn finish(
    name: &str,
    stack: &[String],
    item: &mut Option<Item>,
    pending: &mut Option<(bool, Option<String>)>,
    catalog: &mut Vec<Item>,
    operations: &mut Vec<Operation>,
) {
    match name {
        "constraint" | "index" => {
            let Some(done) = item.take() else { return };
            if stack.iter().any(|s| s == "catalog") {
                catalog.push(done);
            } else if let Some((create, _)) = pending.as_ref() {
                let r = ItemRef::Inline(done);
                operations.push(if *create { Operation::Create(r) } else { Operation::Drop(r) });
                *pending = None;
            }
        }
        "create" | "drop" => {
            if let Some((create, reference)) = pending.take() {
                let r = reference.map_or(ItemRef::Missing, ItemRef::Named);
                operations.push(if create { Operation::Create(r) } else { Operation::Drop(r) });
            }
        }
        _ => {}
    }
}

fn attribute(attributes: &str, name: &str) -> Option<String> {
    let mut rest = attributes;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest[..at].ends_with(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if let (true, Some(value)) = (before_ok, after.strip_prefix('=')) {
            let value = value.trim_start();
            let quote = value.chars().next()?;
            if quote == '"' || quote == '\'' {
                return value[1..].split_once(quote).map(|(v, _)| v.to_string());
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// A start tag (its local name, its attributes as written, whether it is `<…/>`), an end tag, or
/// the text between tags.
enum Event<'a> {
    Start { name: String, attributes: &'a str, empty: bool },
    End { name: String },
    Text(&'a str),
}

/// The tags and texts of an XML document; comments, CDATA, processing instructions and
/// declarations are skipped. Stops at the first malformed tag.
struct Events<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Events<'a> {
    fn new(text: &'a str) -> Self {
        Events { text, at: 0 }
    }

    fn skip_past(&mut self, end: &str) -> bool {
        match self.text[self.at..].find(end) {
            Some(i) => {
                self.at += i + end.len();
                true
            }
            None => false,
        }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let rest = &self.text[self.at..];
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.at += end;
                return Some(Event::Text(&rest[..end]));
            }
            let skipped = [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>"), ("<!", ">")]
                .into_iter()
                .find(|(open, _)| rest.starts_with(open));
            if let Some((_, close)) = skipped {
                if !self.skip_past(close) {
                    return None;
                }
                continue;
            }
            let close = rest.find('>')?;
            let tag = &rest[1..close];
            self.at += close + 1;
            let local = |name: &str| name.rsplit(':').next().unwrap_or(name).to_string();
            if let Some(name) = tag.strip_prefix('/') {
                return Some(Event::End { name: local(name.trim()) });
            }
            let empty = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attributes) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            return Some(Event::Start { name: local(name), attributes, empty });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<migration xmlns="https://michael-simons.github.io/neo4j-migrations">
  <catalog>
    <indexes>
      <index name="person_name" type="property"><label>Person</label><properties><property>name</property></properties></index>
    </indexes>
    <constraints>
      <constraint name="book_id_unique" type="unique"><label>Book</label><properties><property>id</property></properties></constraint>
      <constraint name="liked_day" type="exists"><type>LIKED</type><properties><property>day</property></properties></constraint>
    </constraints>
  </catalog>
  <apply/>
</migration>"#;

    #[test]
    fn apply_creates_the_whole_catalog() {
        assert!(is_catalog_migration(CATALOG));
        assert_eq!(
            cypher_of(CATALOG),
            "CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name);\n\
             CREATE CONSTRAINT book_id_unique IF NOT EXISTS FOR (n:Book) REQUIRE (n.id) IS UNIQUE;\n\
             CREATE CONSTRAINT liked_day IF NOT EXISTS FOR ()-[r:LIKED]-() REQUIRE r.day IS NOT NULL;\n"
        );
    }

    #[test]
    fn create_and_drop_name_an_item_or_define_it_inline() {
        let text = r#"<migration xmlns="https://michael-simons.github.io/neo4j-migrations">
  <catalog><constraints>
    <constraint name="a" type="unique"><label>A</label><properties><property>x</property></properties></constraint>
  </constraints></catalog>
  <verify/>
  <create item="a"/>
  <drop item="elsewhere"/>
  <drop><index name="old" type="property"><label>B</label><properties><property>y</property></properties></index></drop>
</migration>"#;
        assert_eq!(
            cypher_of(text),
            "CREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE (n.x) IS UNIQUE;\nDROP INDEX old IF EXISTS;\n"
        );
    }

    #[test]
    fn other_xml_is_not_a_catalog_migration() {
        assert!(!is_catalog_migration("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"/>"));
        assert!(!is_catalog_migration("<databaseChangeLog/>"));
        assert!(!is_catalog_migration(""));
    }
}
