//! Exercise 17-2's solution: a shared "largest value seen" kept with `fetch_update`, which
//! is a `compare_exchange_weak` loop, beside the `fetch_max` that does the same in one call.
//! Four threads record 250000 pseudo-random values each; both maxima must equal the largest
//! value any thread produced.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

const USAGE: &str = "\
usage: ch17_ex_fetch_max

Four threads record 250000 pseudo-random values each into two shared maxima, one kept
with fetch_update and one with fetch_max, and the program checks both against the largest
value produced.
";

const THREADS: u64 = 4;
const VALUES: u64 = 250_000;

// ANCHOR: record
/// Raises `max` to `value` if `value` is larger. `fetch_update` loads, calls the closure,
/// and tries `compare_exchange_weak` with the result, again and again until no other
/// thread changed `max` in between; `None` from the closure stops it without a store.
fn record(max: &AtomicU64, value: u64) {
    let _ = max.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
        (value > current).then_some(value)
    });
}
// ANCHOR_END: record

/// A small xorshift generator: each thread gets its own sequence, reproducibly.
fn values(seed: u64) -> impl Iterator<Item = u64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..VALUES).map(move |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % 1_000_000_007
    })
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let by_update = AtomicU64::new(0);
    let by_fetch_max = AtomicU64::new(0);
    thread::scope(|s| {
        for seed in 0..THREADS {
            let (by_update, by_fetch_max) = (&by_update, &by_fetch_max);
            s.spawn(move || {
                for value in values(seed) {
                    record(by_update, value);
                    by_fetch_max.fetch_max(value, Ordering::Relaxed);
                }
            });
        }
    });
    let expected = (0..THREADS).flat_map(values).max().unwrap();
    let (update, fetch_max) = (by_update.into_inner(), by_fetch_max.into_inner());
    println!("largest value produced:  {expected}");
    println!("kept with fetch_update:  {update}");
    println!("kept with fetch_max:     {fetch_max}");
    if update == expected && fetch_max == expected {
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
