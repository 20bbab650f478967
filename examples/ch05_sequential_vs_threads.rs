//! Ten requests that each take 200 ms: one after another, then one thread per request.

mod ch05_common;

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const REQUESTS: usize = 10;
const DELAY_MS: u64 = 200;
/// What the chapter promises for ten 200 ms requests: close to ten times as fast.
const EXPECTED_SPEEDUP: f64 = 8.0;

const USAGE: &str = "\
usage: ch05_sequential_vs_threads

Starts the chapter's local HTTP server and makes ten requests that each take
200 ms to answer: first one after another, then one thread per request. Prints
both times and the speedup.
";

// ANCHOR: fetch
/// GETs one URL and returns its status code, or the error as a line of text.
fn fetch(agent: &Agent, url: &str) -> Result<u16, String> {
    let failed = |error: ureq::Error| format!("{url}: {error}");
    let mut response = agent.get(url).call().map_err(failed)?;
    // Only a body read to its end hands the connection back to the agent for reuse.
    response.body_mut().read_to_string().map_err(failed)?;
    Ok(response.status().as_u16())
}
// ANCHOR_END: fetch

// ANCHOR: sequential
fn sequential(agent: &Agent, urls: &[String]) -> Vec<Result<u16, String>> {
    urls.iter().map(|url| fetch(agent, url)).collect()
}
// ANCHOR_END: sequential

// ANCHOR: threaded
fn one_thread_each(agent: &Agent, urls: &[String]) -> Vec<Result<u16, String>> {
    let handles: Vec<_> = urls
        .iter()
        .map(|url| {
            // Clones of an Agent share one connection pool; each thread owns its clone.
            let (agent, url) = (agent.clone(), url.clone());
            thread::spawn(move || fetch(&agent, &url))
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| {
            handle
                .join()
                .unwrap_or_else(|_| Err("a thread panicked".into()))
        })
        .collect()
}
// ANCHOR_END: threaded

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: main
    let server = Server::start()?;
    let urls: Vec<String> = (0..REQUESTS)
        .map(|_| server.url(&format!("/status/200?delay_ms={DELAY_MS}")))
        .collect();
    let agent = Agent::new_with_defaults();
    println!("{REQUESTS} requests, each answered after {DELAY_MS} ms");

    let start = Instant::now();
    let results = sequential(&agent, &urls);
    let one_by_one = start.elapsed();
    report("one after another", &results, one_by_one);

    let start = Instant::now();
    let results = one_thread_each(&agent, &urls);
    let together = start.elapsed();
    report("one thread each", &results, together);

    let speedup = one_by_one.as_secs_f64() / together.as_secs_f64();
    println!("speedup: {speedup:.2}x (the chapter expects at least {EXPECTED_SPEEDUP:.1}x)");
    server.stop()?;
    // ANCHOR_END: main
    Ok(())
}

fn report(label: &str, results: &[Result<u16, String>], took: Duration) {
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count();
    println!(
        "{label:>17}: {:.3} s, {ok} of {} answered 200",
        took.as_secs_f64(),
        results.len()
    );
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        println!("  {error}");
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
