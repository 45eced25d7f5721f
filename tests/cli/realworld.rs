//! cymig on real repositories (`../shared/realworld/`, beside the clone): every repository there
//! is linted as its users would lint it — `cymig lint .` from the repository's root — and
//!
//! - what cymig says is kept as one insta snapshot per repository, so that every change in what
//!   cymig says about real code shows in a diff and is reviewed;
//! - the judged findings in `tests/realworld/verdicts/<repository>.toml` are held to: a finding
//!   judged false must not come back, a finding judged true must not disappear, and every
//!   error-severity finding must carry a verdict. A false finding that cymig still reports is
//!   marked `open = true` (a known fault, counted in the precision); once fixed, the test asks
//!   for the mark to go, so the list only tightens. The test prints precision per rule.
//!
//! When `../shared/realworld` is absent (a user's checkout) the tests print that they were skipped.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn realworld_dir() -> PathBuf {
    crate::support::shared_dir().join("realworld")
}

fn verdicts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/realworld/verdicts")
}

/// The repositories (top folders), or `None` (printed) when the corpus is absent.
fn repositories() -> Option<Vec<(String, PathBuf)>> {
    let root = realworld_dir();
    let Ok(entries) = std::fs::read_dir(&root) else {
        println!("skipped: ../shared/realworld is not present ({})", root.display());
        return None;
    };
    let mut repos: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    repos.sort();
    Some(repos)
}

/// One finding as `cymig lint --format json` reports it.
#[derive(Debug, Deserialize)]
struct JsonFinding {
    rule: String,
    severity: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
}

/// A finding, keyed as verdicts name it: `<path in the repository>:<line>:<column>` and the rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    at: String,
    rule: String,
    severity: String,
    message: String,
}

