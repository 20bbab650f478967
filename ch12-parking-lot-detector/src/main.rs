//! parking_lot's own deadlock detector on the three-way deadlock of `ch12_wait_for_graph`:
//! three threads, three plain `parking_lot::Mutex`es, each thread holding one and blocked in
//! `lock` on the next. A detector thread calls `deadlock::check_deadlock` until it reports
//! the cycle. Needs parking_lot's `deadlock_detection` feature, which this package's
//! Cargo.toml switches on for this program alone.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{deadlock, Mutex};

// Two files of chapter 12's shared module folder, the command line and the timing that
// `ch12_lock_cost` runs without the detector (this package sits beside `examples/`).
#[path = "../../examples/ch12_common/cli.rs"]
mod cli;
#[path = "../../examples/ch12_common/lock_cost.rs"]
mod lock_cost;

use cli::no_arguments;

// ANCHOR: workers
/// Thread i takes lock i, waits until all three hold one, then locks lock i + 1: forever.
#[inline(never)]
fn worker(i: usize, locks: &[Mutex<()>; 3], all_hold_one: &Barrier) {
    let _first = locks[i].lock();
    all_hold_one.wait();
    let _second = locks[(i + 1) % 3].lock();
    unreachable!("the three locks form a cycle");
}
// ANCHOR_END: workers

// ANCHOR: detector
/// A cycle of deadlocked threads: each thread's id, and our functions on its stack.
type Cycle = Vec<(thread::ThreadId, Vec<String>)>;

/// Calls `check_deadlock` every 50 ms, for at most 5 s, and returns the first cycles found:
/// for each thread in a cycle, its id and the names of this program's functions on its stack.
fn wait_for_deadlock() -> Option<Vec<Cycle>> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let cycles = deadlock::check_deadlock();
        if !cycles.is_empty() {
            let described = cycles
                .iter()
                .map(|cycle| {
                    cycle
                        .iter()
                        .map(|t| {
                            // The names of this program's functions on the thread's stack.
                            let mut frames = Vec::new();
                            for frame in t.backtrace().frames() {
                                for symbol in frame.symbols() {
                                    let Some(name) = symbol.name() else { continue };
                                    let name = format!("{name:#}");
                                    if name.starts_with("ch12_parking_lot_detector::")
                                        && !name.contains("{{closure}}")
                                        && !frames.contains(&name)
                                    {
                                        frames.push(name);
                                    }
                                }
                            }
                            (t.thread_id(), frames)
                        })
                        .collect()
                })
                .collect();
            return Some(described);
        }
        thread::park_timeout(Duration::from_millis(50));
    }
    None
}
// ANCHOR_END: detector

const USAGE: &str = "\
usage: ch12-parking-lot-detector

Three threads deadlock on three parking_lot mutexes; parking_lot's deadlock detector finds
the cycle, and the program reports it and ends, leaving the three threads blocked. Then it
times a lock and unlock of an uncontended parking_lot Mutex with the detector compiled in,
as ch12_lock_cost does without it.
Its Cargo.toml switches on parking_lot's `deadlock_detection` feature.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let locks = Arc::new([Mutex::new(()), Mutex::new(()), Mutex::new(())]);
    let all_hold_one = Arc::new(Barrier::new(3));
    let mut names = HashMap::new();
    for i in 0..3 {
        let (locks, all_hold_one) = (locks.clone(), all_hold_one.clone());
        let name = format!("thread-{}", i + 1);
        // Never joined: these threads stay blocked until the process ends.
        let handle = thread::Builder::new()
            .name(name.clone())
            .spawn(move || worker(i, &locks, &all_hold_one))
            .expect("spawning a thread");
        names.insert(handle.thread().id(), name);
    }
    match wait_for_deadlock() {
        Some(cycles) => {
            for cycle in cycles {
                let mut threads: Vec<String> = cycle
                    .iter()
                    .map(|(id, frames)| format!("{} in {}", names[id], frames.join(" < ")))
                    .collect();
                threads.sort();
                println!("detector: a cycle of {} threads:", threads.len());
                for thread in threads {
                    println!("  {thread}");
                }
            }
            println!("detector: they stay blocked; the program ends without joining them");
        }
        None => println!("detector: no deadlock found in 5 s"),
    }
    // ANCHOR_END: main

    // The same timing as `ch12_lock_cost`, which is built without the detector.
    lock_cost::parking_lot_mutex(true);
    ExitCode::SUCCESS
}
