//! When Rust drops a value, and in which order: printed by values that announce their drop.

use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_drop_order

Creates values that print a line when they are dropped, to show when and in
which order Rust drops them.
";

// ANCHOR: types
/// A value that says when it is dropped.
struct Noisy(&'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        println!("drop {}", self.0);
    }
}

/// A struct's fields are dropped in the order they are declared.
struct Pair {
    _first: Noisy,
    _second: Noisy,
}

/// Takes ownership: the argument is dropped when this function returns.
fn consume(value: Noisy) {
    println!("consume: got {}", value.0);
}
// ANCHOR_END: types

// ANCHOR: main
fn main() -> ExitCode {
    // ANCHOR_END: main
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let _a = Noisy("a");
    let b = Noisy("b");
    let _pair = Pair {
        _first: Noisy("pair.first"),
        _second: Noisy("pair.second"),
    };
    {
        let _inner = Noisy("inner");
        println!("end of the inner block");
    }
    let mut c = Noisy("c, first value");
    println!("c holds {}", c.0);
    c = Noisy("c, second value"); // the old value is dropped here
    println!("c holds {}", c.0);
    drop(b); // dropped now; `b` may not be used again
    consume(Noisy("moved")); // dropped at the end of `consume`
    let _ = Noisy("underscore"); // `_` binds nothing: dropped at once
    println!("end of main");
    // Leaving main drops the locals still alive, last declared first:
    // c, then _pair (its fields in declaration order), then _a.
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
