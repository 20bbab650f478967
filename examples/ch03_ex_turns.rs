//! Exercise solution: A and B count down from 5 taking strict turns, A first, using a
//! `Mutex` that says whose turn it is and a `Condvar` to wait for the turn to change.

use std::process::ExitCode;
use std::sync::{Condvar, Mutex};
use std::thread;

const FROM: u32 = 5;

const USAGE: &str = "\
usage: ch03_ex_turns

Threads A and B count down from 5 taking strict turns, A first, through a
Mutex and a Condvar.
";

// ANCHOR: solution
#[derive(Clone, Copy, PartialEq, Eq)]
enum Turn {
    A,
    B,
}

fn count_down(me: Turn, name: &str, turn: &Mutex<Turn>, changed: &Condvar) {
    let other = if me == Turn::A { Turn::B } else { Turn::A };
    for n in (1..=FROM).rev() {
        // Sleep until it is our turn; `wait_while` rechecks after every wake-up.
        let mut guard = changed
            .wait_while(turn.lock().unwrap(), |t| *t != me)
            .unwrap();
        println!("{name}: {n}");
        *guard = other;
        drop(guard);
        // Only the other thread waits on this condition variable.
        changed.notify_one();
    }
}

fn main() -> ExitCode {
    // ANCHOR_END: solution
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: solution
    let turn = Mutex::new(Turn::A);
    let changed = Condvar::new();
    thread::scope(|s| {
        s.spawn(|| count_down(Turn::B, "B", &turn, &changed));
        s.spawn(|| count_down(Turn::A, "A", &turn, &changed));
    });
    println!("main: both countdowns are over");
    ExitCode::SUCCESS
}
// ANCHOR_END: solution

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
