//! Parking a thread until another thread unparks it.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

const USAGE: &str = "\
usage: ch03_park

A waiter parks until main sets a flag and unparks it.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: park
    let go = AtomicBool::new(false);
    thread::scope(|s| {
        let waiter = s.spawn(|| {
            println!("waiter: parking until main says go");
            // `park` may return without an `unpark` (a spurious wake-up), so the flag,
            // not the return from `park`, says whether it is time to go on.
            while !go.load(Ordering::Acquire) {
                thread::park();
            }
            println!("waiter: unparked, and go is set");
        });

        println!("main: setting go and unparking the waiter");
        go.store(true, Ordering::Release);
        // If the waiter has not parked yet, this leaves it a token and its next
        // `park` returns at once: the wake-up cannot be lost.
        waiter.thread().unpark();
    });
    println!("main: the waiter has finished");
    // ANCHOR_END: park
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
