//! Treiber's lock-free stack with crossbeam-epoch reclamation: a stress test that checks
//! every value comes out exactly once, then its speed against a `Mutex<Vec<T>>`.

use cpu_time::ProcessTime;
use crossbeam::epoch::{self, Atomic, Owned, Shared};
use std::mem::ManuallyDrop;
use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ch16_treiber [OPS]
Two threads push and pop OPS values each (default 200000) through Treiber's stack and check
that every value comes out exactly once; then time push-and-pop pairs at 1 and 2 threads
against a Mutex<Vec<u64>>, best of 5 runs of OPS pairs per thread.
";

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
        let mut node = Owned::new(Node {
            value: ManuallyDrop::new(value),
            next: ptr::null(),
        });
        let guard = epoch::pin();
        let mut head = self.head.load(Relaxed, &guard);
        loop {
            // The node is still ours alone: link it in front of the head we saw.
            node.next = head.as_raw();
            // `Release`: a pop that loads this node with `Acquire` sees its value and link.
            match self
                .head
                .compare_exchange(head, node, Release, Relaxed, &guard)
            {
                Ok(_) => return,
                Err(failed) => {
                    head = failed.current;
                    node = failed.new;
                }
            }
        }
    }

    pub fn pop(&self) -> Option<T> {
        let guard = epoch::pin();
        loop {
            let head = self.head.load(Acquire, &guard);
            // SAFETY: `head` is null or a node a push published (our `Acquire` load
            // synchronises with its `Release`). We are pinned, so even if another thread
            // pops it now, the collector will not free it before our guard is dropped.
            let node = unsafe { head.as_ref() }?;
            let next = node.next;
            // Succeeds only if the head is still the node we read `next` from.
            if self
                .head
                .compare_exchange(head, Shared::from(next), Relaxed, Relaxed, &guard)
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
/// Both threads push their own values and pop between pushes; what they popped plus what
/// is left must be every value, each exactly once.
fn stress(ops: u64) -> (u64, bool) {
    let stack = TreiberStack::new();
    let start = Barrier::new(2);
    let popped: Vec<Vec<u64>> = thread::scope(|s| {
        let workers: Vec<_> = (0..2u64)
            .map(|t| {
                let (stack, start) = (&stack, &start);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    start.wait();
                    for i in 0..ops {
                        stack.push(t * ops + i);
                        // Pop after every second push, so the stack grows and shrinks.
                        if i % 2 == 1 {
                            mine.extend(stack.pop());
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut seen = vec![0u8; 2 * ops as usize];
    let left = std::iter::from_fn(|| stack.pop());
    for value in popped.into_iter().flatten().chain(left) {
        seen[value as usize] += 1;
    }
    let popped_total = seen.iter().map(|&n| u64::from(n)).sum();
    (popped_total, seen.iter().all(|&n| n == 1))
}
// ANCHOR_END: stress

// ANCHOR: bench
/// Best of 5: `threads` threads each push then pop `ops` times. Returns pairs per second.
fn pairs_per_second(threads: u64, ops: u64, run: impl Fn() -> Box<dyn Fn(u64) + Sync>) -> f64 {
    let best = (0..5)
        .map(|_| {
            let pair = run();
            let start = Barrier::new(threads as usize + 1);
            thread::scope(|s| {
                for _ in 0..threads {
                    let (pair, start) = (&pair, &start);
                    s.spawn(move || {
                        start.wait();
                        for i in 0..ops {
                            pair(i);
                        }
                    });
                }
                start.wait();
                // The scope returns this once every worker has finished.
                Instant::now()
            })
            .elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX);
    (threads * ops) as f64 / best.as_secs_f64()
}
// ANCHOR_END: bench

fn main() -> ExitCode {
    let ops = match count_argument(USAGE, 200_000) {
        Ok(n) => n,
        Err(status) => return status,
    };
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (total, once) = stress(ops);
    println!(
        "stress: 2 threads pushed {} values, {total} came out",
        2 * ops
    );
    println!("every value exactly once: {once}");
    println!("push+pop pairs per second (millions), best of 5:");
    println!("{:<22} {:>10} {:>10}", "stack", "1 thread", "2 threads");
    type Make = fn() -> Box<dyn Fn(u64) + Sync>;
    let stacks: [(&str, Make); 3] = [
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
    ];
    // Processor time over wall time while two threads ran: on a busy machine, less than 2.
    let mut busy = (Duration::ZERO, Duration::ZERO);
    for (name, make) in stacks {
        let one = pairs_per_second(1, ops, make) / 1e6;
        let (cpu, wall) = (ProcessTime::now(), Instant::now());
        let two = pairs_per_second(2, ops, make) / 1e6;
        busy = (busy.0 + cpu.elapsed(), busy.1 + wall.elapsed());
        println!("{name:<22} {one:>10.2} {two:>10.2}");
    }
    println!(
        "cores busy during the 2-thread runs: {:.2} (of 2: both threads ran throughout)",
        busy.0.as_secs_f64() / busy.1.as_secs_f64()
    );
    ExitCode::SUCCESS
}

// The command line: `--help` prints the usage, one optional positive count is read, anything
// else is refused with one `error:` line and exit status 2.
fn count_argument(usage: &str, default: u64) -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let count = match args.next() {
        None => return Ok(default),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) => match arg.to_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!(
                    "error: expected a positive whole number, got `{}` (try --help)",
                    arg.to_string_lossy()
                );
                return Err(ExitCode::from(2));
            }
        },
    };
    if let Some(extra) = args.next() {
        eprintln!(
            "error: unexpected argument `{}` (try --help)",
            extra.to_string_lossy()
        );
        return Err(ExitCode::from(2));
    }
    Ok(count)
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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
