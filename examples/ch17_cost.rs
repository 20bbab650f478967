//! What atomic operations cost on this machine: `fetch_add` on a counter one thread owns,
//! on a counter two threads share, on two counters that share a cache line and on two that
//! do not; and a `Release` store against a `SeqCst` store.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch17_cost

Times 4000000 atomic operations per thread, best of 3 runs: fetch_add on one thread's
own counter, fetch_add by two threads on one counter, on two counters in one cache line
and on two counters 128 bytes apart; then a Release store and a SeqCst store in a loop.
Prints nanoseconds per operation and each against the uncontended fetch_add.
";

const OPS: u64 = 4_000_000;
const RUNS: usize = 3;

// ANCHOR: layout
/// Two counters side by side: 8 bytes apart, in one 64-byte cache line.
#[repr(C, align(64))]
struct SameLine {
    a: AtomicU64,
    b: AtomicU64,
}

/// Two counters 128 bytes apart: on x86-64 a core's prefetcher fetches cache lines in
/// pairs, so 128 bytes keeps each counter's pair to itself (crossbeam's `CachePadded`
/// uses the same figure there).
#[repr(C, align(128))]
struct Padded(AtomicU64);
// ANCHOR_END: layout

// ANCHOR: timing
/// The best of `RUNS` timings of `threads.len()` threads started together, each running
/// its closure once; the time runs from the start to the last thread's end.
fn best_of(threads: &[&(dyn Fn() + Sync)]) -> Duration {
    (0..RUNS)
        .map(|_| {
            let barrier = Barrier::new(threads.len() + 1);
            thread::scope(|s| {
                for work in threads {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        work();
                    });
                }
                // The clock starts before the threads are released: taken after, it could
                // start late, if this thread were descheduled while the others ran.
                let start = Instant::now();
                barrier.wait();
                // The scope joins every thread before it returns.
                start
            })
            .elapsed()
        })
        .min()
        .unwrap()
}

fn add_many(counter: &AtomicU64) {
    for _ in 0..OPS {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: timing

// ANCHOR: stores
fn store_many(cell: &AtomicU64, ordering: Ordering) {
    for i in 0..OPS {
        // `black_box` hides the loop from the optimiser, which could otherwise merge
        // the stores to one address into the last one.
        std::hint::black_box(cell).store(i, ordering);
    }
}
// ANCHOR_END: stores

fn ns_per_op(time: Duration) -> f64 {
    time.as_secs_f64() * 1e9 / OPS as f64
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "CPU model unknown".into())
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores, {}, {}",
        thread::available_parallelism().map_or(1, |n| n.get()),
        std::env::consts::ARCH,
        cpu_model()
    );
    // ANCHOR: cases
    let own = AtomicU64::new(0);
    let shared = AtomicU64::new(0);
    let same_line = SameLine {
        a: AtomicU64::new(0),
        b: AtomicU64::new(0),
    };
    let (pad_a, pad_b) = (Padded(AtomicU64::new(0)), Padded(AtomicU64::new(0)));

    let alone = best_of(&[&|| add_many(&own)]);
    let contended = best_of(&[&|| add_many(&shared), &|| add_many(&shared)]);
    let false_sharing = best_of(&[&|| add_many(&same_line.a), &|| add_many(&same_line.b)]);
    let padded = best_of(&[&|| add_many(&pad_a.0), &|| add_many(&pad_b.0)]);
    let release = best_of(&[&|| store_many(&own, Ordering::Release)]);
    let seqcst = best_of(&[&|| store_many(&own, Ordering::SeqCst)]);
    // ANCHOR_END: cases

    // Every increment was counted: RUNS runs of OPS per thread.
    let runs = RUNS as u64;
    assert_eq!(shared.load(Ordering::Relaxed), 2 * runs * OPS);
    assert_eq!(same_line.a.load(Ordering::Relaxed), runs * OPS);

    println!("{OPS} operations per thread, best of {RUNS} runs, nanoseconds per operation:");
    let base = ns_per_op(alone);
    let line = |name: &str, time: Duration| {
        let ns = ns_per_op(time);
        println!("  {name:<44} {ns:>6.2} ns  {:>6.2}x", ns / base);
    };
    line("fetch_add, one thread, its own counter", alone);
    line("fetch_add, two threads, one shared counter", contended);
    line(
        "fetch_add, two threads, two counters, 1 line",
        false_sharing,
    );
    line("fetch_add, two threads, two counters, 128 B", padded);
    line("store Release, one thread", release);
    line("store SeqCst, one thread", seqcst);
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
