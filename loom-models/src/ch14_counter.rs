//! Chapter 14: the counter whose increment is a separate load and store, and the one whose
//! increment is a single `fetch_add`. The models in `tests/ch14_counter.rs` run it under loom.

// ANCHOR: counter
#[cfg(loom)]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shared counter. `increment_split` is the race condition of chapter 14: every access
/// is atomic, but another thread's store can fall between its load and its store.
pub struct Counter {
    value: AtomicUsize,
}

impl Counter {
    pub fn new() -> Counter {
        Counter {
            value: AtomicUsize::new(0),
        }
    }

    /// Two atomic operations: a lost update waits between them.
    pub fn increment_split(&self) {
        let seen = self.value.load(Ordering::Relaxed);
        self.value.store(seen + 1, Ordering::Relaxed);
    }

    /// One atomic read-modify-write.
    pub fn increment(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> usize {
        self.value.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: counter

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}
