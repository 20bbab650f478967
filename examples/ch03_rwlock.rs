//! Read-mostly data behind an `RwLock`: many readers at once, one writer at a time.

use std::process::ExitCode;
use std::sync::RwLock;
use std::thread;

const READERS: usize = 3;
const READS: usize = 20_000;
const TRANSFERS: usize = 1_000;
const TOTAL: u64 = 1_000;

const USAGE: &str = "\
usage: ch03_rwlock

Three readers add up four balances behind an RwLock while a writer moves
units between them.
";

// ANCHOR: rwlock
fn main() -> ExitCode {
    // ANCHOR_END: rwlock
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: rwlock
    // Four balances that always add up to TOTAL: a transfer changes two of them, and a
    // reader must never see one change without the other.
    let balances = RwLock::new(vec![TOTAL / 4; 4]);

    thread::scope(|s| {
        for r in 1..=READERS {
            let balances = &balances;
            s.spawn(move || {
                let mut wrong = 0;
                for _ in 0..READS {
                    // Any number of readers may hold `read` guards at the same time.
                    let sum: u64 = balances.read().unwrap().iter().sum();
                    if sum != TOTAL {
                        wrong += 1;
                    }
                }
                println!("reader {r}: {READS} reads, {wrong} with a wrong total");
            });
        }

        s.spawn(|| {
            for i in 0..TRANSFERS {
                // A `write` guard waits until no reader and no writer holds the lock.
                let mut b = balances.write().unwrap();
                let (from, to) = (i % 4, (i + 1) % 4);
                if b[from] > 0 {
                    b[from] -= 1;
                    b[to] += 1;
                }
            }
            println!("writer: {TRANSFERS} transfers");
        });
    });

    let b = balances.into_inner().unwrap();
    println!("main: final total {}", b.iter().sum::<u64>());
    ExitCode::SUCCESS
}
// ANCHOR_END: rwlock

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
