//! A thread hands its result, or its panic, back through its `JoinHandle`.

use std::panic;
use std::process::ExitCode;
use std::thread;

const USAGE: &str = "\
usage: ch03_join_result

A thread returns a value through its JoinHandle, and another's panic comes
back to main as an Err.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: join
    let handle = thread::spawn(|| (1..=100u64).sum::<u64>());
    // Main could do other work here while the sum is computed.
    let sum = handle.join().expect("the summing thread panicked");
    println!("main: the thread returned {sum}");
    // ANCHOR_END: join

    // ANCHOR: panic
    // Silence the panic report while the thread panics: main reports the panic below.
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let handle = thread::spawn(|| -> u64 { panic!("no answer today") });
    let result = handle.join();
    panic::set_hook(report);
    match result {
        Ok(value) => println!("main: the thread returned {value}"),
        Err(payload) => {
            // The payload is whatever `panic!` was given: here a string literal.
            let message = payload.downcast_ref::<&str>().unwrap_or(&"(not a string)");
            println!("main: the thread panicked: {message}");
        }
    }
    // ANCHOR_END: panic
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
