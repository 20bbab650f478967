//! A MutexGuard unlocks on every way out of its scope: `?`, an early `return`, a panic.
//! Only code that keeps the guard's drop from running (here, `std::mem::forget`) can leave
//! the mutex locked.

use std::panic;
use std::process::ExitCode;
use std::sync::{Mutex, TryLockError};
use std::thread;

const USAGE: &str = "\
usage: ch04_guard_release

Withdraws from a balance behind a Mutex and leaves the function by `?`, by an
early return and by a panic, checking each time that the lock is free again;
then forgets a guard and shows that the lock stays held.
";

// ANCHOR: withdraw
/// Takes `request` (a number, as text) from the balance. The guard is taken first,
/// so every way out of this function passes the point where it is dropped.
fn withdraw(account: &Mutex<u64>, request: &str) -> Result<u64, String> {
    let mut balance = account.lock().unwrap();
    let amount: u64 = request
        .parse()
        .map_err(|e| format!("`{request}` is not an amount: {e}"))?;
    if amount > *balance {
        return Err(format!("{amount} is more than the balance {}", *balance));
    }
    if amount == 0 {
        panic!("a withdrawal of nothing is a bug in the caller");
    }
    *balance -= amount;
    Ok(*balance)
}
// ANCHOR_END: withdraw

// ANCHOR: main
fn main() -> ExitCode {
    // ANCHOR_END: main
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let account = Mutex::new(100);
    for request in ["30", "thirty", "500"] {
        let outcome = withdraw(&account, request);
        // try_lock answers at once: Ok if the lock is free, an error if it is held.
        let free = account.try_lock().is_ok();
        println!("withdraw {request:>6}: {outcome:?}; lock free: {free}");
    }

    // A panic unwinds the withdrawing thread, dropping the guard on the way: the lock
    // is free, and marked poisoned (Chapter 3). Silence the panic's report for it.
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let joined = thread::scope(|s| s.spawn(|| withdraw(&account, "0")).join());
    panic::set_hook(report);
    println!("withdraw      0: panicked: {}", joined.is_err());
    // Poisoned, not WouldBlock: try_lock got the lock, and the error carries the guard.
    let poisoned = matches!(account.try_lock(), Err(TryLockError::Poisoned(_)));
    println!("lock free, and poisoned: {poisoned}");
    account.clear_poison();

    // Forgetting the guard skips its drop, so nothing ever unlocks the mutex.
    let guard = account.lock().unwrap();
    std::mem::forget(guard);
    let answer = match account.try_lock() {
        Ok(_) => "Ok",
        Err(TryLockError::WouldBlock) => "WouldBlock",
        Err(TryLockError::Poisoned(_)) => "Poisoned",
    };
    println!("after mem::forget(guard): {answer}");
    ExitCode::SUCCESS
}
// ANCHOR_END: main

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
