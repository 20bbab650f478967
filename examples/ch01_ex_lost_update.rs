//! Exercise solution: the last five digits of every term of x <- x*x - x + 1
//! from x = 3, to see which terms end in 45807, the Python race's answer.

use std::process::ExitCode;

const USAGE: &str = "\
usage: ch01_ex_lost_update

Prints the last five digits of each of the twenty terms of x <- x*x - x + 1 from x = 3,
and marks the terms that end in 45807.
";

// ANCHOR: endings
/// The step on the last five digits alone: the last five digits of
/// x*x - x + 1 depend only on the last five digits of x.
fn f_mod(x: u64) -> u64 {
    (x * x - x + 1) % 100_000
}

fn main() -> ExitCode {
    // ANCHOR_END: endings
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: endings
    let mut x = 3;
    for step in 1..=20 {
        x = f_mod(x);
        let mark = if x == 45807 {
            "   <- what the racing Python printed"
        } else {
            ""
        };
        println!("after step {step:>2}: {x:>5}{mark}");
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: endings

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
