// The command line of the chapter 8 programs: `--help`, and options of the form
// `--name NUMBER`, each with a default and a range. What the user types is
// checked here, once, so that no program can panic on it. The rules are the
// book's: usage on `--help`, a one-line `error: ...` and exit status 2 for
// anything unexpected, and a quiet end when the reader of a pipe goes away.

use std::process::ExitCode;

/// One numeric option: `--count 400`.
#[derive(Clone, Copy)]
pub struct Opt {
    pub name: &'static str,
    pub default: u32,
    pub min: u32,
    pub max: u32,
}

/// How many images a program makes and processes.
pub const fn count(default: u32) -> Opt {
    Opt {
        name: "count",
        default,
        min: 1,
        max: 100_000,
    }
}

/// The side of the square images, in pixels.
pub const fn size(default: u32) -> Opt {
    Opt {
        name: "size",
        default,
        min: 16,
        max: 4096,
    }
}

/// The most threads a measuring program runs with; it measures 1, 2, ... up to it.
pub const fn threads(default: u32) -> Opt {
    Opt {
        name: "threads",
        default,
        min: 1,
        max: 64,
    }
}

/// Reads the options in `opts` (each at most once, in any order) and returns their
/// values in the order of `opts`. `Err` holds the exit status to stop with: success
/// after `--help`, 2 after a one-line error on standard error.
pub fn parse<const N: usize>(usage: &str, opts: [Opt; N]) -> Result<[u32; N], ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{usage}");
        return Err(ExitCode::SUCCESS);
    }
    let mut values = opts.map(|opt| opt.default);
    let mut seen = [false; N];
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let Some(index) = opts
            .iter()
            .position(|opt| word == &format!("--{}", opt.name))
        else {
            return Err(fail(&format!("unexpected argument `{word}`")));
        };
        let opt = opts[index];
        if seen[index] {
            return Err(fail(&format!("--{} given twice", opt.name)));
        }
        seen[index] = true;
        let Some(value) = words.next() else {
            return Err(fail(&format!("--{} needs a number", opt.name)));
        };
        match value.parse::<u32>() {
            Ok(n) if (opt.min..=opt.max).contains(&n) => values[index] = n,
            _ => {
                return Err(fail(&format!(
                    "--{} takes a whole number from {} to {}, not `{value}`",
                    opt.name, opt.min, opt.max
                )))
            }
        }
    }
    Ok(values)
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

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
}
