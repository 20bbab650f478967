//! A deadline for a whole batch of requests: what has not arrived after one second is
//! given up, the agent is shut down so that the threads still reading stop at once (a
//! connect still under way stops within its timeout), and every thread is joined.

mod ch05_common;

use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::Agent;

const DELAYS_MS: [u64; 5] = [100, 300, 400, 3000, 5000];
const DEADLINE: Duration = Duration::from_secs(1);

const USAGE: &str = "\
usage: ch05_deadline

Starts the chapter's local HTTP server and makes five requests with delays of
100, 300, 400, 3000 and 5000 ms, one thread each, and waits for the results for
one second in all. Then shuts the agent down, which ends the requests still
waiting, and joins every thread. Prints what arrived, and what the others got.
";

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    // ANCHOR: deadline
    // The shutdown below cannot interrupt a connect (nor a name lookup, which these
    // 127.0.0.1 addresses skip): the connect timeout bounds that wait.
    let agent: Agent = Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(2)))
        .timeout_recv_response(Some(Duration::from_secs(10)))
        .timeout_recv_body(Some(Duration::from_secs(10)))
        .build()
        .into();
    let start = Instant::now();
    let deadline = start + DEADLINE;
    let (results, arrivals) = mpsc::channel();
    let mut handles = Vec::new();
    for delay in DELAYS_MS {
        let (agent, results) = (agent.clone(), results.clone());
        let url = server.url(&format!("/status/200?delay_ms={delay}"));
        handles.push(thread::spawn(move || {
            let status = agent.get(&url).call().map(|r| r.status().as_u16());
            // After the deadline main drops the receiver; the send fails, and that is fine.
            let _ = results.send((delay, status.map_err(|e| e.to_string())));
        }));
    }
    drop(results);

    let mut answered = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrivals.recv_timeout(left) {
            Ok((delay, status)) => {
                answered += 1;
                println!(
                    "{delay} ms: {status:?} at {:.3} s",
                    start.elapsed().as_secs_f64()
                );
            }
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => break, // every thread has sent
        }
    }
    let still_running = handles.iter().filter(|h| !h.is_finished()).count();
    println!(
        "deadline at {:.3} s: {answered} of {} answered, {still_running} threads still waiting",
        start.elapsed().as_secs_f64(),
        DELAYS_MS.len()
    );
    // Close every connection of the agent and its clones: a thread blocked reading its
    // socket gets an error at once, sends it, and ends.
    agent.shutdown();
    for (delay, status) in arrivals.iter() {
        println!(
            "after the shutdown: {delay} ms: {status:?} at {:.3} s",
            start.elapsed().as_secs_f64()
        );
    }
    let mut panicked = 0;
    for handle in handles {
        if handle.join().is_err() {
            panicked += 1;
        }
    }
    println!(
        "every thread joined at {:.3} s ({panicked} panicked)",
        start.elapsed().as_secs_f64()
    );
    // ANCHOR_END: deadline
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
