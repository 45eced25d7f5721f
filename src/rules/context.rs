//! What a rule knows about the file it checks: the text, the AST, directives, settings, and —
//! when the file belongs to a migration set — its role in the set and the schema before it.

use crate::ast::{Script, Statement};
use crate::check::catalog::Catalog;
use crate::migration::{Directive, DirectiveKind};
use crate::source::SourceFile;
use crate::span::Span;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The Neo4j version the migrations must run on: deprecated and removed syntax depends on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Target {
    /// Neo4j 4.4 (the last 4.x LTS).
    #[serde(rename = "4.4")]
    V4_4,
    /// Neo4j 5.x (5.26 LTS), Cypher 5.
    #[default]
    #[serde(rename = "5")]
    V5,
    /// Neo4j 2025.x and later with Cypher 25.
    #[serde(rename = "2025")]
    V2025,
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let major = s.split('.').next().unwrap_or("");
        match major {
            "4" if s == "4.4" || s == "4" => Ok(Target::V4_4),
            "5" => Ok(Target::V5),
            "25" => Ok(Target::V2025),
            m if m.len() == 4 && m.starts_with("20") && m.parse::<u32>().map_or(false, |y| y >= 2025) => {
                Ok(Target::V2025)
            }
            _ => Err(format!("unknown target Neo4j version `{s}` (expected 4.4, 5, 5.26, 2025.x or 25)")),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::V4_4 => "4.4",
            Target::V5 => "5",
            Target::V2025 => "2025",
        })
    }
}

/// Neo4j edition: some constraints and commands exist only in Enterprise Edition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    #[default]
    Community,
    Enterprise,
}

impl FromStr for Edition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "community" | "ce" => Ok(Edition::Community),
            "enterprise" | "ee" | "aura" => Ok(Edition::Enterprise),
            other => Err(format!("unknown edition `{other}` (expected community or enterprise)")),
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Edition::Community => "community",
            Edition::Enterprise => "enterprise",
        })
    }
}

/// Settings rules read (selection and severities are applied by the checker, not rules).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settings {
    pub target: Target,
    pub edition: Edition,
    /// `OF n ROWS` used by batching fixes.
    pub batch_size: u64,
    /// Batch sizes outside `[min_batch, max_batch]` are reported by `ineffective-batching`.
    pub min_batch: u64,
    pub max_batch: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { target: Target::V5, edition: Edition::Community, batch_size: 1000, min_batch: 100, max_batch: 100_000 }
    }
}

/// The role a file plays in its migration set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// A versioned up migration (`V1__x.cypher`, `1_x.up.cypher`).
    Up { version: String, has_down: bool },
    /// An explicit down script (`U1__x.cypher`, `1_x.down.cypher`).
    Down { version: String },
    /// A repeatable migration (`R__x.cypher`).
    Repeatable,
    /// A file outside any migration set (or not following the naming conventions).
    Standalone,
}

/// Set-level facts about one file, computed by the checker when it loads the set.
#[derive(Clone, Debug, Default)]
pub struct SetFacts {
    /// Why the file name does not follow the layout, if it does not.
    pub naming_problem: Option<String>,
    /// Other files with the same version (for `duplicate-version`).
    pub duplicate_of: Vec<String>,
    /// Why the file no longer matches `cymig.sum`, if it does not.
    pub edited: Option<String>,
}

pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    pub script: &'a Script,
    pub directives: &'a [Directive],
    pub settings: &'a Settings,
    pub role: FileRole,
    /// Constraints and indexes known before this file runs (earlier migrations; for a down
    /// script, everything up to and including its up migration).
    pub catalog_before: &'a Catalog,
    pub set: SetFacts,
}

impl<'a> FileContext<'a> {
    pub fn text(&self) -> &'a str {
        &self.source.text
    }

    pub fn slice(&self, span: Span) -> &'a str {
        span.text(&self.source.text)
    }

    /// The statement a directive ending at `end` applies to: the first one starting after it.
    pub fn statement_after(&self, end: usize) -> Option<&'a Statement> {
        self.script.statements.iter().find(|s| s.span.start >= end)
    }

    /// Whether `stmt` is acknowledged as irreversible by a `cymig:irreversible` directive.
    pub fn acknowledged_irreversible(&self, stmt: &Statement) -> bool {
        self.directives.iter().any(|d| {
            matches!(d.kind, DirectiveKind::Irreversible { .. })
                && self.statement_after(d.span.end).map(|s| s.span) == Some(stmt.span)
        })
    }

    /// The catalog as it stands just before `stmt`: earlier migrations plus the schema
    /// statements earlier in this file.
    pub fn catalog_at(&self, stmt: &Statement) -> Catalog {
        let mut catalog = self.catalog_before.clone();
        for s in self.script.statements.iter().take_while(|s| s.span.start < stmt.span.start) {
            catalog.apply(s);
        }
        catalog
    }

    pub fn is_up_migration(&self) -> bool {
        matches!(self.role, FileRole::Up { .. } | FileRole::Standalone)
    }
}
