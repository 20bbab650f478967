//! Two threads, A and B, count down side by side.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

// The original paused half a second between steps; a tenth of a second shows the same
// interleaving and keeps the whole run under a second.
const DELAY: Duration = Duration::from_millis(100);

const USAGE: &str = "\
usage: ch03_countdown

Threads A and B count down from 5 side by side, and main joins them.
";

// ANCHOR: countdown
fn count_down(name: &str, from: u32) {
    println!("{name}: starting");
    for n in (1..=from).rev() {
        println!("{name}: {n}");
        thread::sleep(DELAY);
    }
    println!("{name}: finished");
}

fn main() -> ExitCode {
    // ANCHOR_END: countdown
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: countdown
    let a = thread::spawn(|| count_down("A", 5));
    let b = thread::spawn(|| count_down("B", 5));
    a.join().expect("thread A panicked");
    b.join().expect("thread B panicked");
    println!("main: both countdowns are over");
    ExitCode::SUCCESS
}
// ANCHOR_END: countdown

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
