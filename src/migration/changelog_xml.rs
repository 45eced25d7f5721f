//! Cypher inside XML changelogs: Liquibase (`<databaseChangeLog>` with `<changeSet>`s holding
//! `<neo4j:cypher>` or `<sql>`) and Liquigraph (`<changelog>` with `<changeset>`s holding
//! `<query>`). A file is a changelog by its root element, not by its name; any other XML (Maven
//! poms, catalogs, …) is not part of a migration set.
//!
//! The Cypher is linted where it is: [`mask`] turns the XML into a text of exactly the same
//! byte length in which everything that is not Cypher of an up statement is a space (line
//! breaks are kept), and the closing tag of each Cypher element starts with a `;` so every
//! element is its own statement. Parsing that text gives spans that point into the XML file,
//! which stays the text findings are rendered against.
//!
//! - `<![CDATA[ … ]]>` content is kept byte for byte;
//! - outside CDATA, the entities `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric `&#…;` are
//!   written as their character; the bytes saved are given back as spaces before the next
//!   whitespace (or the end of the text), so `a &lt;&gt; b` reads `a <>      b`: tokens keep
//!   their start up to the word holding the entity, and the next word starts where it does
//!   in the XML;
//! - precondition / postcondition queries (Liquigraph `<precondition>`, Liquibase
//!   `<preConditions>` with `<neo4j:cypherCheck>` or `<sqlCheck>`) are read checks, not
//!   migration statements: blanked;
//! - `<rollback>` Cypher (its text, or its `<neo4j:cypher>` / `<sql>` children) is not an up
//!   statement: blanked in [`Masked::up`] and kept, masked the same way, in
//!   [`Masked::rollback`] for a later down-script check.

/// Which tool a changelog is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangelogFormat {
    /// `<databaseChangeLog>`: Liquibase with the liquibase-neo4j extension.
    Liquibase,
    /// `<changelog>`: Liquigraph.
    Liquigraph,
}

/// A changelog's Cypher, each text the same length as the XML (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masked {
    pub format: ChangelogFormat,
    /// The up statements: every `<query>` / `<neo4j:cypher>` / `<sql>` of a change set.
    pub up: String,
    /// The `<rollback>` Cypher.
    pub rollback: String,
    /// How many Cypher elements `up` holds.
    pub up_blocks: usize,
    /// The change sets, in order: each is the unit Liquibase and Liquigraph run in one
    /// transaction and record as applied.
    pub change_sets: Vec<ChangeSet>,
}

/// A `<changeSet>` / `<changeset>` element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeSet {
    /// From its start tag to the end of its closing tag.
    pub span: crate::span::Span,
    /// Whether it holds a `<rollback>` with Cypher: its statements can be undone.
    pub has_rollback: bool,
    /// The tool it is written for (only Liquibase has `<rollback>`).
    pub format: ChangelogFormat,
}

/// The change sets of a Liquibase formatted-Cypher changelog, from its framing lines: each
/// `-- changeset author:id` starts one that runs to the next; a `-- rollback <cypher>` line in
/// it gives it a rollback (`-- rollback empty` or a bare `-- rollback` does not).
pub fn formatted_change_sets(text_len: usize, comments: &[crate::ast::Comment]) -> Vec<ChangeSet> {
    let framing = comments.iter().filter(|c| c.kind == crate::ast::CommentKind::Framing);
    let mut sets: Vec<ChangeSet> = Vec::new();
    for c in framing {
        if change_set_words(&c.text).is_some() {
            if let Some(last) = sets.last_mut() {
                last.span.end = c.span.start;
            }
            sets.push(ChangeSet {
                span: crate::span::Span::new(c.span.start, text_len),
                has_rollback: false,
                format: ChangelogFormat::Liquibase,
            });
        } else if rollback_body(&c.text).is_some() {
            if let Some(last) = sets.last_mut() {
                last.has_rollback = true;
            }
        }
    }
    sets
}

