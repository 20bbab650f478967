// The command line of the chapter 20 programs: usage on `--help`, a one-line `error: ...`
// and exit status 2 for anything else, and a quiet end when the reader of a pipe goes away.
// Every program also takes the two options with which it starts itself as one process of a
// cluster, `--process-index I --hosts ADDR,ADDR`: `cluster::run` passes them to the copies it
// starts, and a reader can pass them by hand on two machines. The copies `cluster::run` starts
// also get `--parent-pid P`, the process that started them, so that each can tell whether its
// parent is already gone (see `cluster::serve`).

use std::ffi::OsString;
use std::process::ExitCode;

use super::cluster::Place;

/// What the command line asked for, after `--help` has been answered.
pub struct CommandLine {
    /// The program's own `--name VALUE` options, in order, without the cluster's two.
    pub options: Vec<(String, String)>,
    /// Set when this process is one process of a cluster: `--process-index I --hosts A,B`.
    pub place: Option<Place>,
}

impl CommandLine {
    /// Hands each of the program's own options to `set`, which says what is wrong with it.
    pub fn each_option(
        &self,
        mut set: impl FnMut(&str, &str) -> Result<(), String>,
    ) -> Result<(), ExitCode> {
        for (name, value) in &self.options {
            set(name, value).map_err(|problem| refuse(&problem))?;
        }
        Ok(())
    }

    /// The program's own options as arguments again, for the copies `cluster::run` starts.
    pub fn forward(&self) -> Vec<String> {
        self.options
            .iter()
            .flat_map(|(name, value)| [name.clone(), value.clone()])
            .collect()
    }
}

/// Reads the command line: `--help`, then `--name VALUE` pairs. `Err` holds the exit status.
pub fn parse(usage: &str) -> Result<CommandLine, ExitCode> {
    quiet_on_closed_pipe();
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.iter().any(|a| a == "--help" || a == "-h") {
        print!("{usage}");
        return Err(ExitCode::SUCCESS);
    }
    // `args_os` never panics on an argument that is not valid Unicode; we refuse it here.
    let args: Vec<String> = raw
        .iter()
        .map(|arg| {
            arg.to_str()
                .map(str::to_owned)
                .ok_or_else(|| refuse(&format!("`{}` is not text", arg.to_string_lossy())))
        })
        .collect::<Result<_, _>>()?;
    let mut options = Vec::new();
    let (mut index, mut hosts, mut parent) = (None, None, None);
    let mut rest = args.into_iter();
    while let Some(name) = rest.next() {
        if !name.starts_with("--") {
            return Err(refuse(&format!("unexpected argument `{name}`")));
        }
        let Some(value) = rest.next() else {
            return Err(refuse(&format!(
                "`{name}` needs a value, or is not an option"
            )));
        };
        match name.as_str() {
            "--process-index" => {
                index = Some(number(&name, &value, 0, 63).map_err(|p| refuse(&p))?)
            }
            "--hosts" => hosts = Some(value.split(',').map(str::to_owned).collect::<Vec<_>>()),
            "--parent-pid" => {
                parent = Some(number(&name, &value, 1, u32::MAX).map_err(|p| refuse(&p))?)
            }
            _ => options.push((name, value)),
        }
    }
    let place =
        match (index, hosts) {
            (None, None) => None,
            (Some(index), Some(hosts)) if hosts.len() >= 2 && index < hosts.len() => Some(Place {
                index,
                hosts,
                parent,
            }),
            (Some(_), Some(_)) => return Err(refuse(
                "--hosts takes two or more addresses, and --process-index one of their positions",
            )),
            _ => return Err(refuse("--process-index and --hosts go together")),
        };
    if parent.is_some() && place.is_none() {
        return Err(refuse("--parent-pid goes with --process-index and --hosts"));
    }
    Ok(CommandLine { options, place })
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

/// Says what is wrong on one line of standard error, and gives the exit status 2.
pub fn refuse(problem: &str) -> ExitCode {
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
