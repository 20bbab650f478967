use std::process::ExitCode;
use std::thread;

const USAGE: &str = "\
usage: ch00_hello

Starts a second thread that adds the numbers from 1 to 100, and prints its result.
";

// ANCHOR: main
fn main() -> ExitCode {
    // ANCHOR_END: main
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    // The closure runs on a new thread; `join` waits for it and returns its result.
    let worker = thread::spawn(|| (1..=100u32).sum::<u32>());
    let sum = worker.join().expect("the worker thread panicked");
    println!("a second thread added 1 to 100 and got {sum}");
    ExitCode::SUCCESS
}
// ANCHOR_END: main

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
