// The command line of the chapter 11 programs. The rules are the book's: usage on `--help`, a
// one-line `error: ...` and exit status 2 for anything else, and a quiet end when the reader
// of a pipe goes away.

use std::ffi::OsString;
use std::process::ExitCode;

/// What the arguments asked for, after `--help` and errors have been dealt with.
pub enum Mode<T> {
    /// The program's own run, with what the parser made of the arguments.
    Run(T),
    /// `--serve PORT`: keep the server running on that port, for a reader to try by hand.
    Serve(u16),
}

/// Reads the arguments: `--help`, `--serve PORT`, or whatever `parse` accepts (it gets the
/// arguments as strings and says what is wrong with them). `Err` holds the exit status.
pub fn arguments<T>(
    usage: &str,
    parse: impl FnOnce(&[String]) -> Result<T, String>,
) -> Result<Mode<T>, ExitCode> {
    quiet_on_closed_pipe();
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.iter().any(|a| a == "--help" || a == "-h") {
        print!("{usage}");
        return Err(ExitCode::SUCCESS);
    }
    // `args_os` never panics on an argument that is not valid Unicode; we refuse it here.
    let mut args = Vec::with_capacity(raw.len());
    for arg in &raw {
        match arg.to_str() {
            Some(text) => args.push(text.to_owned()),
            None => return Err(refuse(&format!("`{}` is not text", arg.to_string_lossy()))),
        }
    }
    let mode = match args.as_slice() {
        [flag, port] if flag == "--serve" => match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(Mode::Serve(port)),
            _ => Err(format!(
                "--serve takes a port from 1 to 65535, not `{port}`"
            )),
        },
        [flag] if flag == "--serve" => Err("--serve needs a port, such as --serve 7000".into()),
        _ => parse(&args).map(Mode::Run),
    };
    mode.map_err(|problem| refuse(&problem))
}

/// For a program that takes nothing but `--help` and `--serve PORT`.
pub fn nothing_else(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(other) => Err(format!("unexpected argument `{other}`")),
    }
}

/// For a program that takes no arguments but `--help`.
pub fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    // `args_os` never panics on an argument that is not valid Unicode.
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => Err(refuse(&format!(
            "unexpected argument `{}`",
            other.to_string_lossy()
        ))),
    }
}

fn refuse(problem: &str) -> ExitCode {
    eprintln!("error: {problem} (try --help)");
    ExitCode::from(2)
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
