//! Exercise solution: the factor pool of workers A, B and C, with the results printed by
//! main in the order of the input, whichever worker finished first.

use crossbeam::channel;
use std::process::ExitCode;
use std::thread;

const NUMBERS: [u32; 4] = [1, 10, 4, 3];

fn factors(n: u32) -> Vec<u32> {
    (1..=n).filter(|&d| n.is_multiple_of(d)).collect()
}

const USAGE: &str = "\
usage: ch03_ex_ordered_factors

Workers A, B and C factor 1, 10, 4 and 3 from a shared queue; main prints
the results in input order.
";

// ANCHOR: solution
fn main() -> ExitCode {
    // ANCHOR_END: solution
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: solution
    let (task_tx, task_rx) = channel::unbounded();
    // Each task carries its position, so that its result can be put back in place.
    for (i, n) in NUMBERS.into_iter().enumerate() {
        task_tx.send((i, n)).unwrap();
    }
    drop(task_tx);

    let (result_tx, result_rx) = channel::unbounded();
    thread::scope(|s| {
        for name in ["A", "B", "C"] {
            let task_rx = task_rx.clone();
            let result_tx = result_tx.clone();
            // The name only labels the thread: which worker takes which number changes
            // from run to run, so it has no place in the output.
            thread::Builder::new()
                .name(name.to_string())
                .spawn_scoped(s, move || {
                    for (i, n) in task_rx {
                        result_tx.send((i, factors(n))).unwrap();
                    }
                })
                .expect("could not start a worker");
        }
    });
    // The workers are joined and their senders gone; drop main's too, or the loop
    // below would wait forever.
    drop(result_tx);

    // Results arrive in the order the workers finished; each goes back to its place.
    let mut results = vec![Vec::new(); NUMBERS.len()];
    for (i, factors) in result_rx {
        results[i] = factors;
    }
    for (n, factors) in NUMBERS.iter().zip(&results) {
        println!("{n}: {factors:?}");
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: solution

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
