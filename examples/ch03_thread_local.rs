//! Per-thread data with `thread_local!`, Rust's counterpart of Python's `threading.local`:
//! every thread that touches `CHECKED` gets a counter of its own.

use std::cell::Cell;
use std::process::ExitCode;
use std::thread;

const USAGE: &str = "\
usage: ch03_thread_local

Three threads count primes in ranges of 1000, 2000 and 3000 numbers, each counting the
numbers it checked in a thread-local counter; then each thread's counter, and main's.
";

// ANCHOR: thread_local
thread_local! {
    /// How many numbers this thread has checked. Each thread has its own counter,
    /// created at its first use; no other thread can reach it, so no lock is needed.
    static CHECKED: Cell<u64> = const { Cell::new(0) };
}

fn is_prime(n: u64) -> bool {
    CHECKED.set(CHECKED.get() + 1);
    n >= 2 && (2..=n.isqrt()).all(|d| !n.is_multiple_of(d))
}

fn count_primes() {
    let handles: Vec<_> = (1..=3u64)
        .map(|t| {
            thread::spawn(move || {
                let primes = (0..1000 * t).filter(|&n| is_prime(n)).count();
                // Read here, on the thread itself: main cannot see this counter.
                (primes, CHECKED.get())
            })
        })
        .collect();
    for (t, handle) in (1..).zip(handles) {
        let (primes, checked) = handle.join().unwrap();
        println!("thread {t}: {primes} primes, its CHECKED says {checked}");
    }
    println!("main: its CHECKED says {}", CHECKED.get());
}
// ANCHOR_END: thread_local

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    count_primes();
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