/// The words after `changeset` on a formatted changelog's `-- changeset author:id attr:value …`
/// line (any case), each with its byte offset in `line`: the id first, then the attributes.
/// `None` for any other line; [`formatted_change_sets`] starts a change set at each line it is
/// `Some` for.
pub fn change_set_words(line: &str) -> Option<Vec<(usize, &str)>> {
    let directive = line.trim_start_matches('-').trim_start();
    if !directive.get(..9).is_some_and(|head| head.eq_ignore_ascii_case("changeset")) {
        return None;
    }
    let rest = &directive[9..];
    let base = line.len() - rest.len();
    // Each word is a slice of `rest`: its offset there is the distance between their starts.
    Some(rest.split_whitespace().map(|w| (base + (w.as_ptr() as usize - rest.as_ptr() as usize), w)).collect())
}

/// The Cypher of a formatted changelog's `-- rollback <cypher>` line, as written; `None` for any
/// other line, and for a bare `-- rollback` or `-- rollback empty`, which give no way back.
pub fn rollback_body(line: &str) -> Option<&str> {
    let line = line.trim_start_matches('-').trim_start();
    let head = line.get(..8)?;
    let body = line[8..].trim();
    (head.eq_ignore_ascii_case("rollback") && !body.is_empty() && !body.eq_ignore_ascii_case("empty")).then_some(body)
}

/// Whether a file name is one an XML changelog may have (`.xml`, any case).
pub fn is_xml_name(file_name: &str) -> bool {
    file_name.len() > 4 && file_name[file_name.len() - 4..].eq_ignore_ascii_case(".xml")
}

/// Whether the file at `path` is an XML changelog (read and sniffed; unreadable files are not).
pub fn is_changelog_file(path: &std::path::Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return false };
    sniff(&String::from_utf8_lossy(&bytes)).is_some()
}

/// The changelog format of `text`, from its root element; `None` for any other document.
pub fn sniff(text: &str) -> Option<ChangelogFormat> {
    let bytes = text.as_bytes();
    let mut i = if bytes.starts_with("\u{feff}".as_bytes()) { 3 } else { 0 };
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<?") {
            i = find(bytes, i, b"?>")? + 2;
        } else if rest.starts_with(b"<!--") {
            i = find(bytes, i, b"-->")? + 3;
        } else if rest.starts_with(b"<!") {
            i = declaration_end(bytes, i);
        } else if rest.starts_with(b"<") {
            let (name, _) = tag_name(bytes, i + 1);
            return match local(name) {
                "databaseChangeLog" => Some(ChangelogFormat::Liquibase),
                "changelog" => Some(ChangelogFormat::Liquigraph),
                _ => None,
            };
        } else {
            return None;
        }
    }
}

