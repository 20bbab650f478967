//! A blocking priority queue for many producers and many consumers: a `BinaryHeap` under a
//! `Mutex`, with a `Condvar` on which consumers wait for work, and a close that ends them all.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;
use std::process::ExitCode;
use std::sync::{Condvar, Mutex};
use std::thread;

const USAGE: &str = "\
usage: ch03_priority_queue

Routine and urgent jobs through a blocking priority queue, then a close
that ends three waiting consumers.
";

// ANCHOR: queue
/// Hands out the item of highest priority first and, among items of equal priority, the
/// one that was pushed first. `pop` waits while the queue is empty and still open.
pub struct PriorityQueue<P, T> {
    state: Mutex<State<P, T>>,
    // Signalled when an item arrives or when the queue closes.
    changed: Condvar,
}

struct State<P, T> {
    heap: BinaryHeap<Entry<P, T>>,
    // Numbers the pushes, so that equal priorities come out in the order they went in:
    // a `BinaryHeap` on its own makes no promise about ties.
    pushed: u64,
    closed: bool,
}

/// The error of a push to a closed queue; it hands the item back.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<P: Ord, T> PriorityQueue<P, T> {
    pub fn new() -> Self {
        PriorityQueue {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                pushed: 0,
                closed: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Adds an item, or gives it back if the queue is closed.
    pub fn push(&self, priority: P, item: T) -> Result<(), Closed<T>> {
        let mut state = self.state.lock().unwrap();
        if state.closed {
            return Err(Closed(item));
        }
        let order = Reverse(state.pushed);
        state.pushed += 1;
        state.heap.push(Entry {
            priority,
            order,
            item,
        });
        drop(state);
        // One new item can serve one consumer; waking more would only make them queue
        // for the lock and go back to sleep.
        self.changed.notify_one();
        Ok(())
    }

    /// Takes the item of highest priority, waiting while the queue is empty and open.
    /// Returns `None` once the queue is closed and empty.
    pub fn pop(&self) -> Option<T> {
        let state = self.state.lock().unwrap();
        // `wait_while` releases the lock while it sleeps and checks the condition again
        // after every wake-up, spurious ones included.
        let mut state = self
            .changed
            .wait_while(state, |s| s.heap.is_empty() && !s.closed)
            .unwrap();
        state.heap.pop().map(|entry| entry.item)
    }

    /// Refuses further pushes. Items already queued are still handed out; after the
    /// last one, every `pop` returns `None`.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        // Every waiting consumer must see the change, not just one of them.
        self.changed.notify_all();
    }
}

impl<P: Ord, T> Default for PriorityQueue<P, T> {
    fn default() -> Self {
        Self::new()
    }
}
// ANCHOR_END: queue

// ANCHOR: entry
/// A queued item, ordered by priority and then by age: an older entry ranks higher,
/// as its `order` (the push number, reversed) is larger.
struct Entry<P, T> {
    priority: P,
    order: Reverse<u64>,
    item: T,
}

impl<P: Ord, T> Ord for Entry<P, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.priority, self.order).cmp(&(&other.priority, other.order))
    }
}

impl<P: Ord, T> PartialOrd for Entry<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// The ordering ignores the item, and so must equality.
impl<P: Ord, T> PartialEq for Entry<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<P: Ord, T> Eq for Entry<P, T> {}
// ANCHOR_END: entry

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is closed")
    }
}

// ANCHOR: demo
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Urgency {
    Routine,
    Urgent,
}

