//! How much the size of a critical section matters: one lock around a whole loop, a lock
//! around each increment, an atomic counter with no lock at all, a local count, and a
//! counter per thread with and without false sharing.
//!
//! Usage: cargo run --release --example ch03_lock_granularity [-- TOTAL]

use std::env;
use std::ffi::OsString;
use std::hint::black_box;
use std::ops::Deref;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::utils::CachePadded;

const THREAD_COUNTS: [usize; 4] = [1, 2, 4, 8];
// Small enough for a debug build to finish in a second or two.
const DEFAULT_TOTAL: usize = 1_000_000;
const MAX_TOTAL: usize = 1_000_000_000;
const ROUNDS: usize = 3;

const USAGE: &str = "\
usage: ch03_lock_granularity [TOTAL]

Counts to TOTAL (default 1000000) with 1, 2, 4 and 8 threads in six ways: one lock
held around each thread's whole loop, one lock per increment, an atomic counter, a
local count added once, and an atomic slot per thread, side by side or padded to a
cache line each. Prints the best time of 3 rounds for each. TOTAL is a whole number from 1 to 1000000000.
";

/// How many of `total` increments thread `i` of `threads` does: the shares add up to `total`.
fn share(total: usize, threads: usize, i: usize) -> usize {
    total / threads + usize::from(i < total % threads)
}

// ANCHOR: strategies
/// Each thread takes the lock once and does all its increments while holding it.
fn one_lock(total: usize, threads: usize) -> usize {
    let counter = Mutex::new(0);
    thread::scope(|s| {
        for i in 0..threads {
            let counter = &counter;
            s.spawn(move || {
                let mut guard = counter.lock().unwrap();
                for _ in 0..share(total, threads, i) {
                    // black_box keeps the compiler from folding the loop into one
                    // addition.
                    *guard += black_box(1);
                }
            });
        }
    });
    counter.into_inner().unwrap()
}

/// Each thread takes the lock for every single increment.
fn lock_each(total: usize, threads: usize) -> usize {
    let counter = Mutex::new(0);
    thread::scope(|s| {
        for i in 0..threads {
            let counter = &counter;
            s.spawn(move || {
                for _ in 0..share(total, threads, i) {
                    *counter.lock().unwrap() += black_box(1);
                }
            });
        }
    });
    counter.into_inner().unwrap()
}

/// No lock: each increment is one indivisible read-modify-write of the counter.
fn atomic(total: usize, threads: usize) -> usize {
    let counter = AtomicUsize::new(0);
    thread::scope(|s| {
        for i in 0..threads {
            let counter = &counter;
            s.spawn(move || {
                for _ in 0..share(total, threads, i) {
                    // Relaxed is enough: no other data is published through this
                    // counter, and the scope's joins make the total visible to main.
                    counter.fetch_add(black_box(1), Ordering::Relaxed);
                }
            });
        }
    });
    counter.into_inner()
}

/// Each thread counts in a local variable and adds its total to the shared counter once.
fn local_count(total: usize, threads: usize) -> usize {
    let counter = AtomicUsize::new(0);
    thread::scope(|s| {
        for i in 0..threads {
            let counter = &counter;
            s.spawn(move || {
                let mut mine = 0;
                for _ in 0..share(total, threads, i) {
                    mine += black_box(1);
                }
                counter.fetch_add(mine, Ordering::Relaxed);
            });
        }
    });
    counter.into_inner()
}

/// Each thread increments its own atomic slot; `main` adds the slots up. Nothing is
/// shared, but adjacent slots can sit in one cache line ("false sharing").
fn own_slot<S: Deref<Target = AtomicUsize> + Sync>(total: usize, slots: &[S]) -> usize {
    let threads = slots.len();
    thread::scope(|s| {
        for (i, slot) in slots.iter().enumerate() {
            s.spawn(move || {
                for _ in 0..share(total, threads, i) {
                    slot.fetch_add(black_box(1), Ordering::Relaxed);
                }
            });
        }
    });
    slots.iter().map(|slot| slot.load(Ordering::Relaxed)).sum()
}

/// Slots side by side: eight bytes each, so eight of them share a 64-byte cache line.
fn adjacent_slots(total: usize, threads: usize) -> usize {
    let slots: Vec<AtomicUsize> = (0..threads).map(|_| AtomicUsize::new(0)).collect();
    let slots: Vec<&AtomicUsize> = slots.iter().collect();
    own_slot(total, &slots)
}

/// Each slot padded and aligned to a cache line of its own (128 bytes on x86-64).
fn padded_slots(total: usize, threads: usize) -> usize {
    let slots: Vec<CachePadded<AtomicUsize>> = (0..threads)
        .map(|_| CachePadded::new(AtomicUsize::new(0)))
        .collect();
    own_slot(total, &slots)
}
// ANCHOR_END: strategies

/// Runs `count_with` ROUNDS times and keeps the fastest time: the slower rounds measure
/// whatever else the machine was doing, such as other programs or the first touch of memory.
fn best_of(count_with: impl Fn() -> usize) -> (usize, Duration) {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        count = count_with();
        best = best.min(start.elapsed());
    }
    (count, best)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Reads TOTAL from the command line: usage on `--help`, and a one-line error with exit
/// status 2 for anything else that is not a whole number in range.
fn parse_args() -> Result<usize, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(DEFAULT_TOTAL),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<usize>) {
            Some(Ok(n)) if (1..=MAX_TOTAL).contains(&n) => Ok(n),
            _ if n.to_string_lossy().starts_with('-') => {
                eprintln!(
                    "error: unexpected argument `{}` (try --help)",
                    n.to_string_lossy()
                );
                Err(ExitCode::from(2))
            }
            _ => {
                eprintln!(
                    "error: TOTAL must be a whole number from 1 to {MAX_TOTAL}, got `{}`",
                    n.to_string_lossy()
                );
                Err(ExitCode::from(2))
            }
        },
        _ => {
            eprintln!("error: expected at most one argument, TOTAL (try --help)");
            Err(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let total = match parse_args() {
        Ok(total) => total,
        Err(status) => return status,
    };

    // ANCHOR: table
    println!("{total} increments, best of {ROUNDS} rounds, in milliseconds");
    println!("threads   one lock  lock each     atomic      local   adjacent     padded");
    let ways: [fn(usize, usize) -> usize; 6] = [
        one_lock,
        lock_each,
        atomic,
        local_count,
        adjacent_slots,
        padded_slots,
    ];
    for threads in THREAD_COUNTS {
        let mut row = format!("{threads:>7}");
        for way in ways {
            let (count, time) = best_of(|| way(total, threads));
            // A fast wrong answer is worth nothing: every way must count every increment.
            assert_eq!(count, total, "lost increments");
            row += &format!(" {:>10.2}", millis(time));
        }
        println!("{row}");
    }
    println!("every counter reached {total}");
    // ANCHOR_END: table
    ExitCode::SUCCESS
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