/// The masked texts of a changelog, or `None` when `text` is not one.
pub fn mask(text: &str) -> Option<Masked> {
    let format = sniff(text)?;
    let bytes = text.as_bytes();
    let mut out = [blank(bytes), blank(bytes)];
    let mut up_blocks = 0;
    let mut stack: Vec<&str> = Vec::new();
    let mut change_sets = Vec::new();
    // The open change set: its start and whether its rollback holds anything yet.
    let mut open_set: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            let end = memchr(bytes, i, b'<').unwrap_or(bytes.len());
            if let Some(dest) = target(format, &stack) {
                copy_text(bytes, i, end, &mut out[dest as usize]);
                note_rollback(dest, &bytes[i..end], &mut open_set);
            }
            i = end;
            continue;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<![CDATA[") {
            let start = i + 9;
            let end = find(bytes, start, b"]]>").unwrap_or(bytes.len());
            if let Some(dest) = target(format, &stack) {
                out[dest as usize][start..end].copy_from_slice(&bytes[start..end]);
                note_rollback(dest, &bytes[start..end], &mut open_set);
            }
            i = (end + 3).min(bytes.len());
        } else if rest.starts_with(b"<!--") {
            i = find(bytes, i, b"-->").map_or(bytes.len(), |e| e + 3);
        } else if rest.starts_with(b"<?") {
            i = find(bytes, i, b"?>").map_or(bytes.len(), |e| e + 2);
        } else if rest.starts_with(b"<!") {
            i = declaration_end(bytes, i);
        } else if rest.starts_with(b"</") {
            if let Some(dest) = target(format, &stack) {
                out[dest as usize][i] = b';';
                if dest == Dest::Up {
                    up_blocks += 1;
                }
            }
            let (name, _) = tag_name(bytes, i + 2);
            let name = local(name);
            if let Some(at) = stack.iter().rposition(|open| *open == name) {
                stack.truncate(at);
            }
            i = memchr(bytes, i, b'>').map_or(bytes.len(), |e| e + 1);
            if name.eq_ignore_ascii_case("changeset") {
                if let Some((set_start, has_rollback)) = open_set.take() {
                    change_sets.push(ChangeSet { span: crate::span::Span::new(set_start, i), has_rollback, format });
                }
            }
        } else {
            let (name, after_name) = tag_name(bytes, i + 1);
            let end = tag_end(bytes, after_name);
            let self_closing = end > 0 && end <= bytes.len() && bytes[end - 1] == b'>' && bytes[end - 2] == b'/';
            if !self_closing && !name.is_empty() {
                stack.push(local(name));
                if local(name).eq_ignore_ascii_case("changeset") {
                    open_set = Some((i, false));
                }
            }
            i = end;
        }
    }
    let [up, rollback] = out.map(|b| String::from_utf8(b).unwrap_or_default());
    Some(Masked { format, up, rollback, up_blocks, change_sets })
}

/// Rollback text with something in it marks the open change set as reversible.
fn note_rollback(dest: Dest, text: &[u8], open_set: &mut Option<(usize, bool)>) {
    if dest == Dest::Rollback && text.iter().any(|b| !b.is_ascii_whitespace()) {
        if let Some((_, has_rollback)) = open_set {
            *has_rollback = true;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    Up = 0,
    Rollback = 1,
}

/// Where the text directly inside the innermost open element goes.
fn target(format: ChangelogFormat, stack: &[&str]) -> Option<Dest> {
    let top = *stack.last()?;
    let is_cypher = match format {
        ChangelogFormat::Liquigraph => top == "query",
        ChangelogFormat::Liquibase => top == "cypher" || top == "sql",
    };
    if stack
        .iter()
        .any(|e| matches!(e.to_ascii_lowercase().as_str(), "precondition" | "preconditions" | "postcondition"))
    {
        return None;
    }
    if stack.contains(&"rollback") {
        return (top == "rollback" || is_cypher).then_some(Dest::Rollback);
    }
    let in_change_set = stack.iter().any(|e| e.eq_ignore_ascii_case("changeset"));
    (is_cypher && in_change_set).then_some(Dest::Up)
}

/// Copies XML character data (no markup) from `bytes[start..end]` into `out` at the same
/// offsets, decoding entities (see the module docs for where the saved bytes go).
fn copy_text(bytes: &[u8], start: usize, end: usize, out: &mut [u8]) {
    let mut at = start;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if b == b'&' {
            if let Some((decoded, len)) = entity(&bytes[i..end]) {
                let mut buf = [0; 4];
                let encoded = decoded.encode_utf8(&mut buf).as_bytes();
                out[at..at + encoded.len()].copy_from_slice(encoded);
                at += encoded.len();
                i += len;
                continue;
            }
        }
        if b.is_ascii_whitespace() {
            // The bytes saved so far are spaces already: the next word starts where it does.
            at = i;
        }
        out[at] = b;
        at += 1;
        i += 1;
    }
}

/// The character an entity at the start of `text` stands for, and the entity's length; only
/// when the character is no longer than the entity.
fn entity(text: &[u8]) -> Option<(char, usize)> {
    let semi = text.iter().take(12).position(|&b| b == b';')?;
    let name = std::str::from_utf8(&text[1..semi]).ok()?;
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    (c.len_utf8() <= semi + 1).then_some((c, semi + 1))
}

/// Spaces for every byte of `bytes` but line breaks.
fn blank(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' }).collect()
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The element name starting at `i` and the offset after it.
fn tag_name(bytes: &[u8], i: usize) -> (&str, usize) {
    let len = bytes[i.min(bytes.len())..]
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'>' | b'/'))
        .count();
    (std::str::from_utf8(&bytes[i..i + len]).unwrap_or(""), i + len)
}

