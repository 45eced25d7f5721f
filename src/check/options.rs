//! What to check and how: rule selection, per-path ignores, severity overrides, settings and
//! fix mode. Built from `cymig.toml` and overridden by command-line flags.

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};
pub use crate::migration::glob::glob_matches;
use crate::rules::{registry, Rule, Settings};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FixMode {
    #[default]
    None,
    /// Apply safe fixes.
    Safe,
    /// Apply safe and unsafe fixes.
    Unsafe,
}

/// A severity override: a level, or `off` to disable the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Some(Level::Off),
            "info" => Some(Level::On(Severity::Info)),
            "warning" | "warn" => Some(Level::On(Severity::Warning)),
            "error" => Some(Level::On(Severity::Error)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub settings: Settings,
    /// Rule names, codes, code prefixes or categories to run; empty means all.
    pub select: Vec<String>,
    /// Rules never to run.
    pub ignore: Vec<String>,
    /// `(glob, rules)`: rules not run on files whose path matches the glob.
    pub per_path_ignores: Vec<(String, Vec<String>)>,
    /// Severity per rule name (later entries win).
    pub severity: Vec<(String, Level)>,
    pub fix: FixMode,
    /// Show fixes as a diff instead of writing them.
    pub diff: bool,
    /// The migrations directory from the configuration, if any.
    pub migrations_dir: Option<PathBuf>,
    /// How the files of the migrations directory are named (`[migrations] layout`).
    pub layout: crate::migration::convention::Convention,
    /// The migrations a database has applied (`lint --uri`): `--fix` leaves them alone.
    pub applied: Option<super::recorded::AppliedHistory>,
    /// Globs of paths directories are walked without (`lint.exclude`, `lint.extend-exclude`).
    pub exclude: Vec<String>,
}

impl LintOptions {
    /// Rejects selectors that name nothing (a typo in `select` must not silently disable rules).
    pub fn validate(&self) -> Result<()> {
        let all = self
            .select
            .iter()
            .chain(&self.ignore)
            .chain(self.per_path_ignores.iter().flat_map(|(_, r)| r))
            .chain(self.severity.iter().map(|(r, _)| r));
        for s in all {
            if !registry::is_known_selector(s) && !registry::all().iter().any(|r| registry::selects(s, r.meta())) {
                return Err(Error::Config {
                    path: None,
                    message: format!("unknown rule `{s}`{} (see `cymig rule --list`)", registry::did_you_mean(s)),
                });
            }
        }
        Ok(())
    }

    /// The rules that run on the file at `path` (as displayed, forward slashes).
    pub fn rules_for(&self, path: &str) -> Vec<&'static dyn Rule> {
        registry::all()
            .iter()
            .copied()
            .filter(|r| {
                let m = r.meta();
                let selected = self.select.is_empty() || self.select.iter().any(|s| registry::selects(s, m));
                let ignored = self.ignore.iter().any(|s| registry::selects(s, m));
                let path_ignored = self
                    .per_path_ignores
                    .iter()
                    .any(|(glob, rules)| glob_matches(glob, path) && rules.iter().any(|s| registry::selects(s, m)));
                let off = self.level_for(m) == Some(Level::Off);
                selected && !ignored && !path_ignored && !off
            })
            .collect()
    }

    fn level_of(&self, rule: &str) -> Option<Level> {
        self.level_for(registry::by_name(rule)?.meta())
    }

    fn level_for(&self, meta: &registry::RuleMeta) -> Option<Level> {
        self.severity.iter().rev().find(|(s, _)| registry::selects(s, meta)).map(|(_, l)| *l)
    }

    pub fn apply_severities(&self, diagnostics: &mut [Diagnostic]) {
        if self.severity.is_empty() {
            return;
        }
        for d in diagnostics {
            if let Some(Level::On(s)) = self.level_of(d.rule) {
                d.severity = s;
            }
        }
    }
}

