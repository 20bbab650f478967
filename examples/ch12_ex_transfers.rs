//! Exercise 1 of chapter 12: transfers between any two of many accounts, from several
//! threads, that cannot deadlock: the two locks are always taken in the order of the
//! accounts' indices, and a transfer from an account to itself takes one lock.

use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};
use std::thread;

const ACCOUNTS: usize = 10;
const THREADS: u64 = 4;
const TRANSFERS: usize = 100_000;

// ANCHOR: solution
fn lock(account: &Mutex<i64>) -> MutexGuard<'_, i64> {
    account
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Moves `amount` from account `from` to account `to`, taking the lower index first.
fn transfer(accounts: &[Mutex<i64>], from: usize, to: usize, amount: i64) {
    if from == to {
        // Locking the same mutex twice would deadlock; one lock, and nothing moves.
        let _same = lock(&accounts[from]);
        return;
    }
    let (low, high) = (from.min(to), from.max(to));
    let mut low_guard = lock(&accounts[low]);
    let mut high_guard = lock(&accounts[high]);
    let (source, target) = if from == low {
        (&mut *low_guard, &mut *high_guard)
    } else {
        (&mut *high_guard, &mut *low_guard)
    };
    *source -= amount;
    *target += amount;
}

fn run() -> (i64, usize) {
    let accounts: Vec<Mutex<i64>> = (0..ACCOUNTS).map(|_| Mutex::new(1000)).collect();
    let self_transfers = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|seed| {
                let accounts = &accounts;
                s.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(seed);
                    let mut to_self = 0;
                    for _ in 0..TRANSFERS {
                        let (from, to) = (rng.usize(..ACCOUNTS), rng.usize(..ACCOUNTS));
                        to_self += usize::from(from == to);
                        transfer(accounts, from, to, rng.i64(1..=10));
                    }
                    to_self
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a transfer thread"))
            .sum()
    });
    let total = accounts.iter().map(|a| *lock(a)).sum();
    (total, self_transfers)
}
// ANCHOR_END: solution

const USAGE: &str = "\
usage: ch12_ex_transfers

Four threads make 100000 random transfers each between ten accounts of 1000, locking the
two accounts of a transfer in the order of their indices, and check the total at the end.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let (total, to_self) = run();
    println!(
        "{} transfers between {ACCOUNTS} accounts, {to_self} of them from an account to itself",
        THREADS as usize * TRANSFERS
    );
    println!(
        "total at the end: {total} (at the start: {})",
        ACCOUNTS * 1000
    );
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
