//! Exercise: sell at most 100 tickets from eight threads that each try to sell 50, with
//! one atomic counter and no lock. The solution: `compare_exchange` in a loop.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

const USAGE: &str = "\
usage: ch14_ex_tickets

Eight threads each try to sell 50 of 100 tickets, in 200 rounds. Prints the most and the
fewest tickets sold in a round: both must be 100.
";

const TICKETS: u32 = 100;
const THREADS: u32 = 8;
const TRIES: u32 = 50;
const ROUNDS: usize = 200;

// ANCHOR: sell
/// Sells one ticket if any is left; says whether it did.
fn sell(sold: &AtomicU32) -> bool {
    let mut seen = sold.load(Ordering::Relaxed);
    loop {
        if seen == TICKETS {
            return false;
        }
        // Stores seen + 1 only if no one sold a ticket since we looked; otherwise
        // tells us the new count and we decide again.
        match sold.compare_exchange_weak(seen, seen + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(now) => seen = now,
        }
    }
}
// ANCHOR_END: sell

fn round() -> (u32, u32) {
    let sold = AtomicU32::new(0);
    let granted: u32 = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| s.spawn(|| (0..TRIES).filter(|_| sell(&sold)).count() as u32))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (sold.load(Ordering::Relaxed), granted)
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let (mut most, mut fewest, mut mismatches) = (0, u32::MAX, 0);
    for _ in 0..ROUNDS {
        let (sold, granted) = round();
        most = most.max(sold);
        fewest = fewest.min(sold);
        if sold != granted {
            mismatches += 1;
        }
    }
    println!("{ROUNDS} rounds of {THREADS} threads x {TRIES} tries for {TICKETS} tickets");
    println!("tickets sold: fewest {fewest}, most {most}");
    println!("rounds where the sales counted differ from the counter: {mismatches}");
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
