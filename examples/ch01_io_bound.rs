//! Threads overlap waiting, but cannot shorten a chain of dependent steps.
//! "Fetching" a page here is a simulated network round trip: the thread
//! sleeps for the latency, as it would while waiting for a server.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;

const LATENCY: Duration = Duration::from_millis(50);
const PAGES: u32 = 16;

// ANCHOR: fetch
/// Fetches page `page` and returns the number of the page it links to.
/// The links form one loop through all the pages.
fn fetch(page: u32) -> u32 {
    thread::sleep(LATENCY); // waiting for the server, not computing
    (5 * page + 3) % PAGES
}
// ANCHOR_END: fetch

/// Runs `work`, then prints its wall time and how many cores it kept busy.
fn timed<T>(label: &str, work: impl FnOnce() -> T) -> T {
    let wall = Instant::now();
    let cpu = ProcessTime::now();
    let result = work();
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu.elapsed().as_secs_f64());
    println!("{label:<36} {wall:.3} s, cores busy: {:.2}", cpu / wall);
    result
}

const USAGE: &str = "\
usage: ch01_io_bound

Fetches sixteen simulated pages, each waiting 50 ms: independent pages one after
another and one thread per page, then a chain of links one after another and one
thread per step.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("{PAGES} pages, each fetch waits {} ms", LATENCY.as_millis());

    // ANCHOR: independent
    // Independent fetches: every page number is known in advance.
    let one_by_one: Vec<u32> = timed("independent, one after another:", || {
        (0..PAGES).map(fetch).collect()
    });
    let overlapped: Vec<u32> = timed("independent, one thread per page:", || {
        thread::scope(|s| {
            // Start every thread before joining any: joining inside the same
            // iterator would wait for each fetch before starting the next.
            let handles: Vec<_> = (0..PAGES)
                .map(|page| s.spawn(move || fetch(page)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    assert_eq!(one_by_one, overlapped);
    // ANCHOR_END: independent

    // ANCHOR: chain
    // A chain: each fetch needs the link found by the one before it.
    let end = timed("chain, one after another:", || {
        (0..PAGES).fold(0, |page, _| fetch(page))
    });
    let end_threaded = timed("chain, one thread per step:", || {
        thread::scope(|s| {
            let (first_tx, mut rx) = mpsc::channel();
            for _ in 0..PAGES {
                let (tx, next_rx) = mpsc::channel();
                // Each step blocks until the step before hands it a page.
                s.spawn(move || {
                    let page = rx.recv().unwrap();
                    tx.send(fetch(page)).unwrap();
                });
                rx = next_rx;
            }
            first_tx.send(0).unwrap();
            rx.recv().unwrap()
        })
    });
    // ANCHOR_END: chain
    assert_eq!(end, end_threaded);
    println!("both chains followed {PAGES} links back to page {end}");
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