fn lint_repository(dir: &Path) -> Vec<Finding> {
    let output = Command::new(env!("CARGO_BIN_EXE_cymig"))
        .args(["lint", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .expect("run cymig");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "cymig lint in {} exited {code:?}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Vec<JsonFinding> = serde_json::from_slice(&output.stdout).expect("lint json");
    let mut findings: Vec<Finding> = json
        .into_iter()
        .map(|f| Finding {
            at: format!("{}:{}:{}", f.file.trim_start_matches("./"), f.line, f.column),
            rule: f.rule,
            severity: f.severity,
            message: f.message,
        })
        .collect();
    findings.sort_by(|a, b| by_position(&a.at, &b.at).then_with(|| a.rule.cmp(&b.rule)));
    findings
}

/// Paths in name order, then lines and columns numerically.
fn by_position(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(at: &str) -> (&str, usize, usize) {
        let mut parts = at.rsplitn(3, ':');
        let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        (parts.next().unwrap_or(""), line, column)
    }
    split(a).cmp(&split(b))
}

fn render(findings: &[Finding]) -> String {
    let mut out = format!("{} finding(s)\n", findings.len());
    for f in findings {
        out.push_str(&format!("{} {} {}: {}\n", f.at, f.severity, f.rule, f.message));
    }
    out
}

/// `tests/realworld/verdicts/<repository>.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictFile {
    #[serde(default)]
    finding: Vec<Verdict>,
}

/// One judgement. `at` names one finding or several that share the verdict and its reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    #[serde(deserialize_with = "one_or_many")]
    at: Vec<String>,
    rule: String,
    verdict: Judgement,
    why: String,
    /// A false finding still reported: known, not yet fixed.
    #[serde(default)]
    open: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
enum Judgement {
    True,
    False,
    Debatable,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn read_verdicts(repo: &str) -> BTreeMap<(String, String), (Judgement, bool)> {
    let path = verdicts_dir().join(format!("{repo}.toml"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return BTreeMap::new();
    };
    let file: VerdictFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut verdicts = BTreeMap::new();
    for v in file.finding {
        assert!(!v.why.trim().is_empty(), "{}: a verdict on {:?} has no reason", path.display(), v.at);
        for at in v.at {
            let previous = verdicts.insert((at.clone(), v.rule.clone()), (v.verdict, v.open));
            assert!(previous.is_none(), "{}: two verdicts on {at} {}", path.display(), v.rule);
        }
    }
    verdicts
}

#[derive(Default)]
struct Tally {
    judged: BTreeMap<Judgement, usize>,
}

impl Tally {
    fn precision(&self) -> Option<f64> {
        let t = *self.judged.get(&Judgement::True).unwrap_or(&0) as f64;
        let f = *self.judged.get(&Judgement::False).unwrap_or(&0) as f64;
        (t + f > 0.0).then(|| t / (t + f))
    }
}

#[test]
fn realworld_findings_are_snapshotted_and_hold_to_their_verdicts() {
    let Some(repos) = repositories() else { return };
    let mut problems = Vec::new();
    let mut per_rule: BTreeMap<String, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    let (mut files, mut total, mut open) = (0usize, 0usize, 0usize);
    for (repo, dir) in &repos {
        let findings = lint_repository(dir);
        files += count_cypher_files(dir);
        total += findings.len();
        insta::with_settings!({ snapshot_path => "../realworld/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(repo.replace('@', "_at_"), render(&findings));
        });
        let verdicts = read_verdicts(repo);
        let present: BTreeSet<(String, String)> = findings.iter().map(|f| (f.at.clone(), f.rule.clone())).collect();
        for ((at, rule), &(judgement, open_mark)) in &verdicts {
            let key = (at.clone(), rule.clone());
            let reported = present.contains(&key);
            match (judgement, open_mark, reported) {
                (Judgement::False, false, true) => {
                    problems.push(format!("{repo}/{at} {rule}: judged false, reported again"))
                }
                (Judgement::False, true, false) => {
                    problems.push(format!("{repo}/{at} {rule}: fixed (no longer reported): remove its `open = true`"))
                }
                (Judgement::True, _, false) => {
                    problems.push(format!("{repo}/{at} {rule}: judged true, no longer reported"))
                }
                _ => {}
            }
            if reported {
                *per_rule.entry(rule.clone()).or_default().judged.entry(judgement).or_default() += 1;
                *overall.judged.entry(judgement).or_default() += 1;
                open += usize::from(judgement == Judgement::False);
            }
        }
        for f in findings.iter().filter(|f| f.severity == "error") {
            if !verdicts.contains_key(&(f.at.clone(), f.rule.clone())) {
                problems.push(format!(
                    "{repo}/{} {}: error-severity finding without a verdict: {}",
                    f.at, f.rule, f.message
                ));
            }
        }
    }
    print_precision(&per_rule, &overall, files, total);
    println!("{open} finding(s) judged false are still reported (`open = true` in the verdicts)");
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

fn count_cypher_files(dir: &Path) -> usize {
    walk(dir).filter(|p| p.extension().is_some_and(|e| e == "cypher")).count()
}

fn walk(dir: &Path) -> impl Iterator<Item = PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    let mut out = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.into_iter()
}

fn print_precision(per_rule: &BTreeMap<String, Tally>, overall: &Tally, files: usize, total: usize) {
    println!("realworld: {total} finding(s) in {files} .cypher file(s)");
    println!("{:<28} {:>5} {:>5} {:>9} {:>9}", "rule", "true", "false", "debatable", "precision");
    let row = |name: &str, t: &Tally| {
        let n = |j| *t.judged.get(&j).unwrap_or(&0);
        let p = t.precision().map_or("-".into(), |p| format!("{:.1}%", p * 100.0));
        println!(
            "{name:<28} {:>5} {:>5} {:>9} {p:>9}",
            n(Judgement::True),
            n(Judgement::False),
            n(Judgement::Debatable)
        );
    };
    for (rule, tally) in per_rule {
        row(rule, tally);
    }
    row("overall", overall);
}
