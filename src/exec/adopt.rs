//! `cymig baseline --from neo4j-migrations`: adopts a database that neo4j-migrations migrated.
//!
//! neo4j-migrations keeps its history in the migrated database as a chain of
//! `(:__Neo4jMigration {version, description, checksum, type, source, repeatable})` nodes,
//! starting at a `{version: 'BASELINE'}` node; the `MIGRATED_TO {at, in, by, connectedAs}`
//! relationship pointing at a node records when, how long, by whom and as which database user
//! that migration was applied. Adopting reads the chain, matches every entry with a file of the
//! migration set, and records the matches as cymig history (installed_on/by kept), so that
//! `cymig up` applies only what is new. The chain itself is left as it is.
//!
//! Nothing is recorded when the files and the chain disagree (an entry without a file, a file
//! edited since it was applied, a file older than the chain's head that was never applied): the
//! refusal lists every disagreement, since recording a guess would let `up` skip or repeat work.

use super::admin::recorded_without_running;
use super::connect::Db;
use super::history;
use super::{migration_key, normalise_version, Executor};
use crate::error::{Error, Result};
use crate::migration::Version;
use crate::plan::{CheckedPlan, MigrationPlan};
use neo4rs::query;

/// The label of neo4j-migrations' chain nodes.
const CHAIN_LABEL: &str = "__Neo4jMigration";

/// One applied migration of the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainEntry {
    pub version: String,
    pub description: String,
    /// neo4j-migrations' checksum (CRC32 of the statements, see [`checksum`]).
    pub checksum: Option<String>,
    /// `CYPHER`, `CATALOG`, `JAVA`.
    pub kind: String,
    /// The file (or class) it was applied from.
    pub source: String,
    pub repeatable: bool,
    pub installed_on: Option<String>,
    pub installed_by: Option<String>,
    pub connected_as: Option<String>,
}

/// A migration of the set recorded as applied by neo4j-migrations.
#[derive(Debug)]
pub struct Adopted<'p> {
    pub migration: &'p MigrationPlan,
    pub entry: ChainEntry,
}

/// What adopting recorded.
#[derive(Debug, Default)]
pub struct Adoption {
    pub recorded: usize,
    /// The newest version recorded.
    pub version: Option<String>,
    /// Repeatable migrations edited since neo4j-migrations ran them: left unrecorded, so
    /// `cymig up` runs them again (as neo4j-migrations would).
    pub rerun: Vec<String>,
}

/// How the files and the chain line up: what to record, or every disagreement.
#[derive(Debug, Default)]
pub struct Matched<'p> {
    pub adopted: Vec<Adopted<'p>>,
    pub rerun: Vec<String>,
    pub problems: Vec<String>,
}

impl Executor {
    /// Records neo4j-migrations' chain as cymig history. Refuses when cymig history exists
    /// already, when there is no chain, or when the files and the chain disagree.
    pub async fn adopt_neo4j_migrations(&self, plan: &CheckedPlan, reason: Option<&str>) -> Result<Adoption> {
        history::ensure_schema(&self.db).await?;
        let lock = self.lock().await?;
        let result = async {
            super::admin::refuse_existing_history(&self.db).await?;
            let chain = load_chain(&self.db).await?;
            let matched = match_chain(&plan.plan().migrations, &chain);
            if !matched.problems.is_empty() {
                return Err(Error::Usage(refusal(&matched.problems)));
            }
            let note = format!(
                "{}: adopted from neo4j-migrations by {}: {}",
                super::admin::now_note(),
                self.options.applied_by,
                reason.unwrap_or("existing chain adopted")
            );
            let version = newest_version(&matched.adopted);
            let mut queries = Vec::new();
            for a in &matched.adopted {
                queries.extend(record(a, &note, &self.options.applied_by));
            }
            queries.push(history::write_schema_version(version.as_deref()));
            self.write_all(queries).await?;
            Ok(Adoption { recorded: matched.adopted.len(), version, rerun: matched.rerun })
        }
        .await;
        lock.release_after(result).await
    }
}

