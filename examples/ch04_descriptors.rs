//! Runs out of file descriptors on purpose: lowers the process's own limit, keeps files
//! open until the operating system refuses, then opens many more, closing each one.

use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_descriptors
       ch04_descriptors --room LIMIT [FD...]

Lowers this process's soft limit on open files so that exactly 60 more fit,
opens files and keeps them until the system refuses, then opens 600 files,
dropping each one. Linux and macOS only; elsewhere it says so and exits.

With --room it opens nothing: it prints how many more files a process that
has the descriptors FD... open can open under a soft limit of LIMIT.
";

// Room for this many more open files: small, so that running out takes a moment.
#[cfg(unix)]
const ROOM: u64 = 60;
// How many files the second loop opens, each dropped before the next: ten times the room.
#[cfg(unix)]
const REOPENS: u64 = 10 * ROOM;

/// What the command line asks for.
enum Mode {
    /// Run out of descriptors, on this process.
    Run,
    /// Only compute the room below `limit` with the descriptors `open` in use.
    Room { limit: u64, open: Vec<u64> },
}

#[cfg(unix)]
fn main() -> ExitCode {
    match parse_args() {
        Ok(Mode::Run) => {}
        Ok(Mode::Room { limit, open }) => return print_room(limit, &open),
        Err(status) => return status,
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(unix))]
fn main() -> ExitCode {
    match parse_args() {
        Ok(Mode::Run) => {}
        Ok(Mode::Room { limit, open }) => return print_room(limit, &open),
        Err(status) => return status,
    }
    println!("this system has no Unix limit on open descriptors to lower; nothing to show");
    ExitCode::SUCCESS
}

// ANCHOR: run
#[cfg(unix)]
fn run() -> Result<(), String> {
    use rlimit::Resource;
    use std::fs::File;

    // Any file that exists will do: this program's own executable.
    let path = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let open = open_descriptors()?;
    let limit = limit_leaving_room(&open, ROOM);
    let (_, hard) = Resource::NOFILE.get().map_err(|e| e.to_string())?;
    // Lower only the soft limit; the hard limit stays where it was.
    Resource::NOFILE
        .set(limit, hard)
        .map_err(|e| format!("cannot set the soft limit to {limit}: {e}"))?;
    println!(
        "open at start on this machine: {} descriptors {open:?}; soft limit set to {limit}",
        open.len()
    );
    println!("that leaves room for exactly {ROOM} more");

    // Every File stays alive in the Vec, so no descriptor is given back.
    let mut kept = Vec::new();
    let error = loop {
        match File::open(&path) {
            Ok(file) => kept.push(file),
            Err(e) => break e,
        }
    };
    println!("kept {} files open, then: {error}", kept.len());
    println!("as predicted: {}", kept.len() as u64 == ROOM);
    drop(kept); // closes all of them

    // Each File is dropped at the end of its iteration, which closes its descriptor.
    for i in 1..=REOPENS {
        File::open(&path).map_err(|e| format!("open number {i} failed: {e}"))?;
    }
    println!("opened and dropped {REOPENS} files, one at a time: all {REOPENS} succeeded");
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: count
/// The descriptors this process has open, in order, from the folder that lists
/// them: /proc/self/fd on Linux, /dev/fd on macOS. (FreeBSD's /dev/fd shows only 0 to 2
/// unless fdescfs is mounted there, and OpenBSD's holds fixed device nodes.)
#[cfg(unix)]
fn open_descriptors() -> Result<Vec<u64>, String> {
    use std::os::fd::AsRawFd;

    let folder = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else if cfg!(target_os = "macos") {
        "/dev/fd"
    } else {
        return Err("this program lists open descriptors only on Linux and macOS".into());
    };
    let cannot = |e: std::io::Error| format!("cannot list the open descriptors: {e}");
    // Reading the folder opens a descriptor too, which the listing shows. The system
    // always hands out the lowest free number, so a probe opened and closed just
    // before tells which number that will be.
    let probe = std::fs::File::open(folder).map_err(cannot)?;
    let listing_fd = probe.as_raw_fd() as u64;
    drop(probe);
    let mut open: Vec<u64> = std::fs::read_dir(folder)
        .map_err(cannot)?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd != listing_fd)
        .collect();
    open.sort_unstable();
    Ok(open)
}

/// How many more files fit under a soft limit of `limit` when the descriptors `open`
/// (each listed once) are in use: a new descriptor always takes the lowest free
/// number, and an open fails when that number would reach the limit, so only the
/// free numbers below the limit count.
fn room_below(limit: u64, open: &[u64]) -> u64 {
    let used_below = open.iter().filter(|&&fd| fd < limit).count() as u64;
    limit - used_below
}

/// The smallest soft limit that leaves exactly `room` free descriptor numbers below it.
#[cfg(unix)]
fn limit_leaving_room(open: &[u64], room: u64) -> u64 {
    let mut limit = room;
    while room_below(limit, open) < room {
        limit += 1;
    }
    limit
}
// ANCHOR_END: count

/// `--room LIMIT [FD...]`: the computation alone, for descriptors and a limit you choose.
fn print_room(limit: u64, open: &[u64]) -> ExitCode {
    println!(
        "descriptors {open:?} open, soft limit {limit}: room for {} more",
        room_below(limit, open)
    );
    ExitCode::SUCCESS
}

/// Reads the command line: nothing (run out of descriptors), `--room LIMIT [FD...]`, or
/// `--help`. Anything else gets a one-line error and exit status 2.
fn parse_args() -> Result<Mode, ExitCode> {
    quiet_on_closed_pipe();
    let refuse = |message: String| {
        eprintln!("error: {message} (try --help)");
        ExitCode::from(2)
    };
    let mut args = std::env::args_os().skip(1);
    let Some(first) = args.next() else {
        return Ok(Mode::Run);
    };
    if first == "--help" || first == "-h" {
        print!("{USAGE}");
        return Err(ExitCode::SUCCESS);
    }
    if first != "--room" {
        let first = first.to_string_lossy();
        return Err(refuse(format!("unexpected argument `{first}`")));
    }
    let mut numbers = Vec::new();
    for arg in args {
        match arg.to_str().and_then(|text| text.parse::<u64>().ok()) {
            Some(number) => numbers.push(number),
            None => {
                let arg = arg.to_string_lossy();
                return Err(refuse(format!("`{arg}` is not a whole number")));
            }
        }
    }
    let Some((&limit, open)) = numbers.split_first() else {
        return Err(refuse("--room needs a LIMIT".to_string()));
    };
    // A descriptor is open or not: the same number twice counts once.
    let mut open = open.to_vec();
    open.sort_unstable();
    open.dedup();
    Ok(Mode::Room { limit, open })
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
