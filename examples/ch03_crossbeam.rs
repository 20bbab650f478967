//! A bounded crossbeam channel shared by several consumers, and an unbounded one for results.

use crossbeam::channel;
use std::process::ExitCode;
use std::thread;

const ITEMS: u64 = 20;
const CONSUMERS: usize = 3;

const USAGE: &str = "\
usage: ch03_crossbeam

One producer sends 1 to 20 through a bounded crossbeam channel to three
consumers, which send the squares back to main over an unbounded one.
";

// ANCHOR: crossbeam
fn main() -> ExitCode {
    // ANCHOR_END: crossbeam
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: crossbeam
    // At most 2 items wait in the channel: a producer that gets ahead is made to wait.
    let (task_tx, task_rx) = channel::bounded::<u64>(2);
    // Results never wait for room: a consumer's `send` here never blocks.
    let (result_tx, result_rx) = channel::unbounded::<u64>();

    thread::scope(|s| {
        for _ in 0..CONSUMERS {
            // Unlike std's `Receiver`, a crossbeam receiver can be cloned: each item
            // goes to exactly one of the consumers.
            let task_rx = task_rx.clone();
            let result_tx = result_tx.clone();
            s.spawn(move || {
                for n in task_rx {
                    result_tx.send(n * n).unwrap();
                }
            });
        }
        s.spawn(move || {
            for n in 1..=ITEMS {
                task_tx.send(n).unwrap();
            }
            // `task_tx` is dropped here: once the consumers have emptied the channel,
            // their loops end.
        });
    });
    drop(result_tx);

    // The squares arrive in the order the consumers finished them; sort to compare.
    let mut squares: Vec<u64> = result_rx.iter().collect();
    squares.sort_unstable();
    let expected: Vec<u64> = (1..=ITEMS).map(|n| n * n).collect();
    println!(
        "{} squares received, sum {}",
        squares.len(),
        squares.iter().sum::<u64>()
    );
    println!("each item squared exactly once: {}", squares == expected);
    ExitCode::SUCCESS
}
// ANCHOR_END: crossbeam

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
