//! Which conventions a migration set follows, as detected from its files: what `cymig lint -v`
//! says about each set it read, so that a user sees how cymig understood their directory.

use super::naming::Style;
use super::{FileRole, MigrationSet};

/// The conventions found in one set, with how many files follow each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub flyway: usize,
    pub up_down: usize,
    pub numbered: usize,
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
}

impl Layout {
    /// Counts the conventions of `set`; `is_migration_dir` says whether an unrecognised file
    /// lies beside migrations (misnamed) or in a directory of scripts.
    pub fn of(set: &MigrationSet, is_migration_dir: impl Fn(&std::path::Path) -> bool) -> Layout {
        let mut layout = Layout::default();
        for m in &set.migrations {
            match m.style {
                Style::Flyway => layout.flyway += 1,
                Style::UpDown => layout.up_down += 1,
                Style::Numbered => layout.numbered += 1,
            }
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

    /// The name of the convention most of the set follows.
    pub fn name(&self) -> &'static str {
        let versioned = [
            (self.flyway, "Flyway naming"),
            (self.up_down, "golang-migrate .up/.down"),
            (self.numbered, "numbered files"),
        ];
        let (count, name) = versioned.into_iter().max_by_key(|(n, _)| *n).unwrap_or((0, ""));
        if count > 0 && self.callbacks > 0 {
            "neo4j-migrations (Flyway naming with callbacks)"
        } else if count > 0 {
            name
        } else if self.changelogs > 0 {
            "Liquibase / Liquigraph changelogs"
        } else if self.scripts > 0 {
            "scripts (no migration naming)"
        } else {
            "empty"
        }
    }

    /// One line: the convention, then every count that is not zero.
    pub fn summary(&self) -> String {
        let parts = [
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
