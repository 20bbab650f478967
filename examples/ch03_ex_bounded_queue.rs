//! Exercise solution: a bounded blocking FIFO queue. `push` waits while the queue is full,
//! `pop` waits while it is empty, with one condition variable for each reason to wait.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{mpsc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

const CAPACITY: usize = 4;
const PRODUCERS: u64 = 3;
const ITEMS_EACH: u64 = 100;
const CONSUMERS: usize = 2;

const USAGE: &str = "\
usage: ch03_ex_bounded_queue

Three producers push 100 numbers each through a bounded blocking queue of
capacity 4 to two consumers, and the totals are checked.
";

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
    // Pushes asleep in `push`, waiting for room; a close must wake them.
    waiting_for_room: usize,
}

impl<T> BoundedQueue<T> {
    fn new() -> Self {
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(CAPACITY),
                closed: false,
                high_water: 0,
                waiting_for_room: 0,
            }),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Waits for room, then adds the item; gives it back if the queue is closed.
    fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap();
        state.waiting_for_room += 1;
        let mut state = self
            .not_full
            .wait_while(state, |s| s.items.len() == CAPACITY && !s.closed)
            .unwrap();
        state.waiting_for_room -= 1;
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

fn main() -> ExitCode {
    // ANCHOR_END: solution
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: solution
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
        // Wait for every producer, close, and only then report a producer's panic:
        // closing first lets the consumers end, so a panic ends the program, not hangs it.
        let produced: Vec<_> = producers.into_iter().map(|p| p.join()).collect();
        queue.close();
        produced.into_iter().for_each(|p| p.unwrap());
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

    // A push that is waiting for room when the queue closes must give up, not sleep on.
    let full = BoundedQueue::new();
    for i in 0..CAPACITY as u64 {
        full.push(i).unwrap();
    }
    let (returned, result) = mpsc::channel();
    let refused = thread::scope(|s| {
        let full = &full;
        s.spawn(move || returned.send(full.push(99)));
        // Close only once the push is asleep, waiting for room that never comes.
        while full.state.lock().unwrap().waiting_for_room == 0 {
            thread::yield_now();
        }
        full.close();
        // A push that sleeps on would hang the scope's join: give it ten seconds.
        result
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                eprintln!("error: the push waiting for room never returned after close");
                std::process::exit(1)
            })
    });
    println!("a push waiting for room when the queue closed returned {refused:?}");
    ExitCode::SUCCESS
}
// ANCHOR_END: solution

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
