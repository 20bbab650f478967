// The command line of the chapter 2 programs: `--help`, and for the measuring
// programs one optional maximum worker count. What the user types is checked
// here, once, so that no program can panic on it. The rules are the book's:
// usage on `--help`, a one-line `error: ...` and exit status 2 for anything
// else unexpected, and a quiet end when the reader of a pipe goes away.

use std::process::ExitCode;

/// The most workers a measuring program accepts: each count up to the maximum
/// gets a pool of its own, and far past the core count nothing new is learned.
pub const MOST_WORKERS: usize = 256;

/// Reads the optional maximum worker count, or `default` when there is none.
/// `Err` holds the exit status to stop with: success after `--help`, 2 after a
/// one-line error on standard error.
pub fn max_workers(usage: &str, default: usize) -> Result<usize, ExitCode> {
    quiet_on_closed_pipe();
    let args = arguments();
    match args.as_slice() {
        [] => Ok(default),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [value] => match value.parse::<usize>() {
            Ok(n) if (1..=MOST_WORKERS).contains(&n) => Ok(n),
            _ => Err(fail(&format!(
                "MAX_WORKERS must be a whole number from 1 to {MOST_WORKERS}, not `{value}`"
            ))),
        },
        [_, extra, ..] => Err(fail(&format!("unexpected argument `{extra}`"))),
    }
}

/// For the programs that take no arguments but `--help`.
pub fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match arguments().into_iter().next() {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => Err(fail(&format!("unexpected argument `{other}`"))),
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
pub fn quiet_on_closed_pipe() {
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

/// The arguments after the program's name. `std::env::args` would panic on an
/// argument that is not valid Unicode; this turns it into a value to reject.
fn arguments() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
}
