// The command line of chapter 9's programs. What the user types is checked here, once, so
// that no program can panic on it: usage on `--help`, a one-line `error: ...` and exit
// status 2 for anything unexpected, and a quiet end when the reader of a pipe goes away.

use std::process::ExitCode;

/// For the programs that take no arguments but `--help`.
pub fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    match optional_number(usage, 0, 0, 0) {
        Ok(_) => Ok(()),
        Err(status) => Err(status),
    }
}

/// Reads one optional whole number from `low` to `high`, or `default` when there is none.
/// `Err` holds the exit status to stop with: success after `--help`, 2 after an error.
pub fn optional_number(usage: &str, default: u64, low: u64, high: u64) -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let args = arguments();
    match args.as_slice() {
        [] => Ok(default),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [value] if high > 0 && !value.starts_with('-') => match value.parse::<u64>() {
            Ok(n) if (low..=high).contains(&n) => Ok(n),
            _ => Err(fail(&format!(
                "expected a whole number from {low} to {high}, not `{value}`"
            ))),
        },
        [other] => Err(fail(&format!("unexpected argument `{other}`"))),
        [_, extra, ..] => Err(fail(&format!("unexpected argument `{extra}`"))),
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

/// The arguments after the program's name. `std::env::args` would panic on an argument that
/// is not valid Unicode; this turns it into a value to reject.
pub fn arguments() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

/// Prints a one-line error and returns exit status 2.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
}