/// The history record of one adopted migration, then the chain's installed_on/by copied onto it.
fn record(a: &Adopted<'_>, note: &str, by: &str) -> Vec<neo4rs::Query> {
    let key = migration_key(a.migration);
    let e = &a.entry;
    let note = format!(
        "{note}; neo4j-migrations applied {} `{}` (checksum {}) on {} by {} connected as {}",
        e.version,
        e.source,
        e.checksum.as_deref().unwrap_or("none"),
        e.installed_on.as_deref().unwrap_or("an unknown date"),
        e.installed_by.as_deref().unwrap_or("an unknown user"),
        e.connected_as.as_deref().unwrap_or("an unknown user"),
    );
    let update = recorded_without_running(a.migration, &key, by, note);
    let installed = query(&format!(
        "MATCH (n:{CHAIN_LABEL} {{version: $version}})<-[r:MIGRATED_TO]-() WHERE n.migrationTarget IS NULL \
         WITH r ORDER BY r.at DESC LIMIT 1 \
         MATCH (m:{} {{key: $key}}) \
         SET m.applied_at = coalesce(r.at, m.applied_at), m.applied_by = coalesce(r.by, m.applied_by), \
             m.execution_ms = coalesce(r.`in`.milliseconds, m.execution_ms)",
        history::MIGRATION_LABEL
    ))
    .param("version", e.version.as_str())
    .param("key", key.as_str());
    vec![history::write(&update), installed]
}

/// Refuses to migrate a database that neo4j-migrations migrated and cymig has not adopted:
/// with no cymig history, `up` would apply every file again.
pub async fn refuse_unadopted(db: &Db) -> Result<()> {
    let rows = db
        .rows(query(&format!(
            "OPTIONAL MATCH (:{CHAIN_LABEL})-[:MIGRATED_TO]->(n:{CHAIN_LABEL}) \
             WITH count(DISTINCT n) AS chain \
             OPTIONAL MATCH (m:{}) \
             RETURN chain, count(m) AS history",
            history::MIGRATION_LABEL
        )))
        .await?;
    let count = |name: &str| rows.first().and_then(|r| r.get::<i64>(name).ok()).unwrap_or(0);
    if count("chain") > 0 && count("history") == 0 {
        return Err(Error::Usage(format!(
            "neo4j-migrations migrated this database ({} migration(s) in its __Neo4jMigration chain) and cymig has no history here, \
             so `up` would apply them all again: adopt the chain first with `cymig baseline --from neo4j-migrations`",
            count("chain")
        )));
    }
    Ok(())
}

/// The chain, oldest first; a repeatable applied several times appears once (its latest run).
pub async fn load_chain(db: &Db) -> Result<Vec<ChainEntry>> {
    let targets = db
        .rows(query(&format!(
            "MATCH (m:{CHAIN_LABEL}) WHERE m.migrationTarget IS NOT NULL \
             RETURN DISTINCT m.migrationTarget AS target ORDER BY target LIMIT 5"
        )))
        .await?;
    let targets: Vec<String> = targets.iter().filter_map(|r| r.get::<String>("target").ok()).collect();
    if !targets.is_empty() {
        return Err(Error::Usage(format!(
            "this database keeps neo4j-migrations chains for other databases (migrationTarget {}); \
             cymig adopts a chain kept in the migrated database itself: connect to that database",
            targets.join(", ")
        )));
    }
    let rows = db
        .rows(query(&format!(
            "MATCH (:{CHAIN_LABEL})-[r:MIGRATED_TO]->(m:{CHAIN_LABEL}) \
             RETURN m.version AS version, coalesce(m.description, '') AS description, \
                    toString(m.checksum) AS checksum, coalesce(m.type, 'CYPHER') AS kind, \
                    coalesce(m.source, '') AS source, coalesce(m.repeatable, false) AS repeatable, \
                    toString(r.at) AS at, r.by AS by, r.connectedAs AS connected_as \
             ORDER BY r.at"
        )))
        .await?;
    let mut chain: Vec<ChainEntry> = Vec::new();
    for row in &rows {
        let Ok(version) = row.get::<String>("version") else { continue };
        let entry = ChainEntry {
            version,
            description: row.get("description").unwrap_or_default(),
            checksum: row.get("checksum").ok(),
            kind: row.get("kind").unwrap_or_default(),
            source: row.get("source").unwrap_or_default(),
            repeatable: row.get("repeatable").unwrap_or(false),
            installed_on: row.get("at").ok(),
            installed_by: row.get("by").ok(),
            connected_as: row.get("connected_as").ok(),
        };
        chain.retain(|e| e.version != entry.version);
        chain.push(entry);
    }
    if chain.is_empty() {
        return Err(Error::Usage(
            "no neo4j-migrations chain in this database (no :__Neo4jMigration migrated to by a MIGRATED_TO relationship)"
                .into(),
        ));
    }
    Ok(chain)
}