fn main() -> ExitCode {
    // ANCHOR_END: demo
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: demo
    let queue = PriorityQueue::new();
    for job in ["backup", "report", "cleanup", "reindex"] {
        queue.push(Urgency::Routine, job).unwrap();
    }
    println!("main: queued 4 routine jobs");

    thread::scope(|s| {
        // Urgent jobs arrive from another thread, after the routine ones.
        s.spawn(|| {
            for job in ["disk full", "database down"] {
                queue.push(Urgency::Urgent, job).unwrap();
            }
            println!("pager: queued 2 urgent jobs");
        })
        .join()
        .unwrap();

        s.spawn(|| {
            while let Some(job) = queue.pop() {
                println!("worker: {job}");
            }
            println!("worker: the queue is closed and empty, stopping");
        });

        // The worker keeps the jobs that are already queued; close only stops new ones.
        println!("main: closing the queue");
        queue.close();
        if let Err(refused) = queue.push(Urgency::Urgent, "too late") {
            println!("main: pushing \"{}\" failed: {refused}", refused.0);
        }
    });

    // A second queue that stays empty: its consumers can only be ended by close.
    let idle = PriorityQueue::<Urgency, &str>::new();
    thread::scope(|s| {
        for c in 1..=3 {
            let idle = &idle;
            s.spawn(move || {
                let got = idle.pop();
                println!("idle {c}: pop returned {got:?}, stopping");
            });
        }
        idle.close();
    });
    println!("main: every consumer has stopped");
    ExitCode::SUCCESS
}
// ANCHOR_END: demo

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    // Interleavings differ from run to run: each test repeats its scenario many times.
    const ROUNDS: usize = 200;
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const PER_PRODUCER: usize = 500;
    // Long enough never to be reached by a working queue, short enough to fail rather than
    // hang when a consumer is never woken.
    const PATIENCE: Duration = Duration::from_secs(20);

    /// Runs `PRODUCERS` producers and `CONSUMERS` consumers on one queue, closes it once
    /// the producers are done, and returns what each consumer received, in order.
    fn run_round(queue: &PriorityQueue<usize, usize>) -> Vec<Vec<usize>> {
        thread::scope(|s| {
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    s.spawn(|| {
                        let mut got = Vec::new();
                        while let Some(item) = queue.pop() {
                            got.push(item);
                        }
                        got
                    })
                })
                .collect();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    s.spawn(move || {
                        for i in 0..PER_PRODUCER {
                            let item = p * PER_PRODUCER + i;
                            queue.push(item % 7, item).unwrap();
                        }
                    })
                })
                .collect();
            for producer in producers {
                producer.join().unwrap();
            }
            queue.close();
            consumers.into_iter().map(|c| c.join().unwrap()).collect()
        })
    }

    #[test]
    fn no_item_is_lost_or_served_twice() {
        for _ in 0..ROUNDS {
            let queue = PriorityQueue::new();
            let mut all: Vec<usize> = run_round(&queue).into_iter().flatten().collect();
            all.sort_unstable();
            let expected: Vec<usize> = (0..PRODUCERS * PER_PRODUCER).collect();
            assert_eq!(all, expected);
        }
    }

    #[test]
    fn each_consumer_receives_queued_items_in_priority_order() {
        for _ in 0..ROUNDS {
            // Fill the queue before any consumer starts: every item is then queued at the
            // time of every pop, so each consumer's items must come out best first.
            let queue = PriorityQueue::new();
            for item in 0..2000usize {
                queue.push(item % 7, item).unwrap();
            }
            queue.close();
            let received: Vec<Vec<usize>> = thread::scope(|s| {
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|_| s.spawn(|| std::iter::from_fn(|| queue.pop()).collect()))
                    .collect();
                consumers.into_iter().map(|c| c.join().unwrap()).collect()
            });
            for got in &received {
                // Higher priority first; among equals, the earlier push (smaller item) first.
                let rank = |&item: &usize| (Reverse(item % 7), item);
                assert!(got.windows(2).all(|w| rank(&w[0]) < rank(&w[1])));
            }
            assert_eq!(received.iter().map(Vec::len).sum::<usize>(), 2000);
        }
    }

    #[test]
    fn equal_priorities_come_out_in_arrival_order() {
        let queue = PriorityQueue::new();
        for (priority, item) in [(1, "a"), (2, "b"), (1, "c"), (2, "d"), (1, "e")] {
            queue.push(priority, item).unwrap();
        }
        queue.close();
        let order: Vec<&str> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(order, ["b", "d", "a", "c", "e"]);
    }

    #[test]
    fn close_ends_every_consumer() {
        for _ in 0..ROUNDS {
            // Not scoped threads: a consumer that is never woken must fail the test, not
            // hang it in the scope's final join.
            let queue = Arc::new(PriorityQueue::<u8, u8>::new());
            let (done_tx, done_rx) = mpsc::channel();
            for _ in 0..CONSUMERS {
                let done_tx = done_tx.clone();
                let queue = Arc::clone(&queue);
                thread::spawn(move || done_tx.send(queue.pop()).unwrap());
            }
            // Some consumers may be asleep in `pop` by now, others may not have got there
            // yet: close must end both kinds.
            queue.close();
            for _ in 0..CONSUMERS {
                let result = done_rx.recv_timeout(PATIENCE);
                assert_eq!(result, Ok(None), "a consumer was not ended by close");
            }
        }
    }

    #[test]
    fn close_keeps_queued_items_and_refuses_new_ones() {
        let queue = PriorityQueue::new();
        queue.push(0, 'x').unwrap();
        queue.push(5, 'y').unwrap();
        queue.close();
        assert_eq!(queue.push(9, 'z'), Err(Closed('z')));
        assert_eq!(queue.pop(), Some('y'));
        assert_eq!(queue.pop(), Some('x'));
        assert_eq!(queue.pop(), None);
        assert_eq!(queue.pop(), None);
    }
}
