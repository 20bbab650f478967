//! Treiber's lock-free stack with crossbeam-epoch reclamation: a stress test that checks
//! every value comes out exactly once, then its speed against a `Mutex<Vec<T>>`.

mod ch16_common;

use ch16_common::cli;
use ch16_common::timing::{rates, timed_run, Gate, Rates};
use crossbeam::epoch::{self, Atomic, Guard, Owned, Shared};
use std::mem::ManuallyDrop;
use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const USAGE: &str = "usage: ch16_treiber [SECONDS]
Two threads push 1000000 values each through Treiber's stack, popping after every second
push, and check that every value comes out exactly once; then time push-and-pop pairs at 1
and 2 threads for SECONDS (default 0.2) per run against a Mutex<Vec<u64>> and with the
stack's costs taken apart: best and slowest of 3 runs, and the 2-thread context switches.
";

/// Values each thread of the stress test pushes.
const STRESS_OPS: u64 = 1_000_000;
/// Push-and-pop pairs a thread does between two looks at the clock.
const CHUNK: u64 = 1000;

// ANCHOR: stack
struct Node<T> {
    /// Moved out by the pop that unlinks the node; the node itself is freed later, by the
    /// epoch collector, which must not drop the value a second time.
    value: ManuallyDrop<T>,
    next: *const Node<T>,
}

pub struct TreiberStack<T> {
    head: Atomic<Node<T>>,
}

impl<T> TreiberStack<T> {
    pub fn new() -> TreiberStack<T> {
        TreiberStack {
            head: Atomic::null(),
        }
    }

    pub fn push(&self, value: T) {
        self.push_with(value, &epoch::pin());
    }

    pub fn pop(&self) -> Option<T> {
        self.pop_with(&epoch::pin())
    }

    /// `push` for a caller that is already pinned (pinning again would only count up).
    pub fn push_with(&self, value: T, guard: &Guard) {
        let mut node = Owned::new(Node {
            value: ManuallyDrop::new(value),
            next: ptr::null(),
        });
        let mut head = self.head.load(Relaxed, guard);
        loop {
            // The node is still ours alone: link it in front of the head we saw.
            node.next = head.as_raw();
            // `Release`: a pop that loads this node with `Acquire` sees its value and link.
            match self
                .head
                .compare_exchange(head, node, Release, Relaxed, guard)
            {
                Ok(_) => return,
                Err(failed) => {
                    head = failed.current;
                    node = failed.new;
                }
            }
        }
    }

    pub fn pop_with(&self, guard: &Guard) -> Option<T> {
        loop {
            let head = self.head.load(Acquire, guard);
            // SAFETY: `head` is null or a node a push published (our `Acquire` load
            // synchronises with its `Release`). `guard` pins us, so even if another thread
            // pops it now, the collector will not free it before the guard is dropped.
            let node = unsafe { head.as_ref() }?;
            let next = node.next;
            // Succeeds only if the head is still the node we read `next` from.
            if self
                .head
                .compare_exchange(head, Shared::from(next), Relaxed, Relaxed, guard)
                .is_ok()
            {
                // SAFETY: our compare-exchange unlinked `head`, so no other pop will read
                // its value; we read it once, and `ManuallyDrop` keeps the node's own drop
                // from dropping it again. `defer_destroy` frees the node once every thread
                // pinned now has unpinned: none can still be reading it then.
                unsafe {
                    guard.defer_destroy(head);
                    return Some(ManuallyDrop::into_inner(ptr::read(&node.value)));
                }
            }
        }
    }
}

impl<T> Drop for TreiberStack<T> {
    fn drop(&mut self) {
        while self.pop().is_some() {}
    }
}

impl<T> Default for TreiberStack<T> {
    fn default() -> Self {
        TreiberStack::new()
    }
}
// ANCHOR_END: stack

// The raw `next` pointer makes the compiler assume nothing about threads; `Atomic` alone
// would give `Send` and `Sync` for `T: Send + Sync`.
// SAFETY: a value enters with `push` on one thread and leaves with `pop` on one thread, so
// `T: Send` is all a value needs; the nodes are reached only through `head` and freed by
// the epoch collector, which waits for every thread that could still read them.
unsafe impl<T: Send> Send for TreiberStack<T> {}
// SAFETY: `&TreiberStack` gives only `push` and `pop`, which hand each value to one thread.
unsafe impl<T: Send> Sync for TreiberStack<T> {}

