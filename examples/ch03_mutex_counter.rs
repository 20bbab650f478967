//! Four threads add to one counter, taking turns through a `Mutex`.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 100_000;

const USAGE: &str = "\
usage: ch03_mutex_counter

Four threads add 100000 each to one counter behind a Mutex.
";

// ANCHOR: mutex
fn main() -> ExitCode {
    // ANCHOR_END: mutex
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: mutex
    // The mutex owns the counter; the Arc lets every thread own the mutex.
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let counter = Arc::clone(&counter);
        handles.push(thread::spawn(move || {
            for _ in 0..INCREMENTS {
                // The guard is the only way to the counter: no lock, no access.
                let mut guard = counter.lock().unwrap();
                *guard += 1;
            } // The guard is dropped here, so each increment is a critical section.
        }));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    println!("counter = {total} (expected {})", THREADS * INCREMENTS);
    ExitCode::SUCCESS
}
// ANCHOR_END: mutex

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
