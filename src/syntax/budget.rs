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
//! So budgets are grouped into classes (powers of 16). Parses of one class run concurrently
//! under the class's limit, which is less than 16 times any member's own budget; a parse of
//! another class waits until the running class has drained. Almost every real statement and
//! file falls into the same class, so this rarely waits.

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

/// Runs `parse` with a pest call limit of at least `50_000 + 300 × len` and at most 16 times
/// that: valid statements need 30-100 calls a byte (TCK), so this only stops runaway
/// backtracking.
pub(super) fn with_budget_for<T>(len: usize, parse: impl FnOnce() -> T) -> T {
    let _admitted = Admitted::enter(budget_for(len));
    parse()
}

fn budget_for(len: usize) -> usize {
    50_000usize.saturating_add(len.saturating_mul(300))
}

fn class_of(budget: usize) -> u32 {
    let bits = usize::BITS - budget.saturating_sub(1).leading_zeros();
    bits.div_ceil(CLASS_BITS)
}

fn limit_of(class: u32) -> usize {
    1usize.checked_shl(class * CLASS_BITS).unwrap_or(usize::MAX)
}

/// A parse admitted under its class's limit; leaving lets another class in once all are done.
struct Admitted;

impl Admitted {
    fn enter(budget: usize) -> Self {
        let class = class_of(budget);
        let mut gate = lock(&GATE);
        loop {
            match &mut gate.running {
                None => {
                    gate.running = Some((class, 1));
                    pest::set_call_limit(NonZeroUsize::new(limit_of(class)));
                    return Admitted;
                }
                Some((running, count)) if *running == class => {
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

#[cfg(test)]
mod tests {
    use super::*;

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
