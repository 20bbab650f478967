//! Two ways a value's `Drop` never runs: `std::mem::forget` and `std::process::exit`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_drop_skipped

Forgets a value and exits the process with another still alive: neither
value's drop runs.
";

/// A value that says when it is dropped.
struct Noisy(&'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        println!("drop {}", self.0);
    }
}

// ANCHOR: skipped
fn main() -> ExitCode {
    // ANCHOR_END: skipped
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: skipped
    {
        let _scoped = Noisy("scoped");
    }
    let forgotten = Noisy("forgotten");
    std::mem::forget(forgotten); // gone without its drop: safe, and a leak
    println!("forgot a value");
    let _alive = Noisy("alive");
    println!("calling process::exit(0) while `_alive` is in scope");
    // Ends the process here: no destructor of any thread's values runs.
    std::process::exit(0)
}
// ANCHOR_END: skipped

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
