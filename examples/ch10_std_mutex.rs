//! The fix for a std `MutexGuard` held across an `.await`: end the critical section first.
//! Many tasks on the multi-threaded runtime share a std `Mutex`, each holding it briefly.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const USAGE: &str = "\
usage: ch10_std_mutex

Spawns 100 tasks on the multi-threaded runtime; each records that it started in a shared
log behind a std Mutex, waits, and records that it finished, never holding the guard
across the wait. Prints how many entries the log holds.
";

// ANCHOR: fixed
async fn record_around_a_wait(log: Arc<Mutex<Vec<String>>>, id: u32) {
    // The guard is a temporary of this statement: locked and unlocked before any `.await`.
    log.lock().unwrap().push(format!("{id} started"));
    tokio::time::sleep(Duration::from_millis(10)).await;
    {
        // A block ends the critical section as surely as the statement's end does.
        let mut entries = log.lock().unwrap();
        entries.push(format!("{id} finished"));
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // ANCHOR_END: fixed
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: fixed
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..100)
        .map(|id| tokio::spawn(record_around_a_wait(Arc::clone(&log), id)))
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }
    let entries = log.lock().unwrap();
    let finished = entries.iter().filter(|e| e.ends_with("finished")).count();
    println!("{} entries, {finished} of them `finished`", entries.len());
    ExitCode::SUCCESS
}
// ANCHOR_END: fixed

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