// ANCHOR: stress
/// Both threads push their own values and pop after every second push; what they popped
/// plus what is left must be every value, each exactly once. Also returns how many pops
/// took a value the other thread pushed, and how many pops there were.
fn stress() -> Result<(u64, bool, u64, u64), String> {
    let stack = TreiberStack::new();
    let gate = Gate::default();
    let popped: Vec<Vec<u64>> = thread::scope(|s| {
        let mut workers = Vec::new();
        for t in 0..2u64 {
            let (stack, gate) = (&stack, &gate);
            let worker = thread::Builder::new().spawn_scoped(s, move || {
                let mut mine = Vec::new();
                if gate.wait() {
                    for i in 0..STRESS_OPS {
                        stack.push(t * STRESS_OPS + i);
                        // Pop after every second push: the stack grows by one every
                        // two pushes.
                        if i % 2 == 1 {
                            mine.extend(stack.pop());
                        }
                    }
                }
                mine
            });
            match worker {
                Ok(worker) => workers.push(worker),
                Err(e) => {
                    gate.open(false);
                    return Err(format!("could not start thread {t}: {e}"));
                }
            }
        }
        gate.open(true);
        let joined = workers.into_iter().map(|w| w.join());
        joined
            .collect::<Result<_, _>>()
            .map_err(|_| "a stress thread panicked".to_string())
    })?;
    let pops = popped.iter().map(|mine| mine.len() as u64).sum();
    let others = (0..2u64)
        .map(|t| {
            popped[t as usize]
                .iter()
                .filter(|&&v| v / STRESS_OPS != t)
                .count() as u64
        })
        .sum();
    let mut seen = vec![0u8; 2 * STRESS_OPS as usize];
    let left = std::iter::from_fn(|| stack.pop());
    for value in popped.into_iter().flatten().chain(left) {
        seen[value as usize] = seen[value as usize].saturating_add(1);
    }
    let total = seen.iter().map(|&n| u64::from(n)).sum();
    Ok((total, seen.iter().all(|&n| n == 1), others, pops))
}
// ANCHOR_END: stress

// ANCHOR: bench
/// Best and slowest of 3 runs of `budget`: `threads` threads each do push-and-pop pairs on
/// one fresh stack made by `make`.
fn pairs_per_second(
    threads: usize,
    budget: Duration,
    make: fn() -> Box<dyn Fn(u64) + Sync>,
) -> Result<Rates, String> {
    rates(3, || {
        let pair = make();
        let pair = &*pair;
        timed_run(threads, budget, |_| {
            move || {
                (0..CHUNK).for_each(pair);
                CHUNK
            }
        })
    })
}
// ANCHOR_END: bench

fn main() -> ExitCode {
    let budget = match cli::seconds(USAGE, 0.2) {
        Ok(budget) => budget,
        Err(status) => return status,
    };
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (total, once, others, pops) = match stress() {
        Ok(result) => result,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "stress: 2 threads pushed {} values, {pops} popped while they ran, {total} came out",
        2 * STRESS_OPS
    );
    println!("every value exactly once: {once}");
    println!(
        "pops that took the other thread's value: {:.1}%",
        100.0 * others as f64 / pops.max(1) as f64
    );
    println!(
        "push+pop pairs per second (millions), best (slowest) of 3 runs of {:.2} s;",
        budget.as_secs_f64()
    );
    println!("thousands of context switches per second of the 2-thread runs:");
    println!(
        "{:<28} {:>13} {:>13} {:>6} {:>9}",
        "stack", "1 thread", "2 threads", "slept", "preempted"
    );
    type Make = fn() -> Box<dyn Fn(u64) + Sync>;
    let stacks: [(&str, Make); 5] = [
        ("Mutex<Vec<u64>>", || {
            let v = Mutex::new(Vec::new());
            Box::new(move |i| {
                v.lock().unwrap().push(i);
                std::hint::black_box(v.lock().unwrap().pop());
            })
        }),
        ("Mutex<Vec<Box<u64>>>", || {
            let v = Mutex::new(Vec::new());
            Box::new(move |i| {
                v.lock().unwrap().push(Box::new(i));
                std::hint::black_box(v.lock().unwrap().pop());
            })
        }),
        ("TreiberStack<u64>", || {
            let s = TreiberStack::new();
            Box::new(move |i| {
                s.push(i);
                std::hint::black_box(s.pop());
            })
        }),
        ("  one pin per pair", || {
            let s = TreiberStack::new();
            Box::new(move |i| {
                let guard = epoch::pin();
                s.push_with(i, &guard);
                std::hint::black_box(s.pop_with(&guard));
            })
        }),
        ("  epoch::pin() alone, twice", || {
            Box::new(|_| {
                std::hint::black_box(epoch::pin());
                std::hint::black_box(epoch::pin());
            })
        }),
    ];
    for (name, make) in stacks {
        let measured = pairs_per_second(1, budget, make)
            .and_then(|one| Ok((one, pairs_per_second(2, budget, make)?)));
        let (one, two) = match measured {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{name:<28} {:>13} {:>13} {:>6.1} {:>9.1}",
            one.cell(),
            two.cell(),
            two.slept_per_s / 1e3,
            two.preempted_per_s / 1e3
        );
    }
    ExitCode::SUCCESS
}
