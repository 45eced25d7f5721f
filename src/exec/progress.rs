//! What a running step shows on stderr.
//!
//! On a terminal: a spinner with the step, its elapsed time and, for a batched step, the rows and
//! batches it is about to process. Elsewhere (CI logs, pipes) no spinner: a plain line every
//! `--progress-every` seconds while a step runs. Either way, a batched step ends with one line
//! saying how many rows and batches it committed (out of how many it set out to process).
//!
//! Where the counts come from (measured on Neo4j 5.26): a checkpointed `CALL … IN TRANSACTIONS`
//! step writes, in each batch's own transaction, the rows committed and the total driving rows on
//! its history record ([`crate::plan::Batched::checkpoint_per_batch`]); while it is shown, that
//! record is read every half second on another connection. Another `CALL … IN TRANSACTIONS` step
//! streams one row per driving row as each batch commits ([`crate::plan::Batched::streaming`]),
//! counted as they arrive, by the driver's fetch size (200 rows). Neither `REPORT STATUS` (its
//! first row comes after the last batch) nor `SHOW TRANSACTIONS` (it lists only the inner
//! transaction in flight, numbered from a database-wide sequence) could count them live.
//! `apoc.periodic.iterate` reports its counters only when it ends. For those, the totals are
//! counted before the step runs, as the dry run does — only when the step is shown: the count is
//! a second pass over the driving query.

use super::apply::Unit;
use super::history::BatchCount;
use super::Options;
use crate::plan::TransactionMode;
pub use crate::report::thousands;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rows and batches a batched step set out to process (counted before it ran).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Planned {
    pub rows: Option<i64>,
    pub batches: Option<i64>,
}

/// The progress display of one step; [`StepProgress::finish`] ends it.
pub(crate) struct StepProgress {
    label: String,
    started: Instant,
    verbose: bool,
    bar: Option<ProgressBar>,
    planned: Arc<Mutex<Option<Planned>>>,
    done: Arc<Mutex<Option<BatchCount>>>,
    /// Off a terminal with `--progress-every 0`: a line for every update.
    every_update: bool,
    ticker: Option<(Arc<tokio::sync::Notify>, tokio::task::JoinHandle<()>)>,
}

impl StepProgress {
    pub(crate) fn start(options: &Options, key: &str, i: usize, total: usize, unit: &Unit) -> Self {
        let label =
            format!("{key} step {}/{total} ({}, {} statement(s))", i + 1, mode_name(unit), unit.statements.len());
        let planned = Arc::new(Mutex::new(None));
        let done = Arc::new(Mutex::new(None));
        let started = Instant::now();
        let terminal = std::io::stderr().is_terminal();
        let bar = (options.progress && terminal).then(|| spinner(&label));
        let every = options.progress_every;
        let plain = options.verbose && !terminal;
        let ticker = (plain && !every.is_zero())
            .then(|| plain_ticker(label.clone(), started, every, planned.clone(), done.clone()));
        StepProgress {
            label,
            started,
            verbose: options.verbose,
            bar,
            planned,
            done,
            every_update: plain && every.is_zero(),
            ticker,
        }
    }

    /// The batched step is about to process this many rows and batches.
    pub(crate) fn planned(&self, planned: Planned) {
        if let Ok(mut p) = self.planned.lock() {
            *p = Some(planned);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {}", self.label, describe_planned(planned)));
        }
    }

    /// Whether anything of this step is shown (what progress costs is paid only then).
    pub(crate) fn shown(&self) -> bool {
        self.bar.is_some() || self.verbose
    }

