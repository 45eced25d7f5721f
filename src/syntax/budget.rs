//! pest's call limit (the bound on backtracking that keeps pathological input from hanging the
//! parser) is one process-wide setting, read when a parse starts. Parses run on several threads
//! at once (files are parsed in parallel), so each parse registers the budget it needs and the
//! setting is always the largest registered one: no parse ever starts under a smaller budget
//! than its own, which would make a large, valid file fail to parse.

use std::num::NonZeroUsize;
use std::sync::Mutex;

static ACTIVE_BUDGETS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Runs `parse` with at least `50_000 + 300 × len` pest calls available: valid statements need
/// 30-100 calls a byte (TCK), so this only stops runaway backtracking.
pub(super) fn with_budget_for<T>(len: usize, parse: impl FnOnce() -> T) -> T {
    let budget = 50_000usize.saturating_add(len.saturating_mul(300));
    let _registered = Registered::new(budget);
    parse()
}

struct Registered(usize);

impl Registered {
    fn new(budget: usize) -> Self {
        let mut active = ACTIVE_BUDGETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        active.push(budget);
        apply(&active);
        Registered(budget)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut active = ACTIVE_BUDGETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(i) = active.iter().position(|&b| b == self.0) {
            active.swap_remove(i);
        }
        apply(&active);
    }
}

fn apply(active: &[usize]) {
    pest::set_call_limit(active.iter().copied().max().and_then(NonZeroUsize::new));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_parse_on_another_thread_never_shrinks_a_large_parse_budget() {
        let big = "RETURN 1;\n".repeat(20_000);
        with_budget_for(big.len(), || {
            std::thread::scope(|s| {
                s.spawn(|| with_budget_for(1, || ()));
            });
            let script = crate::syntax::parse(&big);
            assert!(script.errors.is_empty(), "{:?}", script.errors.first());
            assert_eq!(script.statements.len(), 20_000);
        });
    }
}
