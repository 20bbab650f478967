//! Two orderings at work: `Relaxed` for a counter whose total is all that matters, and
//! `Release`/`Acquire` to publish a heap value through a pointer, so that every thread that
//! sees the pointer also sees the value behind it.

use std::process::ExitCode;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;

const USAGE: &str = "\
usage: ch17_orderings

Four threads add to a Relaxed counter 100000 times each and the total is printed; then
four threads race to publish a configuration through an AtomicPtr, and the program
prints how many won and whether every thread read the same one.
";

const THREADS: usize = 4;
const INCREMENTS: u64 = 100_000;

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
                s.spawn(move || {
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
    if total == THREADS as u64 * INCREMENTS && winners == 1 && agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
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
