//! Retries with exponential backoff and jitter, against a route that fails the first few
//! times, one that fails for good, and one whose error a retry cannot fix.

mod ch05_common;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// No single wait is longer than this, however many failures came before.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

const USAGE: &str = "\
usage: ch05_retry

Starts the chapter's local HTTP server and fetches three URLs with up to five
attempts each, waiting longer after each failure: one that fails three times,
one that always fails, and one that answers 404, which is not retried.
";

// ANCHOR: retry
/// Worth another try: the server was overloaded or the network failed, not the request.
fn is_transient(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::StatusCode(code) => matches!(code, 429 | 500 | 502 | 503 | 504),
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
        // Except "Agent is shut down": someone cancelled the batch (Listing 5-15).
        ureq::Error::Io(e) => e.kind() != std::io::ErrorKind::NotConnected,
        _ => false,
    }
}

/// GETs `url` and reads its body, retrying transient failures, up to `ATTEMPTS` attempts in
/// all. The wait doubles after each failure, up to `MAX_BACKOFF`, and a random part keeps
/// clients that failed together from coming back together. Only for idempotent requests:
/// a GET may be repeated, a POST may not.
fn get_with_retries(agent: &Agent, url: &str) -> Result<String, ureq::Error> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        // A body that stops halfway is as transient as a failed call.
        let body = agent
            .get(url)
            .call()
            .and_then(|mut response| response.body_mut().read_to_string());
        match body {
            Ok(body) => return Ok(body),
            Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                // Half the backoff, plus a random share of the other half.
                let wait = backoff / 2 + backoff.mul_f64(random_fraction() / 2.0);
                println!(
                    "  attempt {attempt}: {error}; trying again in {:.3} s",
                    wait.as_secs_f64()
                );
                thread::sleep(wait); // pacing, not synchronisation: we wait for the server
                backoff = (backoff * 2).min(MAX_BACKOFF);
                attempt += 1;
            }
            Err(error) => {
                println!("  attempt {attempt}: {error}; giving up");
                return Err(error);
            }
        }
    }
}
// ANCHOR_END: retry

/// A number in [0, 1) from the standard library's randomly keyed hasher: good enough to
/// spread retries, with no random-number crate.
fn random_fraction() -> f64 {
    let bits = RandomState::new().hash_one(0u8);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    // Timeouts for each phase, so that a request that hangs fails and can be retried.
    let agent: Agent = Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(2)))
        .timeout_recv_response(Some(Duration::from_secs(5)))
        .timeout_recv_body(Some(Duration::from_secs(5)))
        .build()
        .into();
    // ANCHOR: main
    for path in [
        "/flaky/report?fail=3",
        "/flaky/down?fail=100",
        "/status/404",
    ] {
        println!("{path}:");
        match get_with_retries(&agent, &server.url(path)) {
            Ok(body) => print!("  got: {body}"),
            Err(_) => println!("  failed for good"),
        }
    }
    // ANCHOR_END: main
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
