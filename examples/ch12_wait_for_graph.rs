//! A deadlock detector of our own: a mutex wrapper that records who holds each lock and who
//! waits for which, a detector thread that follows the wait-for graph and finds a cycle of
//! three threads, names them, and breaks the cycle by telling one thread to give up. Then
//! what the wrapper costs when nobody waits.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: registry
/// A small number for each thread, 0 meaning "nobody".
fn my_number() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static ME: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    ME.with(|me| *me)
}

/// One edge of the wait-for graph: a thread waits for a lock, and the lock's holder.
struct Waiting {
    thread: String,
    lock: &'static str,
    holder: Arc<AtomicU64>,
    give_up: Arc<AtomicBool>,
}

/// Every thread that is waiting for a tracked lock right now, by thread number. Only the
/// slow path, a thread about to wait, touches it.
static WAITING: std::sync::Mutex<BTreeMap<u64, Waiting>> = std::sync::Mutex::new(BTreeMap::new());

fn waiting() -> std::sync::MutexGuard<'static, BTreeMap<u64, Waiting>> {
    WAITING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
// ANCHOR_END: registry

// ANCHOR: tracked
/// A mutex that knows who holds it, and whose `lock` can fail: when the detector finds this
/// thread in a cycle and picks it as the victim.
pub struct TrackedMutex<T> {
    name: &'static str,
    holder: Arc<AtomicU64>,
    inner: parking_lot::Mutex<T>,
}

#[derive(Debug)]
pub struct Deadlock;

impl<T> TrackedMutex<T> {
    pub fn new(name: &'static str, value: T) -> Self {
        TrackedMutex {
            name,
            holder: Arc::new(AtomicU64::new(0)),
            inner: parking_lot::Mutex::new(value),
        }
    }

    pub fn lock(&self) -> Result<TrackedGuard<'_, T>, Deadlock> {
        let me = my_number();
        // The fast path: free, so nobody waits and the graph does not change.
        if let Some(guard) = self.inner.try_lock() {
            self.holder.store(me, Ordering::Relaxed);
            return Ok(TrackedGuard { lock: self, guard });
        }
        // The slow path: add our edge to the graph, and wait in slices, watching for the
        // detector's verdict between them.
        let give_up = Arc::new(AtomicBool::new(false));
        let edge = Waiting {
            thread: thread::current().name().unwrap_or("unnamed").to_owned(),
            lock: self.name,
            holder: self.holder.clone(),
            give_up: give_up.clone(),
        };
        waiting().insert(me, edge);
        let got = loop {
            if let Some(guard) = self.inner.try_lock_for(Duration::from_millis(10)) {
                break Some(guard);
            }
            if give_up.load(Ordering::Relaxed) {
                break None;
            }
        };
        // Leave the graph before claiming the lock, so that it never shows us waiting for a
        // lock we hold.
        waiting().remove(&me);
        let guard = got.ok_or(Deadlock)?;
        self.holder.store(me, Ordering::Relaxed);
        Ok(TrackedGuard { lock: self, guard })
    }
}

pub struct TrackedGuard<'a, T> {
    lock: &'a TrackedMutex<T>,
    guard: parking_lot::MutexGuard<'a, T>,
}

impl<T> Drop for TrackedGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.holder.store(0, Ordering::Relaxed); // then `guard` unlocks
    }
}

impl<T> Deref for TrackedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for TrackedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
// ANCHOR_END: tracked

// ANCHOR: find_cycle
/// Follows the wait-for graph from every waiting thread: thread -> the lock it waits for ->
/// that lock's holder -> the lock the holder waits for, and so on. Each thread waits for at
/// most one lock and each lock has one holder, so from each thread there is one path, and it
/// either ends at a thread that is running or comes back to a thread already on it: a cycle.
/// Returns the cycle's thread numbers.
fn find_cycle(graph: &BTreeMap<u64, Waiting>) -> Option<Vec<u64>> {
    for &start in graph.keys() {
        let mut path = vec![start];
        let mut thread = start;
        while let Some(edge) = graph.get(&thread) {
            thread = edge.holder.load(Ordering::Relaxed);
            if let Some(at) = path.iter().position(|&t| t == thread) {
                return Some(path.split_off(at));
            }
            path.push(thread);
        }
    }
    None
}

/// Looks for a cycle every 50 ms until `done` says the workers have finished. For each new
/// cycle, it names the threads and locks, and tells one thread of the cycle to give up.
fn detector(done: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = done.recv_timeout(Duration::from_millis(50)) {
        let graph = waiting();
        let Some(mut cycle) = find_cycle(&graph) else {
            continue;
        };
        if cycle
            .iter()
            .any(|t| graph[t].give_up.load(Ordering::Relaxed))
        {
            continue; // already broken; the victim has not left the graph yet
        }
        // Start the report at the thread with the smallest name, so it reads the same on
        // every run; the victim is the last thread of the cycle in that order.
        let first = (0..cycle.len()).min_by_key(|&i| &graph[&cycle[i]].thread);
        cycle.rotate_left(first.unwrap_or(0));
        let edges: Vec<String> = cycle
            .iter()
            .map(|t| {
                let edge = &graph[t];
                let holder = graph
                    .get(&edge.holder.load(Ordering::Relaxed))
                    .map_or("?", |h| h.thread.as_str());
                format!("{} waits for {}, held by {holder}", edge.thread, edge.lock)
            })
            .collect();
        println!("detector: deadlock: {}", edges.join("; "));
        let victim = &graph[cycle.last().expect("a cycle has threads")];
        println!("detector: telling {} to give up", victim.thread);
        victim.give_up.store(true, Ordering::Relaxed);
    }
}
// ANCHOR_END: find_cycle

