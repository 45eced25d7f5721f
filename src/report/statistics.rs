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
    /// How many of those fixes are unsafe (applied only with `--unsafe-fixes`).
    pub unsafe_fixable: usize,
}

/// Counts per rule, sorted by count (descending), then rule name.
pub fn rule_counts(results: &[FileResult]) -> Vec<RuleCount> {
    let mut by_rule: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
    for d in results.iter().flat_map(|r| &r.diagnostics) {
        let entry = by_rule.entry(d.rule).or_insert(RuleCount {
            rule: d.rule,
            code: d.code,
            count: 0,
            fixable: 0,
            unsafe_fixable: 0,
        });
        entry.count += 1;
        entry.fixable += usize::from(d.fix.is_some());
        entry.unsafe_fixable += usize::from(d.fix.as_ref().is_some_and(|f| !f.is_safe()));
    }
    let mut counts: Vec<RuleCount> = by_rule.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    counts
}

/// A right-aligned table: count, code, rule, and how many are fixable (`--fix`) or only with
/// `--unsafe-fixes`.
pub fn statistics(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let counts = rule_counts(results);
    let count_width = counts.iter().map(|c| super::plural(c.count, "", "").trim_end().len()).max().unwrap_or(1);
    let code_width = counts.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let rule_width = counts.iter().map(|c| c.rule.len()).max().unwrap_or(0);
    for c in &counts {
        let count = super::plural(c.count, "", "");
        let line =
            format!("{:>count_width$}  {:<code_width$}  {:<rule_width$}{}", count.trim_end(), c.code, c.rule, marks(c));
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `  [fixable]`, `  [unsafe fix]`, `  [2 fixable, 1 unsafe fix]`, or nothing.
fn marks(c: &RuleCount) -> String {
    let safe = c.fixable - c.unsafe_fixable;
    let all = |n: usize| n == c.count;
    let mut parts = Vec::new();
    match safe {
        0 => {}
        n if all(n) => parts.push("fixable".to_string()),
        n => parts.push(format!("{n} fixable")),
    }
    match c.unsafe_fixable {
        0 => {}
        n if all(n) => parts.push("unsafe fix".to_string()),
        1 => parts.push("1 unsafe fix".to_string()),
        n => parts.push(format!("{n} unsafe fixes")),
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  [{}]", parts.join(", "))
    }
}

/// The same counts as a JSON array (for `--statistics --format json`).
pub fn statistics_json(results: &[FileResult], _options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &rule_counts(results))?;
    writeln!(out)
}
