//! Measures what it costs to start and join N threads, and N processes.
//!
//! The processes are copies of this very program: started with `--child`, a copy exits at
//! once, so each process does as little work as each thread.
//!
//! Usage: cargo run --release --example ch03_spawn_cost [-- N]

use std::env;
use std::ffi::OsString;
use std::io;
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

// A hidden flag: the parent passes it to the copies it starts.
const CHILD_FLAG: &str = "--child";
// Small enough that a debug build finishes in well under a second of process start-ups.
const DEFAULT_COUNT: usize = 100;
// Starting thousands of processes at once can run into the system's process limit.
const MAX_COUNT: usize = 2000;

const USAGE: &str = "\
usage: ch03_spawn_cost [N]

Starts and joins N threads, then starts and waits for N copies of this program,
and prints what one thread and one process cost. N is a whole number from 1 to 2000
(default 100).
";

fn main() -> ExitCode {
    let count = match parse_args() {
        Ok(Some(count)) => count,
        // A child has nothing to do: its cost is the cost of being a process.
        Ok(None) => return ExitCode::SUCCESS,
        Err(status) => return status,
    };

    let threads = time_threads(count);
    let processes = match time_processes(count) {
        Ok(elapsed) => elapsed,
        Err(err) => {
            eprintln!("error: could not run a copy of this program: {err}");
            return ExitCode::FAILURE;
        }
    };

    let per_thread = micros_each(threads, count);
    let per_process = micros_each(processes, count);
    println!("started and joined {count} of each");
    println!("per thread:  {per_thread:>9.1} µs");
    println!("per process: {per_process:>9.1} µs");
    println!(
        "a process costs {:.1}x as much as a thread",
        per_process / per_thread
    );
    ExitCode::SUCCESS
}

// ANCHOR: threads
/// Starts `count` threads that do nothing, then joins them all.
fn time_threads(count: usize) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..count).map(|_| thread::spawn(|| {})).collect();
    for handle in handles {
        handle.join().expect("an empty thread cannot panic");
    }
    start.elapsed()
}
// ANCHOR_END: threads

// ANCHOR: processes
/// Starts `count` copies of this program that exit at once, then waits for them all.
fn time_processes(count: usize) -> io::Result<Duration> {
    let me = env::current_exe()?;
    let start = Instant::now();
    let children = (0..count)
        .map(|_| {
            Command::new(&me)
                .arg(CHILD_FLAG)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
        })
        .collect::<io::Result<Vec<Child>>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("a child exited with {status}")));
        }
    }
    Ok(start.elapsed())
}
// ANCHOR_END: processes

fn micros_each(total: Duration, count: usize) -> f64 {
    total.as_secs_f64() * 1e6 / count as f64
}

/// Reads N from the command line: `Ok(None)` for a child, usage on `--help`, and a one-line
/// error with exit status 2 for anything else that is not a whole number in range.
fn parse_args() -> Result<Option<usize>, ExitCode> {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    if let [flag] = args.as_slice() {
        if flag == CHILD_FLAG {
            return Ok(None);
        }
    }
    quiet_on_closed_pipe();
    match args.as_slice() {
        [] => Ok(Some(DEFAULT_COUNT)),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<usize>) {
            Some(Ok(n)) if (1..=MAX_COUNT).contains(&n) => Ok(Some(n)),
            _ if n.to_string_lossy().starts_with('-') => {
                eprintln!(
                    "error: unexpected argument `{}` (try --help)",
                    n.to_string_lossy()
                );
                Err(ExitCode::from(2))
            }
            _ => {
                eprintln!(
                    "error: N must be a whole number from 1 to {MAX_COUNT}, got `{}`",
                    n.to_string_lossy()
                );
                Err(ExitCode::from(2))
            }
        },
        _ => {
            eprintln!("error: expected at most one argument, N (try --help)");
            Err(ExitCode::from(2))
        }
    }
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