    /// The batched step has committed this much so far (the display changes once per batch;
    /// two sources — rows streamed back, the checkpoint read — never move it backwards).
    pub(crate) fn advance(&self, so_far: BatchCount) {
        let previous = self.done.lock().ok().and_then(|mut d| match *d {
            Some(p) if p.rows >= so_far.rows => Some(p),
            _ => d.replace(so_far),
        });
        if previous.is_some_and(|p| p.batches >= so_far.batches) {
            return;
        }
        let planned = self.planned.lock().ok().and_then(|p| *p).unwrap_or_default();
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {}", self.label, describe_done(so_far, planned)));
        }
        if self.every_update {
            eprintln!(
                "cymig: {}: running, {} elapsed, {} so far",
                self.label,
                elapsed(self.started.elapsed()),
                describe_done(so_far, planned)
            );
        }
    }

    /// Ends the display; for a batched step, says what it committed.
    pub(crate) async fn finish(mut self, done: Option<BatchCount>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some((stop, task)) = self.ticker.take() {
            stop.notify_one();
            let _ = task.await;
        }
        if let (true, Some(done)) = (self.verbose, done) {
            let planned = self.planned.lock().ok().and_then(|p| *p).unwrap_or_default();
            eprintln!("cymig: {}: {} in {}", self.label, describe_done(done, planned), elapsed(self.started.elapsed()));
        }
    }
}

fn mode_name(unit: &Unit) -> &'static str {
    match unit.mode {
        TransactionMode::Explicit => "explicit transaction",
        TransactionMode::AutoCommit if unit.schema => "schema, auto-commit",
        TransactionMode::AutoCommit => "batched, auto-commit",
    }
}

fn spinner(label: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_message(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Off a terminal: one plain line per interval while the step runs.
fn plain_ticker(
    label: String,
    started: Instant,
    every: Duration,
    planned: Arc<Mutex<Option<Planned>>>,
    done: Arc<Mutex<Option<BatchCount>>>,
) -> (Arc<tokio::sync::Notify>, tokio::task::JoinHandle<()>) {
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.notified() => break,
                _ = tokio::time::sleep(every) => {
                    let planned = planned.lock().ok().and_then(|p| *p);
                    let what = match (done.lock().ok().and_then(|d| *d), planned) {
                        (Some(d), p) => format!(", {} so far", describe_done(d, p.unwrap_or_default())),
                        (None, Some(p)) => format!(", {}", describe_planned(p)),
                        (None, None) => String::new(),
                    };
                    eprintln!("cymig: {label}: running, {} elapsed{what}", elapsed(started.elapsed()));
                }
            }
        }
    });
    (stop, task)
}

fn describe_planned(p: Planned) -> String {
    match (p.rows, p.batches) {
        (Some(r), Some(b)) => format!("{} rows in {} batches to process", thousands(r), thousands(b)),
        (Some(r), None) => format!("{} rows to process", thousands(r)),
        _ => "rows to process not counted".into(),
    }
}

/// `12,000 / 50,000 rows, 12 / 50 batches` (the totals when they were counted beforehand).
pub(crate) fn describe_done(done: BatchCount, planned: Planned) -> String {
    let of = |n: i64, total: Option<i64>| match total {
        Some(t) => format!("{} / {}", thousands(n), thousands(t)),
        None => thousands(n),
    };
    let batches = if planned.batches.unwrap_or(done.batches) == 1 { "batch" } else { "batches" };
    format!("{} rows, {} {batches} committed", of(done.rows, planned.rows), of(done.batches, planned.batches))
}

/// `0:01:02.3` style, short for short steps: `850 ms`, `4.2 s`, `1:02`.
pub(crate) fn elapsed(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_a_person_wrote_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_000), "12,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let planned = Planned { rows: Some(50_000), batches: Some(50) };
        assert_eq!(
            describe_done(BatchCount { rows: 12_000, batches: 12 }, planned),
            "12,000 / 50,000 rows, 12 / 50 batches committed"
        );
        assert_eq!(describe_done(BatchCount { rows: 7, batches: 1 }, Planned::default()), "7 rows, 1 batch committed");
        assert_eq!(elapsed(Duration::from_secs(62)), "0:01:02");
    }
}
