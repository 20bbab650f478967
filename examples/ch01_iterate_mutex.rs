//! The "concurrent" version of x <- x*x - x + 1: twenty threads, each applying
//! the step once to a shared number guarded by a Mutex, timed against the
//! plain loop.

use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use num_bigint::BigUint;

fn f(x: &BigUint) -> BigUint {
    x * x - x + 1u32
}

const STEPS: usize = 20;

/// Each version runs this many times: enough to see that the threaded one
/// always ends on the same number, and to report the fastest round, since
/// other programs on the machine can only add time to a round.
const ROUNDS: usize = 5;

fn sequential() -> BigUint {
    let mut x = BigUint::from(3u32);
    for _ in 0..STEPS {
        x = f(&x);
    }
    x
}

// ANCHOR: mutex
fn with_threads() -> BigUint {
    let x = Mutex::new(BigUint::from(3u32));
    thread::scope(|s| {
        for _ in 0..STEPS {
            s.spawn(|| {
                // The guard is held from the read to the write, so no other
                // thread can read the old value in between.
                let mut guard = x.lock().unwrap();
                *guard = f(&guard);
            });
        }
    });
    x.into_inner().unwrap()
}
// ANCHOR_END: mutex

/// Runs `version` ROUNDS times; returns the last five digits of each result
/// and the fastest time.
fn measure(version: fn() -> BigUint) -> (Vec<BigUint>, Duration) {
    let mut endings = Vec::new();
    let mut fastest = Duration::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let x = version();
        fastest = fastest.min(start.elapsed());
        endings.push(x % 100_000u32);
    }
    (endings, fastest)
}

fn show(label: &str, endings: &[BigUint], fastest: Duration) {
    let endings: Vec<String> = endings.iter().map(BigUint::to_string).collect();
    println!("{label}");
    println!("  last five digits, {ROUNDS} runs: {}", endings.join(" "));
    println!("  fastest run: {:.3} s", fastest.as_secs_f64());
}

const USAGE: &str = "\
usage: ch01_iterate_mutex

Applies x <- x*x - x + 1 twenty times from x = 3, in a loop and with twenty threads
sharing a Mutex, five times each, and compares the fastest runs.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let (seq_endings, seq_time) = measure(sequential);
    show("sequential loop:", &seq_endings, seq_time);
    let (locked_endings, locked_time) = measure(with_threads);
    show("20 threads sharing a Mutex:", &locked_endings, locked_time);
    println!(
        "the threads took {:.2}x the time of the loop",
        locked_time.as_secs_f64() / seq_time.as_secs_f64()
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
