//! Three producers send to one consumer through a `std::sync::mpsc` channel.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

const MESSAGES: u32 = 3;

const USAGE: &str = "\
usage: ch03_mpsc

Three producers send three messages each to main through an mpsc channel.
";

// ANCHOR: mpsc
fn main() -> ExitCode {
    // ANCHOR_END: mpsc
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: mpsc
    let (tx, rx) = mpsc::channel();
    for p in 1..=3 {
        // Each producer owns a sender; the channel stays open while any sender exists.
        let tx = tx.clone();
        thread::spawn(move || {
            for m in 1..=MESSAGES {
                tx.send(format!("P{p}: message {m} of {MESSAGES}")).unwrap();
            }
        });
    }
    // Main's own sender must go too, or the loop below would wait for it forever.
    drop(tx);

    // `recv` blocks until a message arrives, and fails once every sender is dropped and
    // the channel is empty: that ends the loop.
    let mut received = 0;
    for message in rx {
        println!("{message}");
        received += 1;
    }
    println!("main: every sender is gone; {received} messages received");
    ExitCode::SUCCESS
}
// ANCHOR_END: mpsc

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
