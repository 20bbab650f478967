//! Runs out of file descriptors on purpose: lowers the process's own limit, keeps files
//! open until the operating system refuses, then opens many more, closing each one.

use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_descriptors

Lowers this process's soft limit on open files to 64, opens files and keeps
them until the system refuses, then opens 640 files, dropping each one.
Unix only (Linux, macOS, the BSDs); elsewhere it says so and exits.
";

// Room for this many more open files: small, so that running out takes a moment.
#[cfg(unix)]
const ROOM: u64 = 60;
// How many files the second loop opens, each dropped before the next: ten times the room.
#[cfg(unix)]
const REOPENS: u64 = 10 * ROOM;

#[cfg(unix)]
fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
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
    if let Err(status) = no_arguments(USAGE) {
        return status;
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
/// them: /proc/self/fd on Linux, /dev/fd on macOS and the BSDs.
#[cfg(unix)]
fn open_descriptors() -> Result<Vec<u64>, String> {
    use std::os::fd::AsRawFd;

    let folder = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else {
        "/dev/fd"
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

/// The smallest soft limit that leaves exactly `room` free descriptor numbers below
/// it: a new descriptor always takes the lowest free number, and an open fails when
/// that number would reach the limit.
#[cfg(unix)]
fn limit_leaving_room(open: &[u64], room: u64) -> u64 {
    let mut limit = room;
    let used_below = |limit: u64| open.iter().filter(|&&fd| fd < limit).count() as u64;
    while limit - used_below(limit) < room {
        limit += 1;
    }
    limit
}
// ANCHOR_END: count

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

/// `println!` panics when standard output is a pipe whose reader has gone (`| head`);
/// end quietly instead, as command-line tools do.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.contains("Broken pipe"))
        {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
