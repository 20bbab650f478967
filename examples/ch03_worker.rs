//! A worker type that owns its input and starts its own thread: the Rust counterpart of a
//! `threading.Thread` subclass.

use std::process::ExitCode;
use std::thread::{self, JoinHandle};

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

const USAGE: &str = "\
usage: ch03_worker

Five checker values each start their own thread and check one number.
";

// ANCHOR: worker
/// Everything one check needs, owned by the check itself.
struct PrimeChecker {
    id: usize,
    number: u64,
}

impl PrimeChecker {
    fn new(id: usize, number: u64) -> Self {
        PrimeChecker { id, number }
    }

    /// Moves the checker into a new thread and runs it there. Taking `self` by value
    /// means no other thread can touch the checker's fields once it has started.
    fn start(self) -> JoinHandle<bool> {
        thread::spawn(move || self.run())
    }

    fn run(&self) -> bool {
        // The thread reports its own number, not a loop variable shared with main.
        let is_prime = (2..)
            .take_while(|d| d * d <= self.number)
            .all(|d| !self.number.is_multiple_of(d));
        let what = if is_prime { "prime" } else { "not prime" };
        println!("checker {}: {} is {what}", self.id, self.number);
        is_prime
    }
}

fn main() -> ExitCode {
    // ANCHOR_END: worker
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: worker
    let handles: Vec<_> = NUMBERS
        .into_iter()
        .enumerate()
        .map(|(i, n)| PrimeChecker::new(i + 1, n).start())
        .collect();
    let primes = handles
        .into_iter()
        .map(|h| h.join().expect("a checker panicked"))
        .filter(|&p| p)
        .count();
    println!("main: finished, {primes} primes");
    ExitCode::SUCCESS
}
// ANCHOR_END: worker

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
