//! Scoped threads may borrow local variables, because the scope joins them before it ends.

use std::process::ExitCode;
use std::thread;

const USAGE: &str = "\
usage: ch03_scope

Scoped threads borrow a local vector, first mutably in halves, then shared.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: scope
    let mut numbers: Vec<u64> = (1..=10).collect();

    // Two threads may each change their own half: the halves do not overlap.
    let (left, right) = numbers.split_at_mut(5);
    thread::scope(|s| {
        s.spawn(|| left.iter_mut().for_each(|x| *x *= 10));
        s.spawn(|| right.iter_mut().for_each(|x| *x += 100));
    }); // Every thread spawned in the scope has been joined here.
    println!("after the first scope:  {numbers:?}");

    // Any number of threads may read the same data at the same time.
    let total: u64 = thread::scope(|s| {
        let front = s.spawn(|| numbers[..5].iter().sum::<u64>());
        let back = s.spawn(|| numbers[5..].iter().sum::<u64>());
        front.join().unwrap() + back.join().unwrap()
    });
    println!("after the second scope: total {total}");
    // ANCHOR_END: scope
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
