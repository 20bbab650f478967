//! A thread that panics while holding a lock poisons it; the next locker is told.

use std::panic;
use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;

const USAGE: &str = "\
usage: ch03_poison

A writer panics while holding a lock; main finds the lock poisoned and
takes the data anyway.
";

// ANCHOR: poison
fn main() -> ExitCode {
    // ANCHOR_END: poison
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: poison
    // Silence the panic report while the writer panics: main reports the panic itself.
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));

    // Invariant: the two balances add up to 100.
    let balances = Mutex::new([60, 40]);
    let result = thread::scope(|s| {
        s.spawn(|| {
            let mut b = balances.lock().unwrap();
            // The first half of a transfer of 10 from one balance to the other...
            b[0] -= 10;
            // ...and a panic before the second half: the guard is dropped while
            // unwinding, and the mutex records that its holder panicked.
            panic!("transfer interrupted");
        })
        .join()
    });
    panic::set_hook(report);
    println!("main: the writer panicked: {}", result.is_err());

    let b = match balances.lock() {
        Ok(b) => b,
        Err(poisoned) => {
            println!("main: the lock is poisoned; the data may be half-updated");
            // The data is still there; whoever takes it decides if it can be trusted.
            poisoned.into_inner()
        }
    };
    let total: i32 = b.iter().sum();
    println!("main: the balances are {:?}, which add up to {total}", *b);
    ExitCode::SUCCESS
}
// ANCHOR_END: poison

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
