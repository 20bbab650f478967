//! A per-request timeout in the client: requests slower than one second end with an error at
//! one second. The fast requests take a fifth of that limit or less, so that a busy machine
//! cannot push them past it.

mod ch05_common;

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const DELAYS_MS: [u64; 4] = [100, 200, 2000, 4000];
const TIMEOUT: Duration = Duration::from_secs(1);

const USAGE: &str = "\
usage: ch05_timeout

Starts the chapter's local HTTP server and makes four requests with delays of
100, 200, 2000 and 4000 ms, one thread each, through a client whose timeout per
request is one second. Prints how each ended and when.
";

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    // ANCHOR: timeout
    // The whole exchange, from connecting to the last byte of the body, within TIMEOUT.
    let agent: Agent = Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let start = Instant::now();
    let handles: Vec<_> = DELAYS_MS
        .into_iter()
        .map(|delay| {
            let agent = agent.clone();
            let url = server.url(&format!("/status/200?delay_ms={delay}"));
            thread::spawn(move || (delay, agent.get(&url).call(), start.elapsed()))
        })
        .collect();
    for handle in handles {
        let Ok((delay, result, at)) = handle.join() else {
            println!("a request thread panicked");
            continue;
        };
        let ended = match result {
            Ok(response) => format!("answered {}", response.status()),
            Err(ureq::Error::Timeout(which)) => format!("timed out ({which})"),
            Err(error) => format!("failed: {error}"),
        };
        println!("{delay:>4} ms: {ended} at {:.3} s", at.as_secs_f64());
    }
    // ANCHOR_END: timeout
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
