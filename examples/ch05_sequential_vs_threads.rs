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
/// Each way runs this many times, in turn, and the fastest run of each counts.
const ROUNDS: usize = 3;

const USAGE: &str = "\
usage: ch05_sequential_vs_threads

Starts the chapter's local HTTP server and makes ten requests that each take
200 ms to answer: one after another, then one thread per request, three rounds
of both. Prints the best time of each way, the range of its three rounds, and the
speedup of the best times.
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
    println!("{REQUESTS} requests, each answered after {DELAY_MS} ms, best of {ROUNDS} rounds");

    let (mut one_by_one, mut together) = (Vec::new(), Vec::new()); // each round's time
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        first.extend(sequential(&agent, &urls));
        one_by_one.push(start.elapsed());

        let start = Instant::now();
        second.extend(one_thread_each(&agent, &urls));
        together.push(start.elapsed());
    }
    let best_one_by_one = report("one after another", &first, &one_by_one);
    let best_together = report("one thread each", &second, &together);

    let speedup = best_one_by_one.as_secs_f64() / best_together.as_secs_f64();
    println!("speedup: {speedup:.2}x");
    server.stop()?;
    // ANCHOR_END: main
    Ok(())
}

/// Prints the best round's time, the spread of all rounds and the answers; returns the best.
fn report(label: &str, results: &[Result<u16, String>], rounds: &[Duration]) -> Duration {
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count();
    let best = rounds.iter().copied().min().unwrap_or_default();
    let worst = rounds.iter().copied().max().unwrap_or_default();
    println!(
        "{label:>17}: {:.3} s (rounds {:.3}-{:.3} s), {ok} of {} answered 200",
        best.as_secs_f64(),
        best.as_secs_f64(),
        worst.as_secs_f64(),
        results.len()
    );
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        println!("  {error}");
    }
    best
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
