//! Exercise solution: the sixteen independent fetches on a pool of four
//! threads instead of one thread per page.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use rayon::prelude::*;

const LATENCY: Duration = Duration::from_millis(50);
const PAGES: u32 = 16;

fn fetch(page: u32) -> u32 {
    thread::sleep(LATENCY); // waiting for the server, not computing
    (5 * page + 3) % PAGES
}

const USAGE: &str = "\
usage: ch01_ex_io_pool

Fetches sixteen simulated pages, each waiting 50 ms, on a rayon pool of four threads.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let workers = 4;
    // ANCHOR: pool
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("the system could not start the pool's threads");
    let start = Instant::now();
    let links: Vec<u32> = pool.install(|| (0..PAGES).into_par_iter().map(fetch).collect());
    let took = start.elapsed();
    // ANCHOR_END: pool
    println!(
        "{PAGES} fetches of {} ms on {workers} threads: {:.3} s",
        LATENCY.as_millis(),
        took.as_secs_f64()
    );
    println!("links found: {links:?}");
    ExitCode::SUCCESS
}

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
