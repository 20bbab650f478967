//! Two threads share one vector through an `Arc`, the thread-safe counterpart of `Rc`.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

const USAGE: &str = "\
usage: ch03_arc_share

Two threads share one vector through an Arc and sum it; main joins them.
";

// ANCHOR: arc
fn main() -> ExitCode {
    // ANCHOR_END: arc
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: arc
    let numbers = Arc::new(vec![1, 2, 3, 4]);
    let mut handles = Vec::new();
    for _ in 0..2 {
        // A new owner of the same vector: the count goes up, atomically.
        let numbers = Arc::clone(&numbers);
        handles.push(thread::spawn(move || numbers.iter().sum::<i32>()));
    }
    for handle in handles {
        println!("sum = {}", handle.join().unwrap());
    }
    // Each thread's clone was dropped when its closure ended.
    println!("owners left: {}", Arc::strong_count(&numbers));
    ExitCode::SUCCESS
}
// ANCHOR_END: arc

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
