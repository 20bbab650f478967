// The command line of the chapter 16 programs: `--help`, and for the timing programs one
// optional length of each timed run in seconds. The rules are the book's: usage on
// `--help`, a one-line `error: ...` and exit status 2 for anything else, and a quiet end
// when the reader of a pipe goes away.

use std::process::ExitCode;
use std::time::Duration;

/// The shortest and the longest timed run a program accepts, in seconds.
pub const SHORTEST_RUN: f64 = 0.01;
pub const LONGEST_RUN: f64 = 60.0;

/// Reads the optional length of one timed run in seconds, or `default` when there is none.
/// `Err` holds the exit status to stop with: success after `--help`, 2 after an error.
pub fn seconds(usage: &str, default: f64) -> Result<Duration, ExitCode> {
    quiet_on_closed_pipe();
    let args = arguments();
    match args.as_slice() {
        [] => Ok(Duration::from_secs_f64(default)),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [value] => match value.parse::<f64>() {
            Ok(s) if (SHORTEST_RUN..=LONGEST_RUN).contains(&s) => Ok(Duration::from_secs_f64(s)),
            _ => Err(fail(&format!(
                "SECONDS must be a number from {SHORTEST_RUN} to {LONGEST_RUN}, not `{value}`"
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
/// Only that panic: any other still panics as usual.
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

/// The arguments after the program's name. `std::env::args` would panic on an argument
/// that is not valid Unicode; this turns it into a value to reject.
fn arguments() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

/// Reports a failure on one line and gives the exit status for it.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
}
