//! Exercise solution: two threads work through one list of URLs with repeats, and a
//! concurrent map makes sure each URL is fetched exactly once.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;

const USAGE: &str = "usage: ch16_ex_dedup
Two threads walk 100000 links to 1000 distinct pages, each fetching a page only if no
thread has claimed it; counts the fetches.
";

// ANCHOR: solution
/// Claim `url` for the calling thread: true for exactly one caller per URL. `try_insert`
/// checks and inserts in one atomic step, so two threads cannot both see "absent".
fn claim(seen: &papaya::HashMap<String, ()>, url: &str) -> bool {
    seen.pin().try_insert(url.to_string(), ()).is_ok()
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let links: Vec<String> = (0..100_000u64)
        .map(|i| format!("https://example.org/page/{}", (i * 7919) % 1000))
        .collect();
    let seen = papaya::HashMap::new();
    let fetched = AtomicU64::new(0);
    thread::scope(|s| {
        for half in links.chunks(links.len() / 2) {
            let (seen, fetched) = (&seen, &fetched);
            s.spawn(move || {
                for url in half {
                    if claim(seen, url) {
                        fetched.fetch_add(1, Relaxed);
                    }
                }
            });
        }
    });
    println!("links: {}, distinct pages: {}", links.len(), seen.len());
    println!("pages fetched: {}", fetched.load(Relaxed));
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