// ANCHOR: demo
/// Three threads, three locks: thread i takes lock i, and then lock i + 1 (wrapping).
fn three_way_deadlock() -> usize {
    let locks = [
        TrackedMutex::new("a", ()),
        TrackedMutex::new("b", ()),
        TrackedMutex::new("c", ()),
    ];
    let all_hold_one = Barrier::new(3);
    let (done, workers_done) = mpsc::channel();
    thread::scope(|s| {
        s.spawn(|| detector(workers_done));
        let workers: Vec<_> = (0..3)
            .map(|i| {
                let (locks, all_hold_one) = (&locks, &all_hold_one);
                thread::Builder::new()
                    .name(format!("thread-{}", i + 1))
                    .spawn_scoped(s, move || {
                        let me = format!("thread-{}", i + 1);
                        let (first, second) = (&locks[i], &locks[(i + 1) % 3]);
                        let _first = first.lock().expect("nobody waits for a free lock");
                        all_hold_one.wait();
                        match second.lock() {
                            Ok(_second) => {
                                println!("{me}: got {}, finished", second.name);
                                true
                            }
                            Err(Deadlock) => {
                                println!(
                                    "{me}: gave up waiting for {}, releasing {}",
                                    second.name, first.name
                                );
                                false
                            }
                        }
                    })
                    .unwrap_or_else(|e| {
                        // The others would wait at the barrier for this one for good.
                        eprintln!("error: cannot start a thread: {e}");
                        std::process::exit(1)
                    })
            })
            .collect();
        let finished = workers
            .into_iter()
            .map(|w| w.join())
            .filter(|joined| matches!(joined, Ok(true)))
            .count();
        drop(done); // stops the detector
        finished
    })
}
// ANCHOR_END: demo

/// Rounds of each lock, and lock-and-unlock pairs in each round: tens of milliseconds a
/// round, so that one preemption by the scheduler moves a round by a few percent at most.
const ROUNDS: usize = 9;
const PAIRS: u32 = 5_000_000;

/// One round of `PAIRS` lock-and-unlock pairs, in nanoseconds per pair.
fn round(lock_unlock: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..PAIRS {
        lock_unlock();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(PAIRS)
}

/// `ROUNDS` rounds of each, interleaved (a, b, a, b, ...), so that a change in the machine's
/// speed during the measurement falls on both alike. Each list comes back sorted.
fn interleaved(mut a: impl FnMut(), mut b: impl FnMut()) -> (Vec<f64>, Vec<f64>) {
    let (mut a_ns, mut b_ns) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a_ns.push(round(&mut a));
        b_ns.push(round(&mut b));
    }
    a_ns.sort_by(f64::total_cmp);
    b_ns.sort_by(f64::total_cmp);
    (a_ns, b_ns)
}

/// Fastest, median and slowest of a sorted list, and the spread (slowest minus fastest).
fn row(name: &str, ns: &[f64]) {
    let (fastest, median, slowest) = (ns[0], ns[ns.len() / 2], ns[ns.len() - 1]);
    println!(
        "  {name:<18} {fastest:>7.1} {median:>7.1} {slowest:>7.1} {:>7.1}",
        slowest - fastest
    );
}

const USAGE: &str = "\
usage: ch12_wait_for_graph

Three threads take three tracked locks in a cycle; a detector thread finds the cycle in the
wait-for graph, names it, and makes one thread give up. Then it times a lock and unlock of
an uncontended parking_lot Mutex and of the tracked wrapper.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let finished = three_way_deadlock();
    println!("main: {finished} of 3 threads finished their work");

    // ANCHOR: cost
    let plain = parking_lot::Mutex::new(0u64);
    let tracked = TrackedMutex::new("counter", 0u64);
    let (plain_ns, tracked_ns) = interleaved(
        || *std::hint::black_box(&plain).lock() += 1,
        || *std::hint::black_box(&tracked).lock().expect("uncontended") += 1,
    );
    // ANCHOR_END: cost
    println!("uncontended lock and unlock, ns per pair, {ROUNDS} interleaved rounds of {PAIRS}:");
    println!("                     fastest  median slowest  spread");
    row("parking_lot::Mutex", &plain_ns);
    row("TrackedMutex", &tracked_ns);
    // Noise only ever adds time: the fastest round of each is the estimate of its cost.
    println!(
        "tracked minus plain, fastest rounds: {:.1} ns ({:.2}x); medians: {:.1} ns",
        tracked_ns[0] - plain_ns[0],
        tracked_ns[0] / plain_ns[0],
        tracked_ns[ROUNDS / 2] - plain_ns[ROUNDS / 2]
    );
    ExitCode::SUCCESS
}

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
