// The command line of the chapter 18 programs: usage on `--help`, a one-line `error: ...`
// and exit status 2 for anything else, and a quiet end when the reader of a pipe goes away.

use std::ffi::OsString;
use std::process::ExitCode;

/// The arguments as text, after `--help` has been answered. `Err` holds the exit status.
pub fn arguments(usage: &str) -> Result<Vec<String>, ExitCode> {
    quiet_on_closed_pipe();
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.iter().any(|a| a == "--help" || a == "-h") {
        print!("{usage}");
        return Err(ExitCode::SUCCESS);
    }
    // `args_os` never panics on an argument that is not valid Unicode; we refuse it here.
    raw.iter()
        .map(|arg| {
            arg.to_str()
                .map(str::to_owned)
                .ok_or_else(|| refuse(&format!("`{}` is not text", arg.to_string_lossy())))
        })
        .collect()
}

/// Reads `--name VALUE` options into `set`, which says what is wrong with a value.
pub fn options(
    args: &[String],
    mut set: impl FnMut(&str, &str) -> Result<(), String>,
) -> Result<(), ExitCode> {
    let mut rest = args.iter();
    while let Some(name) = rest.next() {
        let Some(value) = rest.next() else {
            return Err(refuse(&format!(
                "`{name}` needs a value, or is not an option"
            )));
        };
        set(name, value).map_err(|problem| refuse(&problem))?;
    }
    Ok(())
}

/// Parses a number for an option, within bounds.
pub fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    name: &str,
    value: &str,
    low: T,
    high: T,
) -> Result<T, String> {
    match value.parse::<T>() {
        Ok(n) if n >= low && n <= high => Ok(n),
        _ => Err(format!(
            "{name} takes a number from {low} to {high}, not `{value}`"
        )),
    }
}

pub fn refuse(problem: &str) -> ExitCode {
    eprintln!("error: {problem} (try --help)");
    ExitCode::from(2)
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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
