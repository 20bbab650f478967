//! Exercise solution: a batch of requests with a deadline, whose results come back in the
//! order they were asked for, with a place for each request that missed the deadline.

mod ch05_common;

use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const DELAYS_MS: [u64; 6] = [400, 100, 3000, 200, 5000, 50];
const DEADLINE: Duration = Duration::from_secs(1);

const USAGE: &str = "\
usage: ch05_ex_ordered_deadline

Starts the chapter's local HTTP server, makes six requests with different
delays, one thread each, and waits one second in all, then shuts the agent down
and joins every thread. Prints every request's result in the order the requests
were made.
";

// ANCHOR: ordered
/// Fetches every URL on a thread of its own and waits until `deadline` at most. The result
/// is in the order of `urls`: `None` for each request that had not answered in time. The
/// function owns `agent`, the batch's own, and shuts it down at the deadline, which ends the
/// requests still reading at once; a connect still under way ends within the agent's
/// `timeout_connect`. Every thread has been joined when it returns, by the deadline plus at
/// most that timeout.
fn fetch_all_by(
    agent: Agent,
    urls: &[String],
    deadline: Instant,
) -> Vec<Option<Result<u16, String>>> {
    let (results, arrivals) = mpsc::channel();
    let mut handles = Vec::new();
    for (index, url) in urls.iter().enumerate() {
        let (agent, url, results) = (agent.clone(), url.clone(), results.clone());
        handles.push(thread::spawn(move || {
            let status = agent.get(&url).call().map(|r| r.status().as_u16());
            let _ = results.send((index, status.map_err(|e| e.to_string())));
        }));
    }
    drop(results);
    let mut in_order = vec![None; urls.len()];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrivals.recv_timeout(left) {
            Ok((index, status)) => in_order[index] = Some(status),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    // Too late: what the interrupted requests send now is not an answer. A thread that
    // panicked leaves its slot `None` too.
    agent.shutdown();
    for handle in handles {
        let _ = handle.join();
    }
    in_order
}
// ANCHOR_END: ordered

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    // The shutdown cannot interrupt a connect: its timeout bounds how late the function
    // can return. (A `timeout_resolve` would bound host-name lookups, on a helper thread
    // of ureq's own that is not joined.)
    let agent: Agent = Agent::config_builder()
        .timeout_connect(Some(Duration::from_millis(500)))
        .timeout_recv_response(Some(Duration::from_secs(10)))
        .timeout_recv_body(Some(Duration::from_secs(10)))
        .build()
        .into();
    let urls: Vec<String> = DELAYS_MS
        .iter()
        .map(|delay| server.url(&format!("/status/200?delay_ms={delay}")))
        .collect();
    let results = fetch_all_by(agent, &urls, Instant::now() + DEADLINE);
    for ((index, delay), result) in DELAYS_MS.iter().enumerate().zip(results) {
        match result {
            Some(Ok(code)) => println!("request {index} ({delay} ms): {code}"),
            Some(Err(error)) => println!("request {index} ({delay} ms): error: {error}"),
            None => println!("request {index} ({delay} ms): no answer by the deadline"),
        }
    }
    server.stop()?;
    Ok(())
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
