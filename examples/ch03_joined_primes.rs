//! The same five checks, joined: main waits for every checker before it returns.

use std::process::ExitCode;
use std::thread;

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

/// The smallest factor of `n` greater than 1, or `None` when `n` is prime.
fn smallest_factor(n: u64) -> Option<u64> {
    (2..)
        .take_while(|d| d * d <= n)
        .find(|&d| n.is_multiple_of(d))
}

const USAGE: &str = "\
usage: ch03_joined_primes

Five threads check five numbers for primality; main joins them and counts
the primes.
";

// ANCHOR: joined
fn main() -> ExitCode {
    // ANCHOR_END: joined
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: joined
    let handles: Vec<_> = NUMBERS
        .into_iter()
        .map(|n| {
            thread::spawn(move || {
                let factor = smallest_factor(n);
                match factor {
                    None => println!("{n}: prime"),
                    Some(d) => println!("{n}: not prime, {d} x {}", n / d),
                }
                factor.is_none()
            })
        })
        .collect();

    // `join` waits for the thread and hands back what its closure returned.
    let primes = handles
        .into_iter()
        .map(|h| h.join().expect("a checker panicked"))
        .filter(|&is_prime| is_prime)
        .count();
    println!("main: {primes} of {} numbers are prime", NUMBERS.len());
    ExitCode::SUCCESS
}
// ANCHOR_END: joined

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
