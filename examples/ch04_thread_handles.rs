//! Threads as resources: dropping a `JoinHandle` detaches its thread, which runs on;
//! a `thread::scope` joins every thread it started before it returns.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

const USAGE: &str = "\
usage: ch04_thread_handles

Drops the JoinHandle of a running thread and shows that the thread still
answers; then lets a scoped thread borrow a vector, which the scope's end
joins.
";

// ANCHOR: handles
fn main() -> ExitCode {
    // ANCHOR_END: handles
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: handles
    let (to_thread, inbox) = mpsc::channel::<&str>();
    let (replies, from_thread) = mpsc::channel::<String>();
    let handle = thread::spawn(move || {
        for message in inbox {
            let _ = replies.send(format!("detached thread: got {message:?}"));
        }
    });
    drop(handle); // no join: the thread is detached, not stopped
    println!("main: dropped the JoinHandle");
    to_thread.send("are you still there?").unwrap();
    println!("{}", from_thread.recv().unwrap());
    // Nobody can wait for that thread now. Dropping the sender ends its loop, but
    // whether it has finished when main returns is left to chance.
    drop(to_thread);

    let mut results = Vec::new();
    thread::scope(|s| {
        // The thread may borrow `results` mutably: the scope joins it before returning.
        s.spawn(|| results.push("scoped thread: done"));
    });
    println!("main: after the scope, results = {results:?}");
    ExitCode::SUCCESS
}
// ANCHOR_END: handles

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
