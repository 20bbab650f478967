//! Five checkers print their verdicts; without `--wait`, main returns without joining them,
//! and whichever verdicts are not printed by then are lost.

use std::env;
use std::ffi::OsString;
use std::process::ExitCode;
use std::thread;

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

const USAGE: &str = "\
usage: ch03_detached_race [--wait]

Starts five threads that each check one number for primality and print the verdict.
Main returns at once, ending any checker that has not printed yet; with --wait, main
joins the checkers first and every verdict is printed.
";

/// The smallest factor of `n` greater than 1, or `None` when `n` is prime.
fn smallest_factor(n: u64) -> Option<u64> {
    (2..)
        .take_while(|d| d * d <= n)
        .find(|&d| n.is_multiple_of(d))
}

// ANCHOR: race
fn check_all(wait: bool) {
    let handles: Vec<_> = NUMBERS
        .into_iter()
        .map(|n| {
            thread::spawn(move || {
                let verdict = match smallest_factor(n) {
                    None => format!("{n}: prime\n"),
                    Some(d) => format!("{n}: not prime, {d} x {}\n", n / d),
                };
                // One write for the whole line: once main has returned, stdout is
                // unbuffered, a `println!` writes its pieces one by one, and a process
                // that ends between two of them prints half a line.
                print!("{verdict}");
            })
        })
        .collect();
    println!("main: started {} checkers", handles.len());

    if wait {
        for handle in handles {
            handle.join().expect("a checker panicked");
        }
    }
    // Without --wait, the handles are dropped here, unjoined: the checkers are
    // detached, and main returns at once, ending the process and its threads.
}
// ANCHOR_END: race

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    let wait = match args.as_slice() {
        [] => false,
        [flag] if flag == "--wait" => true,
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            let unexpected = if args[0] == "--wait" {
                &args[1]
            } else {
                &args[0]
            };
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                unexpected.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    };
    check_all(wait);
    ExitCode::SUCCESS
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
