//! Exercise solution: a bounded blocking FIFO queue. `push` waits while the queue is full,
//! `pop` waits while it is empty, with one condition variable for each reason to wait.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;

const CAPACITY: usize = 4;
const PRODUCERS: u64 = 3;
const ITEMS_EACH: u64 = 100;
const CONSUMERS: usize = 2;

// ANCHOR: solution
struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    not_full: Condvar,
    not_empty: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    // The most items ever queued at once: the capacity must hold it down.
    high_water: usize,
}

impl<T> BoundedQueue<T> {
    fn new() -> Self {
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(CAPACITY),
                closed: false,
                high_water: 0,
            }),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Waits for room, then adds the item; gives it back if the queue is closed.
    fn push(&self, item: T) -> Result<(), T> {
        let guard = self.state.lock().unwrap();
        let mut state = self
            .not_full
            .wait_while(guard, |s| s.items.len() == CAPACITY && !s.closed)
            .unwrap();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        state.high_water = state.high_water.max(state.items.len());
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// Waits for an item; `None` once the queue is closed and empty.
    fn pop(&self) -> Option<T> {
        let guard = self.state.lock().unwrap();
        let mut state = self
            .not_empty
            .wait_while(guard, |s| s.items.is_empty() && !s.closed)
            .unwrap();
        let item = state.items.pop_front();
        drop(state);
        // Taking an item makes room: a waiting producer may go on.
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }

    /// Refuses further pushes; `pop` returns `None` once the queue is also empty.
    fn close(&self) {
        self.state.lock().unwrap().closed = true;
        // Both kinds of waiter must see the change: consumers to drain the queue and
        // stop, producers waiting for room to give up.
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

fn main() {
    let queue = BoundedQueue::new();
    let sums: Vec<(usize, u64)> = thread::scope(|s| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                s.spawn(|| {
                    let (mut count, mut sum) = (0, 0);
                    while let Some(n) = queue.pop() {
                        count += 1;
                        sum += n;
                    }
                    (count, sum)
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = &queue;
                s.spawn(move || {
                    for i in 1..=ITEMS_EACH {
                        queue
                            .push(p * ITEMS_EACH + i)
                            .expect("the queue closes only after the producers finish");
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        queue.close();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });

    let count: usize = sums.iter().map(|&(c, _)| c).sum();
    let sum: u64 = sums.iter().map(|&(_, s)| s).sum();
    let n = PRODUCERS * ITEMS_EACH;
    println!(
        "consumed {count} items, sum {sum} (expected {n} items, sum {})",
        n * (n + 1) / 2
    );
    let high_water = queue.state.lock().unwrap().high_water;
    println!(
        "never more than {CAPACITY} queued: {}",
        high_water <= CAPACITY
    );
}
// ANCHOR_END: solution
