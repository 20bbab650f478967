//! Workers A, B and C drain a shared task queue, printing the positive factors of each number.

use crossbeam::channel;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

// Pacing so that the workers visibly take turns; the original waited a whole second.
const PAUSE: Duration = Duration::from_millis(100);

fn factors(n: u32) -> Vec<u32> {
    (1..=n).filter(|&d| n.is_multiple_of(d)).collect()
}

const USAGE: &str = "\
usage: ch03_factor_pool

Workers A, B and C drain a queue of 1, 10, 4 and 3, printing the positive
factors of each number.
";

// ANCHOR: pool
fn main() -> ExitCode {
    // ANCHOR_END: pool
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: pool
    let (tasks, queue) = channel::unbounded();
    for n in [1, 10, 4, 3] {
        tasks.send(n).unwrap();
    }
    // No more tasks: once the queue is empty, the workers' loops end.
    drop(tasks);

    let workers: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|name| {
            let queue = queue.clone();
            thread::spawn(move || {
                for n in queue {
                    println!("{n}: positive factors {:?}", factors(n));
                    thread::sleep(PAUSE);
                }
                println!("{name}: the queue is empty, stopping");
            })
        })
        .collect();

    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    println!("main: every task is done");
    ExitCode::SUCCESS
}
// ANCHOR_END: pool

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