/// Matches the chain with the migration set: versioned entries by version, repeatable ones by
/// description (cymig's repeatable migrations have no version).
pub fn match_chain<'p>(migrations: &'p [MigrationPlan], chain: &[ChainEntry]) -> Matched<'p> {
    let mut out = Matched::default();
    for entry in chain {
        let Some(m) = file_of(migrations, entry) else {
            out.problems.push(missing_file(entry));
            continue;
        };
        match file_checksum(m, entry) {
            Some(file) if Some(&file) != entry.checksum.as_ref() => {
                if entry.repeatable {
                    out.rerun.push(m.file.display().to_string());
                } else {
                    out.problems.push(format!(
                        "{}: edited since neo4j-migrations applied it as version {} (checksum {} in the chain, {file} now): restore the file as it was applied",
                        m.file.display(),
                        entry.version,
                        entry.checksum.as_deref().unwrap_or("none"),
                    ));
                }
                continue;
            }
            _ => {}
        }
        out.adopted.push(Adopted { migration: m, entry: entry.clone() });
    }
    out.problems.extend(never_applied(migrations, chain, &out.adopted));
    out.adopted.sort_by_key(|a| migrations.iter().position(|m| std::ptr::eq(m, a.migration)));
    out
}

fn file_of<'p>(migrations: &'p [MigrationPlan], entry: &ChainEntry) -> Option<&'p MigrationPlan> {
    if entry.repeatable {
        let wanted = words(&entry.description);
        return migrations.iter().find(|m| m.version.is_none() && words(&m.description) == wanted);
    }
    let wanted = normalise_version(&entry.version);
    migrations.iter().find(|m| m.version.as_ref().is_some_and(|v| v.history_key() == wanted))
}

/// neo4j-migrations turns `_` in a file name's description into spaces; cymig keeps them.
fn words(description: &str) -> String {
    description.replace('_', " ").trim().to_lowercase()
}

fn missing_file(entry: &ChainEntry) -> String {
    let what = format!("version {} (`{}`, {})", entry.version, entry.description, entry.source);
    if entry.repeatable {
        format!(
            "repeatable {what} has no cymig repeatable migration: cymig's have no version, name it `R__{}.cypher`",
            entry.description.replace(' ', "_")
        )
    } else if entry.kind == "JAVA" {
        format!("{what} is a Java-based migration, which cymig cannot run: it has no file in this migration set")
    } else {
        format!("{what} was applied by neo4j-migrations but no file of this migration set has that version")
    }
}

/// neo4j-migrations' checksum of `m`'s file, when it can be compared with the entry's: Cypher
/// entries only, and not for files with `:use` (neo4j-migrations splits those differently).
fn file_checksum(m: &MigrationPlan, entry: &ChainEntry) -> Option<String> {
    if entry.kind != "CYPHER" || entry.checksum.is_none() {
        return None;
    }
    checksum(&std::fs::read_to_string(&m.file).ok()?)
}

