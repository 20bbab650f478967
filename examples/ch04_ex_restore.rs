//! Exercise: a guard that sets a value for the length of a scope and restores the old
//! value when it is dropped, on a normal exit, in nested scopes and during a panic.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_ex_restore

Raises a verbosity setting inside scopes with a guard that restores the old
value when dropped, including when the scope ends in a panic.
";

// ANCHOR: solution
/// Holds `cell` at a new value while it lives; puts the old value back when dropped.
struct Restore<'a, T: Copy> {
    cell: &'a Cell<T>,
    old: T,
}

impl<'a, T: Copy> Restore<'a, T> {
    fn set(cell: &'a Cell<T>, value: T) -> Self {
        let old = cell.replace(value);
        Restore { cell, old }
    }
}

impl<T: Copy> Drop for Restore<'_, T> {
    fn drop(&mut self) {
        self.cell.set(self.old);
    }
}

fn main() -> ExitCode {
    // ANCHOR_END: solution
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: solution
    let verbosity = Cell::new(0);
    println!("at the start: {}", verbosity.get());
    {
        let _louder = Restore::set(&verbosity, 2);
        println!("inside: {}", verbosity.get());
        {
            let _loudest = Restore::set(&verbosity, 5);
            println!("nested: {}", verbosity.get());
        }
        println!("after the nested block: {}", verbosity.get());
    }
    println!("after the outer block: {}", verbosity.get());

    // Silence the panic's report: the program reports it itself.
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let _debugging = Restore::set(&verbosity, 9);
        panic!("something went wrong while verbose");
    }));
    panic::set_hook(report);
    println!(
        "after a panic at 9: caught {}, value {}",
        outcome.is_err(),
        verbosity.get()
    );
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
