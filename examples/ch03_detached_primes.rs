//! Detached threads do not keep a program alive: when `main` returns, they end with it.

use std::process::ExitCode;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

/// The smallest factor of `n` greater than 1, or `None` when `n` is prime.
fn smallest_factor(n: u64) -> Option<u64> {
    (2..)
        .take_while(|d| d * d <= n)
        .find(|&d| n.is_multiple_of(d))
}

fn verdict(n: u64) -> String {
    match smallest_factor(n) {
        None => format!("{n}: prime"),
        Some(d) => format!("{n}: not prime, {d} x {}", n / d),
    }
}

const USAGE: &str = "\
usage: ch03_detached_primes

Five detached threads check five numbers for primality; main returns
without waiting for them, so their verdicts are never printed.
";

// ANCHOR: detached
fn main() -> ExitCode {
    // ANCHOR_END: detached
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: detached
    // The checkers may print only once all six parties, main included, have reached
    // this gate. Main never does, so every verdict is held back until main has returned.
    let gate = Arc::new(Barrier::new(NUMBERS.len() + 1));
    let (answered, answers) = mpsc::channel();

    let mut handles = Vec::new();
    for n in NUMBERS {
        let gate = Arc::clone(&gate);
        let answered = answered.clone();
        handles.push(thread::spawn(move || {
            let line = verdict(n);
            answered.send(()).expect("main waits for every answer");
            gate.wait();
            println!("{line}");
        }));
    }
    // Only the checkers hold senders now: if one of them died before answering, the
    // wait below would end early instead of waiting forever.
    drop(answered);

    // Wait until every checker has its answer, so that none is cut off mid-computation.
    let ready = answers.iter().take(NUMBERS.len()).count();
    // They are all blocked at the gate, so none can have finished.
    let running = handles.iter().filter(|h| !h.is_finished()).count();
    println!("main: {ready} checkers have their answers, {running} are still running");
    println!("main: returning without waiting for them");
    // Dropping a `JoinHandle` detaches its thread; returning from `main` ends the
    // process, and every thread still running ends with it.
    ExitCode::SUCCESS
}
// ANCHOR_END: detached

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
