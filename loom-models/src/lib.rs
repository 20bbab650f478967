//! Structures the book checks with loom. Each one takes its atomics and threads from
//! [`sync`], which is std normally and loom's models of std under `--cfg loom`.

pub mod ch14_counter;
pub mod ch16_treiber;
pub mod ch17_primitives;
pub mod ch19_cache;

pub mod sync {
    #[cfg(loom)]
    pub use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    #[cfg(loom)]
    pub use loom::sync::Arc;
    #[cfg(not(loom))]
    pub use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    #[cfg(not(loom))]
    pub use std::sync::Arc;
}

use sync::{AtomicBool, AtomicUsize, Ordering};

// ANCHOR: mailbox
/// One value handed from one thread to another: the writer stores the value, then raises
/// the flag; a reader that sees the flag raised reads the value.
pub struct Mailbox {
    value: AtomicUsize,
    ready: AtomicBool,
    /// The ordering of the flag's store and load: `Release`/`Acquire` is correct,
    /// `Relaxed` lets a reader see the flag before the value.
    store: Ordering,
    load: Ordering,
}

impl Mailbox {
    pub fn new(store: Ordering, load: Ordering) -> Mailbox {
        Mailbox {
            value: AtomicUsize::new(0),
            ready: AtomicBool::new(false),
            store,
            load,
        }
    }

    pub fn send(&self, value: usize) {
        self.value.store(value, Ordering::Relaxed);
        self.ready.store(true, self.store);
    }

    /// The value, once it has been sent.
    pub fn receive(&self) -> Option<usize> {
        self.ready
            .load(self.load)
            .then(|| self.value.load(Ordering::Relaxed))
    }
}
// ANCHOR_END: mailbox
pub mod ch03_priority_queue;
