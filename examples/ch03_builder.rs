//! Naming a thread and choosing its stack size with `thread::Builder`.

use std::io;
use std::process::ExitCode;
use std::thread;

const USAGE: &str = "\
usage: ch03_builder

Starts a thread named helper with a 64 KiB stack, and joins it.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: could not start a thread: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    // ANCHOR: builder
    let me = thread::current();
    println!("{}: starting a helper", me.name().unwrap_or("<unnamed>"));

    let handle = thread::Builder::new()
        .name("helper".to_string())
        // The default is 2 MiB; a thread that never recurses deeply needs far less.
        .stack_size(64 * 1024)
        // Unlike `thread::spawn`, the builder reports a failure to start as an error.
        .spawn(|| {
            let me = thread::current();
            println!(
                "{}: running on a 64 KiB stack",
                me.name().unwrap_or("<unnamed>")
            );
        })?;

    let name = handle.thread().name().unwrap_or("<unnamed>");
    println!("main: spawned a thread named {name}");
    handle.join().expect("the helper panicked");
    println!("main: the helper has finished");
    // ANCHOR_END: builder
    Ok(())
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