/// Versioned files at or below the chain's newest version that the chain does not hold: adopting
/// would record history around a gap that neo4j-migrations never applied.
fn never_applied(migrations: &[MigrationPlan], chain: &[ChainEntry], adopted: &[Adopted<'_>]) -> Vec<String> {
    let Some(head) = chain.iter().filter(|e| !e.repeatable).filter_map(|e| Version::parse(&e.version).ok()).max()
    else {
        return Vec::new();
    };
    let in_chain: Vec<String> = chain.iter().map(|e| normalise_version(&e.version)).collect();
    migrations
        .iter()
        .filter(|m| !adopted.iter().any(|a| std::ptr::eq(*m, a.migration)))
        .filter_map(|m| {
            let v = m.version.as_ref()?;
            (*v <= head && !in_chain.contains(&v.history_key())).then(|| {
                format!(
                    "{}: version {v} is older than the chain's newest version {head} but neo4j-migrations never applied it",
                    m.file.display()
                )
            })
        })
        .collect()
}

fn newest_version(adopted: &[Adopted<'_>]) -> Option<String> {
    adopted.iter().filter_map(|a| a.migration.version.as_ref()).max().map(|v| v.raw.clone())
}

fn refusal(problems: &[String]) -> String {
    let mut text = format!(
        "the migration files and the neo4j-migrations chain disagree ({} problem(s)); nothing was recorded:",
        problems.len()
    );
    for p in problems {
        text.push_str("\n  - ");
        text.push_str(p);
    }
    text
}

/// neo4j-migrations' checksum of a Cypher script: the file split into statements at `;` ending
/// a line, each trimmed (Java's `trim`) without its final `;`, empty ones dropped, and CRC32
/// over their UTF-8 bytes in order, as an unsigned decimal. `None` for a script with a `:use`
/// line, whose statements neo4j-migrations regroups before hashing.
pub fn checksum(text: &str) -> Option<String> {
    let mut crc = Crc32::default();
    for token in split_statements(text) {
        let statement = java_trim(token);
        let statement = java_trim(statement.strip_suffix(';').unwrap_or(statement));
        if statement.is_empty() {
            continue;
        }
        if statement.to_lowercase().contains(":use ") {
            return None;
        }
        crc.update(statement.as_bytes());
    }
    Some(crc.value().to_string())
}

/// The pieces between `;\n`, `;\r\n` and `;\r` delimiters.
fn split_statements(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b';' {
            let end = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => Some(i + 3),
                (Some(b'\n' | b'\r'), _) => Some(i + 2),
                _ => None,
            };
            if let Some(end) = end {
                out.push(&text[start..i]);
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

/// Java's `String.trim`: strips every character up to U+0020 from both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// CRC-32 (IEEE), as `java.util.zip.CRC32`.
#[derive(Default)]
struct Crc32(u32);

impl Crc32 {
    fn update(&mut self, bytes: &[u8]) {
        let mut crc = !self.0;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        self.0 = !crc;
    }

    fn value(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Checksums the real neo4j-migrations 2.17.3 CLI recorded for these files.
    #[test]
    fn checksums_match_neo4j_migrations() {
        let cases = [
            ("CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE;\n", "3317810837"),
            ("// a comment\nCREATE (:Person {id: 1});\nCREATE (:Person {id: 2});\n", "2730919699"),
            ("MERGE (c:Config {name: \"x\"}) SET c.v = 1;\n", "1796056956"),
        ];
        for (text, expected) in cases {
            assert_eq!(checksum(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn line_endings_and_a_missing_final_semicolon_split_alike() {
        let lf = checksum("CREATE (:A);\nCREATE (:B);\n");
        assert_eq!(checksum("CREATE (:A);\r\nCREATE (:B)"), lf);
        assert_eq!(checksum("  CREATE (:A);\r  CREATE (:B);;\n\n"), checksum("CREATE (:A);\nCREATE (:B);\n"));
    }

    #[test]
    fn scripts_with_use_are_not_compared() {
        assert_eq!(checksum(":use movies;\nCREATE (:A);\n"), None);
    }
}
