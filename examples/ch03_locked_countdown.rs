//! A and B count down again, but each holds one lock for its whole countdown.

use std::process::ExitCode;
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::Duration;

// Pacing only, as in the first countdown; the lock, not the delay, orders the output.
const DELAY: Duration = Duration::from_millis(100);

const USAGE: &str = "\
usage: ch03_locked_countdown

Threads A and B count down from 5, each holding one lock for its whole
countdown.
";

// ANCHOR: locked
fn count_down(name: &str, from: u32) {
    for n in (1..=from).rev() {
        println!("{name}: {n}");
        thread::sleep(DELAY);
    }
}

fn main() -> ExitCode {
    // ANCHOR_END: locked
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: locked
    let lock = Mutex::new(());
    let (a_has_lock, a_has_lock_rx) = mpsc::channel();
    thread::scope(|s| {
        s.spawn(|| {
            let _guard = lock.lock().unwrap();
            a_has_lock.send(()).unwrap();
            println!("A: has the lock");
            count_down("A", 5);
            println!("A: releasing the lock");
        }); // `_guard` lives to the end of the closure: the lock covers the countdown.

        // Start B only once A holds the lock, so that A goes first on every run.
        a_has_lock_rx.recv().unwrap();
        s.spawn(|| {
            let _guard = lock.lock().unwrap();
            println!("B: has the lock");
            count_down("B", 5);
            println!("B: releasing the lock");
        });
    });
    println!("main: both countdowns are over");
    ExitCode::SUCCESS
}
// ANCHOR_END: locked

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
