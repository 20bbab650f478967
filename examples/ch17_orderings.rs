//! The orderings at work: `Relaxed` for a counter whose total is all that matters;
//! `Release`/`Acquire` to publish a heap value through a pointer, so that every thread that
//! sees the pointer also sees the value behind it; `AcqRel` on a swap that both publishes a
//! new value and takes over the old one; and one `Acquire` fence after several flags.

use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;

const USAGE: &str = "\
usage: ch17_orderings

Four threads add to a Relaxed counter 100000 times each and the total is printed; then
four threads race to publish a configuration through an AtomicPtr, and the program
prints how many won and whether every thread read the same one; then four threads
replace a shared latest reading with AcqRel swaps, and the program checks that every
reading was taken out and freed once; last, four workers each fill a slot and raise a
flag, and the program sums the slots after one Acquire fence.
";

const THREADS: usize = 4;
const INCREMENTS: u64 = 100_000;
const REPLACEMENTS: u64 = 10_000;

// ANCHOR: relaxed
/// Relaxed is enough: each `fetch_add` is indivisible, so no increment is lost, and nobody
/// reads other memory on the strength of the count. The total is read after the joins,
/// which order every increment before it.
fn count_events() -> u64 {
    let events = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..INCREMENTS {
                    events.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    events.into_inner()
}
// ANCHOR_END: relaxed

// ANCHOR: publish
struct Config {
    name: String,
    workers: usize,
}

/// Null until the first `publish`; then a leaked `Box<Config>` that lives for the rest of
/// the program.
static CONFIG: AtomicPtr<Config> = AtomicPtr::new(ptr::null_mut());

/// Publishes `config` unless another thread got there first; returns the one that won and
/// whether it was ours.
fn publish(config: Config) -> (&'static Config, bool) {
    let ours = Box::into_raw(Box::new(config));
    // Success: Release, so that the writes that built our Config happen before any
    // Acquire load that sees the pointer. Failure: Acquire, because we are about to
    // read the winner's Config through the pointer we found.
    match CONFIG.compare_exchange(ptr::null_mut(), ours, Ordering::Release, Ordering::Acquire) {
        // SAFETY: the pointer came from `Box::into_raw` and is never freed.
        Ok(_) => (unsafe { &*ours }, true),
        Err(winner) => {
            // SAFETY: `ours` was never shared, so this is its only owner.
            drop(unsafe { Box::from_raw(ours) });
            // SAFETY: `winner` is the non-null pointer another thread published, never
            // freed, and the Acquire above made its Config's contents visible.
            (unsafe { &*winner }, false)
        }
    }
}

fn current() -> Option<&'static Config> {
    let config = CONFIG.load(Ordering::Acquire);
    // SAFETY: non-null means published by `publish`, never freed; Acquire pairs with
    // its Release.
    (!config.is_null()).then(|| unsafe { &*config })
}
// ANCHOR_END: publish

// ANCHOR: acqrel
/// A slot that always holds the latest reading: a writer swaps its new box in and frees
/// the one it took out, which another thread may have written.
static LATEST: AtomicPtr<u64> = AtomicPtr::new(ptr::null_mut());

/// Publishes `value` and returns the reading it replaced, after freeing its box.
fn replace_latest(value: u64) -> Option<u64> {
    let new = Box::into_raw(Box::new(value));
    // AcqRel: Release publishes our box's contents to whoever swaps it out later;
    // Acquire makes the contents of the box we take out, written by another thread,
    // visible before we read and free it.
    let old = LATEST.swap(new, Ordering::AcqRel);
    // SAFETY: a non-null pointer in the slot came from `Box::into_raw` above, and the
    // swap gave it to this thread alone, so no one else reads or frees it.
    (!old.is_null()).then(|| *unsafe { Box::from_raw(old) })
}
// ANCHOR_END: acqrel

// ANCHOR: fence
/// Each worker fills its own slot and raises its own flag; the collector waits for all
/// the flags with `Relaxed` loads and pays for `Acquire` once, with one fence.
fn collect(workers: usize) -> u64 {
    let slots: Vec<AtomicU64> = (0..workers).map(|_| AtomicU64::new(0)).collect();
    let ready: Vec<AtomicBool> = (0..workers).map(|_| AtomicBool::new(false)).collect();
    thread::scope(|s| {
        for (i, (slot, flag)) in slots.iter().zip(&ready).enumerate() {
            spawn_or_exit(s, move || {
                slot.store((i as u64 + 1) * 100, Ordering::Relaxed);
                flag.store(true, Ordering::Release); // pairs with the fence below
            });
        }
        while !ready.iter().all(|flag| flag.load(Ordering::Relaxed)) {
            std::hint::spin_loop();
        }
        // Every flag load read a value stored by a Release store, so this one fence
        // synchronizes with all of them: each slot's store happens before the sum.
        fence(Ordering::Acquire);
        slots.iter().map(|slot| slot.load(Ordering::Relaxed)).sum()
    })
}
// ANCHOR_END: fence

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let total = count_events();
    println!("{THREADS} threads x {INCREMENTS} Relaxed increments: {total}");

    // ANCHOR: race
    let start = Barrier::new(THREADS);
    let results: Vec<(&'static Config, bool)> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let start = &start;
                spawn_or_exit(s, move || {
                    let config = Config {
                        name: format!("config of thread {i}"),
                        workers: i + 1,
                    };
                    start.wait();
                    publish(config)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // ANCHOR_END: race
    let winners = results.iter().filter(|(_, won)| *won).count();
    let winner = current().expect("published");
    let agree = results.iter().all(|(config, _)| {
        ptr::eq(*config, winner) && config.name == winner.name && config.workers == winner.workers
    });
    println!(
        "{THREADS} threads raced to publish: {winners} won, and all {} read the same \
         configuration: {agree}",
        results.len()
    );

    // Four threads replace the latest reading 10000 times each; every reading but the
    // last is taken out, read and freed by exactly one thread.
    let (taken, sum_taken): (u64, u64) = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                spawn_or_exit(s, move || {
                    let mut taken = (0, 0);
                    for i in 0..REPLACEMENTS {
                        if let Some(old) = replace_latest(t * REPLACEMENTS + i + 1) {
                            taken = (taken.0 + 1, taken.1 + old);
                        }
                    }
                    taken
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold((0, 0), |(n, sum), (m, part)| (n + m, sum + part))
    });
    let last = replace_latest(0).unwrap_or(0);
    let made = THREADS as u64 * REPLACEMENTS;
    let all_once = taken + 1 == made && sum_taken + last == made * (made + 1) / 2;
    println!(
        "{THREADS} threads x {REPLACEMENTS} AcqRel swaps: {taken} readings taken out and freed, \
         each reading exactly once: {all_once}"
    );
    let collected = collect(THREADS);
    println!("{THREADS} workers' slots collected after one Acquire fence: sum {collected}");

    if total == THREADS as u64 * INCREMENTS
        && winners == 1
        && agree
        && all_once
        && collected == 1000
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Starts a scoped thread, or, if the system refuses one, says so and ends the program at
/// once: the threads already started would otherwise wait at the barrier for ever.
fn spawn_or_exit<'scope, 'env, T, F>(
    s: &'scope thread::Scope<'scope, 'env>,
    f: F,
) -> thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a thread: {e}");
            std::process::exit(1)
        })
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
