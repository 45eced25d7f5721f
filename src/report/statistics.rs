//! `--statistics`: how many findings each rule produced, most frequent first.

use super::ReportOptions;
use crate::check::FileResult;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Findings of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub rule: &'static str,
    pub code: &'static str,
    pub count: usize,
    /// How many of them carry a fix.
    pub fixable: usize,
}

/// Counts per rule, sorted by count (descending), then rule name.
pub fn rule_counts(results: &[FileResult]) -> Vec<RuleCount> {
    let mut by_rule: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
    for d in results.iter().flat_map(|r| &r.diagnostics) {
        let entry = by_rule.entry(d.rule).or_insert(RuleCount { rule: d.rule, code: d.code, count: 0, fixable: 0 });
        entry.count += 1;
        entry.fixable += usize::from(d.fix.is_some());
    }
    let mut counts: Vec<RuleCount> = by_rule.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    counts
}

/// A right-aligned table: count, code, rule, and how many are fixable.
pub fn statistics(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let counts = rule_counts(results);
    let count_width = counts.iter().map(|c| c.count.to_string().len()).max().unwrap_or(1);
    let code_width = counts.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let rule_width = counts.iter().map(|c| c.rule.len()).max().unwrap_or(0);
    for c in &counts {
        let fixable = match c.fixable {
            0 => String::new(),
            n if n == c.count => "  [fixable]".to_string(),
            n => format!("  [{n} fixable]"),
        };
        let line = format!("{:>count_width$}  {:<code_width$}  {:<rule_width$}{fixable}", c.count, c.code, c.rule);
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The same counts as a JSON array (for `--statistics --format json`).
pub fn statistics_json(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &rule_counts(results))?;
    writeln!(out)
}
