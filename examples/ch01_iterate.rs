//! x <- x*x - x + 1, twenty times from x = 3, in exact arithmetic.

use std::process::ExitCode;
use std::time::Instant;

use num_bigint::BigUint;

const USAGE: &str = "\
usage: ch01_iterate

Applies x <- x*x - x + 1 twenty times from x = 3 and prints the last five digits.
";

// ANCHOR: iterate
fn f(x: &BigUint) -> BigUint {
    x * x - x + 1u32
}

fn main() -> ExitCode {
    // ANCHOR_END: iterate
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: iterate
    let start = Instant::now();
    let mut x = BigUint::from(3u32);
    for _ in 0..20 {
        // Each step needs the whole of the step before it.
        x = f(&x);
    }
    let elapsed = start.elapsed();

    println!("x has {} decimal digits", x.to_string().len());
    println!("last five digits: {}", &x % 100_000u32);
    println!("took {:.3} s", elapsed.as_secs_f64());
    ExitCode::SUCCESS
}
// ANCHOR_END: iterate

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
