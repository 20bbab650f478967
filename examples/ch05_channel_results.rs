//! Five requests with different delays: results through a channel, in the order the requests
//! complete, then put back in the order they were asked for.

mod ch05_common;

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const DELAYS_MS: [u64; 5] = [250, 50, 200, 100, 150];

const USAGE: &str = "\
usage: ch05_channel_results

Starts the chapter's local HTTP server and makes five requests with different
delays, one thread each. Prints each result as it arrives through a channel,
then all of them in the order they were asked for.
";

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    let agent = Agent::new_with_defaults();
    // ANCHOR: channel
    let start = Instant::now();
    let (results, arrivals) = mpsc::channel();
    let mut handles = Vec::new();
    for (index, delay) in DELAYS_MS.into_iter().enumerate() {
        let (agent, results) = (agent.clone(), results.clone());
        let url = server.url(&format!("/status/200?delay_ms={delay}"));
        handles.push(thread::spawn(move || {
            let status = agent.get(&url).call().map(|r| r.status().as_u16());
            // The receiver outlives every sender here; if it did not, nobody would want this.
            let _ = results.send((index, delay, status.map_err(|e| e.to_string())));
        }));
    }
    // Only the threads' clones are left: the loop below ends when the last one is dropped.
    drop(results);

    let mut in_order = vec![None; DELAYS_MS.len()];
    for (index, delay, status) in arrivals {
        println!(
            "arrived: request {index} ({delay} ms) after {:.3} s",
            start.elapsed().as_secs_f64()
        );
        in_order[index] = Some(status);
    }
    // Every thread has sent its result or ended: the joins return at once.
    for handle in handles {
        if handle.join().is_err() {
            println!("a request thread panicked");
        }
    }
    for (index, status) in in_order.into_iter().enumerate() {
        match status {
            Some(Ok(code)) => println!("request {index}: {code}"),
            Some(Err(error)) => println!("request {index}: error: {error}"),
            None => println!("request {index}: no answer (its thread ended without one)"),
        }
    }
    // ANCHOR_END: channel
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
