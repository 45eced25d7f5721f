//! A small work-stealing map over scoped threads: results come back in input order, so output
//! is deterministic whatever the scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len()).max(1);
    if workers == 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            // A spawn that fails leaves its share to the other workers, or to this thread below.
            let _ = std::thread::Builder::new().stack_size(WORKER_STACK_BYTES).spawn_scoped(scope, || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slots) = results.lock() {
                    slots[i] = Some(r);
                }
            });
        }
    });
    let slots = results.into_inner().unwrap_or_default();
    slots.into_iter().zip(items).map(|(slot, item)| slot.unwrap_or_else(|| f(item))).collect()
}

/// The rules walk expression trees recursively, and an operator chain Neo4j accepts is a tree
/// thousands of levels deep: the default 2 MiB of a spawned thread is not enough for it.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;
