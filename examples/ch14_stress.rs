//! A stress test for the smallest lost update: two threads, one split increment each,
//! released together by a barrier, over and over. Counts the rounds that lost an update.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;

const USAGE: &str = "\
usage: ch14_stress

Two threads each add one to a shared counter with a separate atomic load and store,
starting together, in each of 100000 rounds. Prints in what share of the rounds the
counter ended at 1 instead of 2.
";

const ROUNDS: u64 = 100_000;

// ANCHOR: stress
fn stress(rounds: u64) -> u64 {
    let counter = AtomicU64::new(0);
    // The two threads and this one meet here before and after every round.
    let barrier = Barrier::new(3);
    let mut lost = 0;
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..rounds {
                    barrier.wait();
                    let seen = counter.load(Ordering::Relaxed);
                    counter.store(seen + 1, Ordering::Relaxed);
                    barrier.wait();
                }
            });
        }
        for _ in 0..rounds {
            counter.store(0, Ordering::Relaxed);
            barrier.wait(); // go
            barrier.wait(); // both have stored
            if counter.load(Ordering::Relaxed) != 2 {
                lost += 1;
            }
        }
    });
    lost
}
// ANCHOR_END: stress

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    let lost = stress(ROUNDS);
    // How many rounds lose depends on the scheduler, run to run.
    println!(
        "{ROUNDS} rounds: an update was lost in {:.3}% of them",
        100.0 * lost as f64 / ROUNDS as f64
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
