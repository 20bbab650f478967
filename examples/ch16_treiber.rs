//! Treiber's lock-free stack with crossbeam-epoch reclamation: a stress test that checks
//! every value comes out exactly once, then its speed against a `Mutex<Vec<T>>`, with the
//! stack's costs taken apart, and with more threads than cores.
//!
//! Under Miri (`cargo +nightly miri run`) it runs only a small stress test: Miri interprets
//! the program thousands of times slower than the machine runs it.

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
Two threads push 1000000 values each through Treiber's stack in bursts of 16, popping 16
after each burst, and check that every value comes out exactly once; then time
push-and-pop pairs at 1 and 2 threads for SECONDS (default 0.2) per run against a
Mutex<Vec<u64>> and with the stack's costs taken apart, and at 2, 4 and 8 threads against
the Mutex<Vec<u64>>: best and slowest of 3 runs, and the context switches.
";

/// Values each thread of the stress test pushes (a few hundred under Miri).
const STRESS_OPS: u64 = if cfg!(miri) { 128 } else { 1_000_000 };
/// Pushes in a row before as many pops, in the stress test.
const BURST: u64 = 16;
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

    // The four methods that take a `Guard` are private, not `pub`: `pop` retires nodes into
    // the default collector, so the guard must come from `epoch::pin()` too. A guard from
    // another `Collector` (safe code can make one) would not hold back the default one.
    // Every caller in this file pins with `epoch::pin()`.

    /// `push` for a caller that is already pinned (pinning again would only count up).
    fn push_with(&self, value: T, guard: &Guard) {
        self.push_counting(value, guard, &mut 0);
    }

    fn pop_with(&self, guard: &Guard) -> Option<T> {
        self.pop_counting(guard, &mut 0)
    }

    /// `push_with` that adds the compare-exchanges it lost to `failed` (one per lap).
    fn push_counting(&self, value: T, guard: &Guard, failed: &mut u64) {
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
                Err(lost) => {
                    *failed += 1;
                    head = lost.current;
                    node = lost.new;
                }
            }
        }
    }

    /// `pop_with` that adds the compare-exchanges it lost to `failed` (one per lap).
    fn pop_counting(&self, guard: &Guard, failed: &mut u64) -> Option<T> {
        loop {
            let head = self.head.load(Acquire, guard);
            // SAFETY: `head` is null or a node a push published (our `Acquire` load
            // synchronises with its `Release`). `guard` pins us in the default collector, the
            // one every pop retires into (these methods are private, and all their callers
            // pin with `epoch::pin()`), so even if another thread pops the node now, the
            // collector will not free it before the guard is dropped.
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
                // pinned now has unpinned: none can still be reading it then. The collector
                // may run that destructor on any thread, which is sound for any `T`: it
                // only frees the node's memory, since `ManuallyDrop` keeps `T`'s drop out.
                unsafe {
                    guard.defer_destroy(head);
                    return Some(ManuallyDrop::into_inner(ptr::read(&node.value)));
                }
            }
            *failed += 1;
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

// The raw `next` pointer makes the compiler assume nothing about threads; `Atomic` alone
// would give `Send` and `Sync` for `T: Send + Sync`.
// SAFETY: a value enters with `push` on one thread and leaves with `pop` on one thread, so
// `T: Send` is all a value needs; the nodes are reached only through `head` and freed by
// the epoch collector, which waits for every thread that could still read them.
unsafe impl<T: Send> Send for TreiberStack<T> {}
// SAFETY: `&TreiberStack` gives only `push` and `pop`, which hand each value to one thread.
unsafe impl<T: Send> Sync for TreiberStack<T> {}
// ANCHOR_END: stack

// ANCHOR: stress
/// What the stress test saw: values out in all, whether each came out exactly once, pops
/// during the run and how many of them took the other thread's value, the pushes and pops
/// that lost at least one compare-exchange to the other thread, and how many they lost.
struct Stress {
    total: u64,
    once: bool,
    pops: u64,
    others: u64,
    retried_pushes: u64,
    retried_pops: u64,
    failed_pushes: u64,
    failed_pops: u64,
}

/// Compare-exchanges lost, and operations that lost at least one, for one thread.
#[derive(Default)]
struct Losses {
    failed: u64,
    retried: u64,
}

impl Losses {
    /// Runs `op` with a counter of lost compare-exchanges, and counts the operation once
    /// in `retried` if it lost any.
    fn count<R>(&mut self, op: impl FnOnce(&mut u64) -> R) -> R {
        let mut lost = 0;
        let result = op(&mut lost);
        self.failed += lost;
        self.retried += u64::from(lost > 0);
        result
    }
}

/// Both threads push their own values in bursts of `BURST` and pop as many after each
/// burst, so each pops values of both threads once they overlap; what they popped plus
/// what is left must be every value, each exactly once.
fn stress() -> Result<Stress, String> {
    let stack = TreiberStack::new();
    let gate = Gate::default();
    let results: Vec<(Vec<u64>, Losses, Losses)> = thread::scope(|s| {
        let mut workers = Vec::new();
        for t in 0..2u64 {
            let (stack, gate) = (&stack, &gate);
            let worker = thread::Builder::new().spawn_scoped(s, move || {
                let (mut mine, mut push, mut pop) =
                    (Vec::new(), Losses::default(), Losses::default());
                if gate.wait() {
                    for burst in 0..STRESS_OPS / BURST {
                        for i in 0..BURST {
                            let guard = epoch::pin();
                            let value = t * STRESS_OPS + burst * BURST + i;
                            push.count(|lost| stack.push_counting(value, &guard, lost));
                        }
                        for _ in 0..BURST {
                            let guard = epoch::pin();
                            mine.extend(pop.count(|lost| stack.pop_counting(&guard, lost)));
                        }
                    }
                }
                (mine, push, pop)
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
    let pops = results.iter().map(|r| r.0.len() as u64).sum();
    let others = (0..2u64)
        .map(|t| {
            let mine = &results[t as usize].0;
            mine.iter().filter(|&&v| v / STRESS_OPS != t).count() as u64
        })
        .sum();
    let failed_pushes = results.iter().map(|r| r.1.failed).sum();
    let failed_pops = results.iter().map(|r| r.2.failed).sum();
    let retried_pushes = results.iter().map(|r| r.1.retried).sum();
    let retried_pops = results.iter().map(|r| r.2.retried).sum();
    let mut seen = vec![0u8; 2 * STRESS_OPS as usize];
    let left = std::iter::from_fn(|| stack.pop());
    for value in results.into_iter().flat_map(|r| r.0).chain(left) {
        seen[value as usize] = seen[value as usize].saturating_add(1);
    }
    Ok(Stress {
        total: seen.iter().map(|&n| u64::from(n)).sum(),
        once: seen.iter().all(|&n| n == 1),
        pops,
        others,
        retried_pushes,
        retried_pops,
        failed_pushes,
        failed_pops,
    })
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
    let st = match stress() {
        Ok(result) => result,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let percent = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
    println!(
        "stress: 2 threads pushed {} values in bursts of {BURST}, {} popped while they ran, {} came out",
        2 * STRESS_OPS,
        st.pops,
        st.total
    );
    println!("every value exactly once: {}", st.once);
    println!(
        "pops that took the other thread's value: {:.1}%",
        percent(st.others, st.pops)
    );
    println!(
        "lost at least one compare-exchange to the other thread: {:.2}% of pushes, {:.2}% of pops",
        percent(st.retried_pushes, 2 * STRESS_OPS),
        percent(st.retried_pops, st.pops)
    );
    println!(
        "compare-exchanges lost, per 100 operations: {:.2} per 100 pushes, {:.2} per 100 pops",
        percent(st.failed_pushes, 2 * STRESS_OPS),
        percent(st.failed_pops, st.pops)
    );
    if cfg!(miri) {
        return ExitCode::SUCCESS; // the timings would take Miri hours
    }
    println!(
        "push+pop pairs per second (millions), best (slowest) of 3 runs of {:.2} s;",
        budget.as_secs_f64()
    );
    println!("2-thread runs: thousands of context switches per second, the lowest share of a");
    println!("run that both threads' windows covered, steal time as a share of both cores:");
    println!(
        "{:<30} {:>15} {:>15} {:>6} {:>9} {:>7} {:>7}",
        "stack", "1 thread", "2 threads", "slept", "preempted", "overlap", "steal"
    );
    type Make = fn() -> Box<dyn Fn(u64) + Sync>;
    let mutex_vec: Make = || {
        let v = Mutex::new(Vec::new());
        Box::new(move |i| {
            v.lock().unwrap().push(i);
            std::hint::black_box(v.lock().unwrap().pop());
        })
    };
    let treiber: Make = || {
        let s = TreiberStack::new();
        Box::new(move |i| {
            s.push(i);
            std::hint::black_box(s.pop());
        })
    };
    let stacks: [(&str, Make); 7] = [
        ("Mutex<Vec<u64>>", mutex_vec),
        ("Mutex<Vec<Box<u64>>>", || {
            let v = Mutex::new(Vec::new());
            Box::new(move |i| {
                v.lock().unwrap().push(Box::new(i));
                std::hint::black_box(v.lock().unwrap().pop());
            })
        }),
        ("TreiberStack<u64>", treiber),
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
        ("  pin, allocate, retire a node", || {
            Box::new(|i| {
                let guard = epoch::pin();
                let node = Owned::new(Node {
                    value: ManuallyDrop::new(i),
                    next: ptr::null(),
                })
                .into_shared(&guard);
                // SAFETY: the node was never published, so no other thread can reach it;
                // it is retired once, and its destructor only frees its memory.
                unsafe { guard.defer_destroy(std::hint::black_box(node)) };
            })
        }),
        ("  Box::new and drop alone", || {
            Box::new(|i| drop(std::hint::black_box(Box::new(i))))
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
            "{name:<30} {:>15} {:>15} {:>6.1} {:>9.1} {}",
            one.cell(),
            two.cell(),
            two.slept_per_s / 1e3,
            two.preempted_per_s / 1e3,
            two.placement(7)
        );
    }
    // More threads than cores: a thread can lose its core in the middle of an operation.
    println!("more threads than cores: push+pop pairs per second (millions), best (slowest)");
    println!("of 3 runs, thousands of context switches per second (slept/preempted), steal:");
    println!(
        "{:<8} {:>15} {:>13} {:>15} {:>13} {:>6}",
        "threads", "Mutex<Vec<u64>>", "switches", "TreiberStack", "switches", "steal"
    );
    for threads in [2, 4, 8] {
        let measured = pairs_per_second(threads, budget, mutex_vec)
            .and_then(|m| Ok((m, pairs_per_second(threads, budget, treiber)?)));
        let (m, t) = match measured {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let switches =
            |r: &Rates| format!("{:.1}/{:.1}", r.slept_per_s / 1e3, r.preempted_per_s / 1e3);
        let steal = format!("{:.1}%", 50.0 * (m.steal + t.steal));
        println!(
            "{threads:<8} {:>15} {:>13} {:>15} {:>13} {steal:>6}",
            m.cell(),
            switches(&m),
            t.cell(),
            switches(&t)
        );
    }
    ExitCode::SUCCESS
}
