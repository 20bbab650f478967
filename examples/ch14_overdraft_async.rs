//! The check-then-act race with no threads at all: two withdrawals joined in one task on a
//! single-threaded runtime, each awaiting something between its check and its debit.

use std::process::ExitCode;
use tokio::sync::Mutex;

const USAGE: &str = "\
usage: ch14_overdraft_async

Two withdrawals of 100 from an account holding 100 run concurrently in one task on a
single-threaded tokio runtime. Each awaits an approval between checking the balance and
debiting it: first with the lock released during the await, then with the guard held.
";

/// Stands for a call to another service (a fraud check, a database): it returns to the
/// runtime once, as any await that waits for I/O does.
async fn approve() {
    tokio::task::yield_now().await;
}

// ANCHOR: split
async fn withdraw_split(balance: &Mutex<i64>, amount: i64) -> bool {
    if *balance.lock().await < amount {
        return false;
    }
    // The guard was a temporary: the lock is free while this task waits here.
    approve().await;
    *balance.lock().await -= amount;
    true
}
// ANCHOR_END: split

// ANCHOR: held
async fn withdraw_held(balance: &Mutex<i64>, amount: i64) -> bool {
    let mut guard = balance.lock().await;
    if *guard < amount {
        return false;
    }
    // tokio's guard may be held across an await: the other withdrawal waits for it.
    approve().await;
    *guard -= amount;
    true
}
// ANCHOR_END: held

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a single-threaded runtime");
    runtime.block_on(async {
        // ANCHOR: run
        let balance = Mutex::new(100);
        let (a, b) = tokio::join!(withdraw_split(&balance, 100), withdraw_split(&balance, 100));
        println!(
            "lock released across the await: granted {a} and {b}, balance {}",
            *balance.lock().await
        );
        // ANCHOR_END: run
        let balance = Mutex::new(100);
        let (a, b) = tokio::join!(withdraw_held(&balance, 100), withdraw_held(&balance, 100));
        println!(
            "guard held across the await: granted {a} and {b}, balance {}",
            *balance.lock().await
        );
    });
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
