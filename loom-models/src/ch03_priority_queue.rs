//! Chapter 3's blocking priority queue, reduced to what its `close` depends on, with the way
//! `close` wakes the waiting consumers as a parameter: `notify_all` (the book's queue) or
//! `notify_one` (the bug). The models in `tests/ch03_priority_queue.rs` run it under loom.

// ANCHOR: queue
use std::collections::BinaryHeap;

// loom's Mutex and Condvar under `--cfg loom`, std's otherwise.
#[cfg(loom)]
use loom::sync::{Condvar, Mutex};
#[cfg(not(loom))]
use std::sync::{Condvar, Mutex};

/// How `close` wakes the consumers that wait in `pop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseWakes {
    /// Every waiting consumer: correct.
    All,
    /// One waiting consumer: the others may sleep for ever.
    One,
}

/// Items of higher priority first; `pop` waits while the queue is empty and open.
pub struct PriorityQueue {
    state: Mutex<State>,
    changed: Condvar,
    close_wakes: CloseWakes,
}

struct State {
    heap: BinaryHeap<u32>,
    closed: bool,
}

impl PriorityQueue {
    pub fn new(close_wakes: CloseWakes) -> Self {
        PriorityQueue {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                closed: false,
            }),
            changed: Condvar::new(),
            close_wakes,
        }
    }

    pub fn push(&self, item: u32) {
        self.state.lock().unwrap().heap.push(item);
        self.changed.notify_one();
    }

    /// The item of highest priority, or `None` once the queue is closed and empty.
    pub fn pop(&self) -> Option<u32> {
        let mut state = self.state.lock().unwrap();
        // loom's Condvar has no `wait_while`: this loop is what `wait_while` does.
        while state.heap.is_empty() && !state.closed {
            state = self.changed.wait(state).unwrap();
        }
        state.heap.pop()
    }

    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        match self.close_wakes {
            CloseWakes::All => self.changed.notify_all(),
            CloseWakes::One => self.changed.notify_one(),
        }
    }
}
// ANCHOR_END: queue
