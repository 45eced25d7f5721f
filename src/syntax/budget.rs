//! pest's call limit (the bound on backtracking that keeps pathological input from hanging the
//! parser) is one process-wide setting, read once when a parse starts. Files are parsed on
//! several threads at once, so the setting has to be shared without letting one parse change
//! another's bound:
//!
//! - a parse that set the limit too low for a concurrent large file would make that valid file
//!   fail to parse;
//! - a parse that inherited a huge limit from a concurrent large file would let a small,
//!   pathological statement backtrack for seconds instead of failing fast.
//!
//! So budgets are grouped into classes (powers of 16 above a base). Statement parses of one
//! class run concurrently under the class's limit, which is less than 16 times any member's own
//! budget; a parse of another class waits until the running class has drained. The splitter
//! cannot backtrack, so it only needs a limit large enough for its file and joins whichever
//! class runs with one. Every statement up to 2,500 bytes, and the splitting of every file up
//! to about 11 kB, share the first class, so a lint run almost never waits: the gate is a short
//! lock at each parse's start and end.

use std::num::NonZeroUsize;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Bits per class: a class's limit is at most `2^CLASS_BITS` times a member's budget.
const CLASS_BITS: u32 = 4;

struct Gate {
    /// The class currently running, with how many parses of it are in flight.
    running: Option<(u32, usize)>,
    /// Parses waiting for the running class to drain (no one to wake: no wake-up system call).
    waiting: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate { running: None, waiting: 0 });
static DRAINED: Condvar = Condvar::new();

/// The calls every parse may make, however short its input.
const BASE: usize = 50_000;

/// Runs a statement parse with a pest call limit of at least `50_000 + 300 × len` and at most 16
/// times that: valid statements need 30-100 calls a byte (TCK), so this only stops runaway
/// backtracking.
pub(super) fn with_budget_for<T>(len: usize, parse: impl FnOnce() -> T) -> T {
    let _admitted = Admitted::enter(Need::Within(budget_for(len)));
    parse()
}

/// Runs the splitter over a file of `len` bytes under any limit of at least `50_000 + 64 × len`:
/// its rule reads every character a bounded number of times (at most 20 calls a byte, for a
/// file of nothing but `;` and `/`), so only a limit too small could stop it.
pub(super) fn with_room_for<T>(len: usize, split: impl FnOnce() -> T) -> T {
    let _admitted = Admitted::enter(Need::AtLeast(room_for(len)));
    split()
}

pub(super) fn room_for(len: usize) -> usize {
    BASE.saturating_add(len.saturating_mul(64))
}

fn budget_for(len: usize) -> usize {
    BASE.saturating_add(len.saturating_mul(300))
}

/// What a parse asks of the running limit.
#[derive(Clone, Copy)]
enum Need {
    /// At least this, and less than 16 times it: the budget's own class.
    Within(usize),
    /// At least this; any larger limit will do.
    AtLeast(usize),
}

impl Need {
    fn admits(self, class: u32) -> bool {
        match self {
            Need::Within(budget) => class == class_of(budget),
            Need::AtLeast(calls) => limit_of(class) >= calls,
        }
    }

    fn own_class(self) -> u32 {
        match self {
            Need::Within(calls) | Need::AtLeast(calls) => class_of(calls),
        }
    }
}

/// Class `k` has the limit `BASE × 16^k`; a budget belongs to the smallest class that covers it.
fn class_of(budget: usize) -> u32 {
    let mut class = 0;
    while limit_of(class) < budget {
        class += 1;
    }
    class
}

fn limit_of(class: u32) -> usize {
    1usize.checked_shl(class * CLASS_BITS).map_or(usize::MAX, |scale| BASE.saturating_mul(scale))
}

/// A parse admitted under its class's limit; leaving lets another class in once all are done.
struct Admitted;

impl Admitted {
    fn enter(need: Need) -> Self {
        let mut gate = lock(&GATE);
        loop {
            match &mut gate.running {
                None => {
                    let class = need.own_class();
                    gate.running = Some((class, 1));
                    pest::set_call_limit(NonZeroUsize::new(limit_of(class)));
                    return Admitted;
                }
                Some((running, count)) if need.admits(*running) => {
                    *count += 1;
                    return Admitted;
                }
                Some(_) => {
                    gate.waiting += 1;
                    gate = DRAINED.wait(gate).unwrap_or_else(|poisoned| poisoned.into_inner());
                    gate.waiting -= 1;
                }
            }
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut gate = lock(&GATE);
        if let Some((_, count)) = &mut gate.running {
            *count -= 1;
            if *count == 0 {
                gate.running = None;
                if gate.waiting > 0 {
                    DRAINED.notify_all();
                }
            }
        }
    }
}

fn lock(gate: &'static Mutex<Gate>) -> MutexGuard<'static, Gate> {
    gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` with pest's limit set to exactly `limit`. It holds the gate, so no parse starts
/// meanwhile, and leaves the running class's limit behind.
#[cfg(test)]
pub(super) fn with_exact_limit<T>(limit: usize, f: impl FnOnce() -> T) -> T {
    let gate = lock(&GATE);
    pest::set_call_limit(NonZeroUsize::new(limit));
    let result = f();
    pest::set_call_limit(gate.running.and_then(|(class, _)| NonZeroUsize::new(limit_of(class))));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_statements_and_the_splitting_of_ordinary_files_share_one_class() {
        let statement_class = class_of(budget_for(1));
        for len in [1, 30, 52, 200, 2_500] {
            assert_eq!(class_of(budget_for(len)), statement_class, "statement of {len} bytes");
        }
        for len in [1, 1_000, 11_000] {
            assert!(Need::AtLeast(room_for(len)).admits(statement_class), "file of {len} bytes");
        }
        assert!(!Need::AtLeast(room_for(1 << 20)).admits(statement_class));
    }

    #[test]
    fn a_class_limit_covers_every_budget_in_it_and_is_less_than_sixteen_times_it() {
        for len in [0, 1, 100, 2_000, 50_000, 1 << 20, 1 << 30] {
            let budget = budget_for(len);
            let limit = limit_of(class_of(budget));
            assert!(limit >= budget, "{len}: {limit} < {budget}");
            assert!(limit < budget.saturating_mul(16), "{len}: {limit} ≥ 16 × {budget}");
        }
    }

    #[test]
    fn a_parse_of_another_class_waits_until_the_running_class_has_drained() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        let big_len = 1 << 20;
        let small_class = class_of(budget_for(8));
        assert_ne!(class_of(budget_for(big_len)), small_class);
        let small_entered = AtomicBool::new(false);
        let (big_is_in, wait_for_big) = mpsc::channel();
        let seen_by_small = std::thread::scope(|s| {
            s.spawn(|| {
                with_budget_for(big_len, || {
                    big_is_in.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    assert!(!small_entered.load(Ordering::SeqCst), "a small parse ran under the large limit");
                })
            });
            wait_for_big.recv().unwrap();
            s.spawn(|| {
                with_budget_for(8, || {
                    small_entered.store(true, Ordering::SeqCst);
                    lock(&GATE).running.map(|(class, _)| class)
                })
            })
            .join()
            .unwrap()
        });
        assert_eq!(seen_by_small, Some(small_class));
    }
}
