//! Which conventions a migration set follows, as detected from its files (or as the
//! configuration set them): what `cymig lint -v` and `cymig plan` say about each set they read,
//! so that a user sees how cymig understood their directory.

use super::convention::{is_timestamp, Convention, LayoutKind};
use super::naming::Style;
use super::{FileRole, MigrationSet};

/// The conventions found in one set, with how many files follow each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub flyway: usize,
    pub up_down: usize,
    pub numbered: usize,
    /// Numbered or `.up/.down` migrations whose version is a date (`20240115123000_x.cypher`).
    pub timestamped: usize,
    /// Migrations named by the configured patterns.
    pub custom: usize,
    pub downs: usize,
    pub in_file_downs: usize,
    pub repeatables: usize,
    pub callbacks: usize,
    pub changelogs: usize,
    /// Conventionally named files that are not part of the version order: a duplicate version
    /// (reported), a guarded alternative, a down or verify file without its migration.
    pub set_aside: usize,
    /// Files beside migrations that follow no convention (each a `migration-naming` finding).
    pub misnamed: usize,
    /// Files in directories that hold no migration: scripts run by hand.
    pub scripts: usize,
    /// The configured convention the set was read with ([`Convention::Auto`]: detected).
    pub convention: Convention,
}

impl Layout {
    /// Counts the conventions of `set`; `is_migration_dir` says whether an unrecognised file
    /// lies beside migrations (misnamed) or in a directory of scripts.
    pub fn of(set: &MigrationSet, is_migration_dir: impl Fn(&std::path::Path) -> bool) -> Layout {
        let mut layout = Layout { convention: set.convention.clone(), ..Layout::default() };
        for m in &set.migrations {
            match m.style {
                Style::Flyway => layout.flyway += 1,
                Style::UpDown => layout.up_down += 1,
                Style::Numbered => layout.numbered += 1,
                Style::Custom => layout.custom += 1,
            }
            layout.timestamped += usize::from(m.style != Style::Flyway && is_timestamp(&m.version));
            layout.downs += usize::from(m.down.is_some());
            layout.in_file_downs += usize::from(m.up.down_start.is_some());
        }
        layout.repeatables = set.repeatables.len();
        for f in &set.unrecognised {
            match f.role {
                FileRole::Callback => layout.callbacks += 1,
                FileRole::Changelog => layout.changelogs += 1,
                FileRole::Up | FileRole::Down | FileRole::Repeatable | FileRole::Verify => layout.set_aside += 1,
                _ if is_migration_dir(f.path()) => layout.misnamed += 1,
                _ => layout.scripts += 1,
            }
        }
        layout
    }

    /// The counts of the set given as a migrations directory: every unrecognised file in it is
    /// misnamed (except beside Liquibase changelogs, which name no file).
    pub fn of_migrations_dir(set: &MigrationSet) -> Layout {
        let liquibase = set.convention == Convention::Named(LayoutKind::Liquibase);
        Layout::of(set, |_| !liquibase)
    }

    /// The convention most of the set follows, if it follows one.
    pub fn detected(&self) -> Option<LayoutKind> {
        let versioned = [
            (self.flyway, LayoutKind::Flyway),
            (self.up_down, LayoutKind::GolangMigrate),
            (self.numbered, LayoutKind::Numbered),
        ];
        let (count, kind) = versioned.into_iter().max_by_key(|(n, _)| *n).unwrap_or((0, LayoutKind::Flyway));
        if count > 0 && self.callbacks > 0 {
            Some(LayoutKind::Neo4jMigrations)
        } else if kind == LayoutKind::Numbered && count > 0 && self.timestamped >= count {
            Some(LayoutKind::Timestamp)
        } else if count > 0 {
            Some(kind)
        } else if self.changelogs > 0 {
            Some(LayoutKind::Liquibase)
        } else {
            None
        }
    }

    /// `detected layout flyway (Flyway naming)`, `configured layout numbered (numbered files)`.
    pub fn name(&self) -> String {
        if self.convention.is_configured() {
            return format!("configured layout {} ({})", self.convention.id(), self.convention.description());
        }
        match self.detected() {
            Some(kind) => format!("detected layout {} ({})", kind.id(), kind.description()),
            None if self.scripts > 0 => "no migration layout (scripts)".to_string(),
            None => "empty".to_string(),
        }
    }

    /// One line: the convention, then every count that is not zero.
    pub fn summary(&self) -> String {
        let parts = [
            (self.custom, "migration by pattern", "migrations by pattern"),
            (self.flyway, "V…__ migration", "V…__ migrations"),
            (self.up_down, ".up/.down migration", ".up/.down migrations"),
            (self.numbered, "numbered migration", "numbered migrations"),
            (self.downs, "down script", "down scripts"),
            (self.in_file_downs, "in-file down section", "in-file down sections"),
            (self.repeatables, "repeatable", "repeatables"),
            (self.callbacks, "callback", "callbacks"),
            (self.changelogs, "changelog", "changelogs"),
            (self.set_aside, "file set aside", "files set aside"),
            (self.misnamed, "misnamed file", "misnamed files"),
            (self.scripts, "script", "scripts"),
        ];
        let counts: Vec<String> = parts
            .iter()
            .filter(|(n, ..)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
            .collect();
        if counts.is_empty() {
            return self.name().to_string();
        }
        format!("{}: {}", self.name(), counts.join(", "))
    }
}