/// Options from a configuration the command resolved (`cymig.toml` and its flags, loaded once
/// by the CLI); unknown rule names are configuration errors (exit 2) that say where they are
/// written.
pub fn for_config(config: &crate::config::Config) -> Result<LintOptions> {
    for r in &config.rule_references {
        if registry::is_known_selector(&r.name) || registry::all().iter().any(|m| registry::selects(&r.name, m.meta()))
        {
            continue;
        }
        let message = format!(
            "unknown rule `{}` in `{}`{} (see `cymig rule --list`)",
            r.name,
            r.key,
            registry::did_you_mean(&r.name)
        );
        return Err(match &r.origin {
            crate::config::Origin::File(path) => Error::Config {
                path: Some(path.clone()),
                message: format!("{message} at line {}, column {}", r.line, r.column),
            },
            _ => Error::Usage(message),
        });
    }
    Ok(LintOptions::from(config))
}

impl From<&crate::config::Config> for LintOptions {
    fn from(c: &crate::config::Config) -> Self {
        let batch = c.lint.batching.default_batch_size.max(1);
        LintOptions {
            settings: Settings {
                target: c.target,
                edition: c.edition,
                edition_stated: c.origin("edition") != crate::config::Origin::Default,
                batch_size: batch,
                min_batch: Settings::default().min_batch.min(batch),
                max_batch: Settings::default().max_batch.max(batch),
                before_4_4: false,
                procedures: c
                    .lint
                    .procedures
                    .iter()
                    .filter_map(|p| crate::semantic::ProcedureSignature::parse(p).ok())
                    .collect(),
            },
            select: c.lint.select.clone(),
            ignore: c.lint.ignore.clone(),
            per_path_ignores: c.lint.per_path_ignores.iter().map(|p| (p.pattern.clone(), p.rules.clone())).collect(),
            severity: c
                .lint
                .severity
                .iter()
                .map(|(rule, s)| (rule.clone(), s.severity().map_or(Level::Off, Level::On)))
                .collect(),
            fix: FixMode::None,
            diff: false,
            migrations_dir: Some(c.migrations.clone()),
            layout: c.layout.clone(),
            applied: None,
            exclude: c.lint.excluded(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("legacy/**", "migrations/legacy/V1__x.cypher"));
        assert!(glob_matches("V1__*.cypher", "migrations/V1__x.cypher"));
        assert!(!glob_matches("V1__*.cypher", "migrations/V2__x.cypher"));
        assert!(glob_matches("migrations/*.cypher", "./migrations/V2__x.cypher"));
        assert!(!glob_matches("migrations/*.cypher", "migrations/sub/V2__x.cypher"));
        assert!(glob_matches("**/seed-*/**", "fixtures/seed-002/V1__a.cypher"));
    }

    #[test]
    fn more_globs() {
        assert!(glob_matches("V?__*", "m/V1__x.cypher"));
        assert!(!glob_matches("V?__*", "m/V10__x.cypher"));
        assert!(glob_matches("**/legacy/*", "x/y/legacy/V1.cypher"));
        assert!(glob_matches("./legacy/**", "legacy/V1.cypher"));
        assert!(glob_matches("a/**/*.cypher", "a/V1.cypher"));
    }

    #[test]
    fn unknown_rule_names_in_the_file_are_errors_at_their_position() {
        let text = "[lint]\nselect = [\"unbatched-write\", \"unbatched-writes\"]\n";
        let config = crate::config::Config::from_toml(text, std::path::Path::new("/repo/cymig.toml")).unwrap();
        let message = for_config(&config).unwrap_err().to_string();
        assert!(message.contains("unknown rule `unbatched-writes` in `lint.select`"), "{message}");
        assert!(message.contains("line 2, column 30"), "{message}");
    }

    #[test]
    fn selection_by_name_code_and_category() {
        let o =
            LintOptions { select: vec!["compatibility".into()], ignore: vec!["CM015".into()], ..Default::default() };
        let names: Vec<_> = o.rules_for("a.cypher").iter().map(|r| r.meta().name).collect();
        assert!(names.contains(&"exists-function"));
        assert!(!names.contains(&"legacy-parameter"));
        assert!(!names.contains(&"undefined-variable"));
    }
}
