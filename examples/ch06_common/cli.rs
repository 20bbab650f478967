// The command line of the chapter 6 programs. Each program is both a parent and,
// re-run by itself as `PROGRAM --child ROLE`, each kind of child it starts. The
// role is part of the documented command line, so it follows the book's rules:
// usage on `--help`, a one-line `error: ...` and exit status 2 for anything else
// unexpected, a wrong role included, and a quiet end when a pipe's reader goes away.

use std::ffi::OsString;
use std::process::ExitCode;

/// How the program was asked to run.
#[derive(Debug, PartialEq, Eq)]
pub enum Mode {
    /// As the parent, with the flags given (each one of the program's `flags`).
    Parent(Vec<&'static str>),
    /// As a child, in one of the program's `roles`.
    Child(&'static str),
}

/// The flag that comes before a role.
pub const CHILD_FLAG: &str = "--child";

/// Reads the command line. `Err` holds the exit status to stop with: success after
/// `--help`, 2 after a one-line error on standard error.
pub fn parse(
    usage: &str,
    roles: &[&'static str],
    flags: &[&'static str],
) -> Result<Mode, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [flag, role] if flag == CHILD_FLAG => match roles.iter().find(|r| **r == role) {
            Some(role) => Ok(Mode::Child(role)),
            None => Err(fail(&format!(
                "unknown child role `{}`; the roles are: {}",
                role.to_string_lossy(),
                roles.join(", ")
            ))),
        },
        [flag] if flag == CHILD_FLAG => Err(fail(&format!(
            "{CHILD_FLAG} needs a role, one of: {}",
            roles.join(", ")
        ))),
        _ => {
            let mut chosen = Vec::new();
            for arg in &args {
                match flags.iter().find(|f| **f == arg) {
                    Some(flag) if !chosen.contains(flag) => chosen.push(*flag),
                    _ => {
                        return Err(fail(&format!(
                            "unexpected argument `{}` (try --help)",
                            arg.to_string_lossy()
                        )))
                    }
                }
            }
            Ok(Mode::Parent(chosen))
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
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