/// The offset after the `>` of a start tag whose attributes begin at `i` (quotes respected).
fn tag_end(bytes: &[u8], mut i: usize) -> usize {
    let mut quote = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The offset after a `<!DOCTYPE …>`-like declaration (an internal subset in `[…]` included).
fn declaration_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'>' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

fn memchr(bytes: &[u8], from: usize, b: u8) -> Option<usize> {
    bytes[from..].iter().position(|&x| x == b).map(|p| p + from)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liquigraph_cdata_and_entities_keep_offsets() {
        let xml = "<changelog>\n<changeset id=\"a\" author=\"b\">\n<query><![CDATA[MATCH (n) RETURN n]]></query>\n<query>MATCH (n) WHERE n.x &lt; 3 AND n.y &lt;&gt; 2 RETURN n</query>\n</changeset>\n</changelog>\n";
        let m = mask(xml).unwrap();
        assert_eq!(m.format, ChangelogFormat::Liquigraph);
        assert_eq!(m.up.len(), xml.len());
        assert_eq!(m.up_blocks, 2);
        let cdata = xml.find("MATCH (n) RETURN n").unwrap();
        assert_eq!(&m.up[cdata..cdata + 18], "MATCH (n) RETURN n");
        let three = xml.find("3 AND").unwrap();
        assert_eq!(&m.up[three - 9..three + 1], "n.x <    3");
        let ne = xml.find("&lt;&gt;").unwrap();
        assert_eq!(&m.up[ne..ne + 10], "<>       2");
        assert!(m.up.contains("RETURN n;"));
        assert_eq!(m.up.lines().count(), xml.lines().count());
    }

    #[test]
    fn preconditions_and_rollbacks_are_not_up() {
        let xml = "<databaseChangeLog>\n<changeSet id=\"a\" author=\"b\">\n<preConditions><neo4j:cypherCheck expectedResult=\"0\">MATCH (p) RETURN count(p)</neo4j:cypherCheck></preConditions>\n<comment>not cypher</comment>\n<neo4j:cypher>CREATE (:A)</neo4j:cypher>\n<rollback>MATCH (a:A) DELETE a</rollback>\n</changeSet>\n</databaseChangeLog>";
        let m = mask(xml).unwrap();
        assert_eq!(m.format, ChangelogFormat::Liquibase);
        assert_eq!(m.up.split_whitespace().collect::<Vec<_>>(), ["CREATE", "(:A);"]);
        assert_eq!(m.rollback.split_whitespace().collect::<Vec<_>>(), ["MATCH", "(a:A)", "DELETE", "a;"]);
        assert_eq!(m.change_sets.len(), 1);
        assert!(m.change_sets[0].has_rollback);
        assert_eq!(m.change_sets[0].span.text(xml), &xml[20..xml.len() - 21]);
    }

    #[test]
    fn other_xml_is_not_a_changelog() {
        assert_eq!(sniff("<?xml version=\"1.0\"?>\n<!-- x -->\n<project><changelog/></project>"), None);
        assert_eq!(sniff("<catalog/>"), None);
        assert_eq!(sniff("<?xml version=\"1.0\"?><!-- c --><changelog>"), Some(ChangelogFormat::Liquigraph));
    }
}
