//! A token bucket of our own keeps four workers to 20 requests per second; the program
//! measures the rate they kept.

mod ch05_common;

use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use crossbeam::channel;
use ureq::Agent;

const REQUESTS: usize = 40;
const WORKERS: usize = 4;
const PER_SECOND: f64 = 20.0;

const USAGE: &str = "\
usage: ch05_rate_limit

Starts the chapter's local HTTP server and makes 40 requests with four workers
that share a token bucket of 20 requests per second. Prints the rate at which
the bucket granted tokens, and whether any second held more than 20 grants.
";

// ANCHOR: bucket
/// A token bucket: tokens drip in at `per_second` up to `capacity`; a request takes one.
/// `capacity` is the largest burst allowed after a quiet spell.
pub struct TokenBucket {
    per_second: f64,
    capacity: f64,
    state: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    pub fn new(per_second: f64, capacity: u32) -> TokenBucket {
        assert!(
            per_second > 0.0 && capacity >= 1,
            "a bucket that never lets anyone through"
        );
        let capacity = f64::from(capacity);
        TokenBucket {
            per_second,
            capacity,
            state: Mutex::new(Bucket {
                tokens: capacity,
                updated: Instant::now(),
            }),
        }
    }

    /// Waits until a token is there, takes it, and returns when it was taken.
    pub fn take(&self) -> Instant {
        loop {
            let wait = {
                let mut bucket = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let dripped = (now - bucket.updated).as_secs_f64() * self.per_second;
                bucket.tokens = (bucket.tokens + dripped).min(self.capacity);
                bucket.updated = now;
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return now;
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second)
            };
            // The lock is released while we wait. The sleep only paces: whatever another
            // thread did meanwhile, the loop looks at the bucket again before taking.
            thread::sleep(wait);
        }
    }
}
// ANCHOR_END: bucket

/// The most of the sorted `times` that fall in any one second that starts at one of them.
fn busiest_second(times: &[Instant]) -> usize {
    (0..times.len())
        .map(|i| {
            let end = times[i] + Duration::from_secs(1);
            times[i..].iter().take_while(|&&t| t < end).count()
        })
        .max()
        .unwrap_or(0)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    // Timeouts for each phase; one idle connection kept per worker, so that every request
    // after the first four reuses one.
    let agent: Agent = Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(2)))
        .timeout_recv_response(Some(Duration::from_secs(5)))
        .timeout_recv_body(Some(Duration::from_secs(5)))
        .max_idle_connections_per_host(WORKERS)
        .build()
        .into();
    // ANCHOR: workers
    let bucket = TokenBucket::new(PER_SECOND, 1);
    let (jobs, queue) = channel::unbounded();
    for _ in 0..REQUESTS {
        jobs.send(server.url("/status/200"))?;
    }
    drop(jobs);
    let workers: Result<Vec<Vec<Instant>>, _> = thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut granted = Vec::new();
                    for url in queue.iter() {
                        granted.push(bucket.take());
                        // Reading the body to its end lets the next request reuse the
                        // connection: no new connection, less delay between grant and send.
                        let body = agent
                            .get(&url)
                            .call()
                            .and_then(|mut response| response.body_mut().read_to_string());
                        if let Err(error) = body {
                            println!("{url}: {error}");
                        }
                    }
                    granted
                })
            })
            .collect();
        workers.into_iter().map(|worker| worker.join()).collect()
    });
    let Ok(workers) = workers else {
        return Err("a worker panicked; its grant times are lost".into());
    };
    let mut granted: Vec<Instant> = workers.into_iter().flatten().collect();
    // ANCHOR_END: workers
    // ANCHOR: measure
    granted.sort();
    let (Some(&first), Some(&last)) = (granted.first(), granted.last()) else {
        return Err("no tokens were granted".into());
    };
    let span = (last - first).as_secs_f64();
    if granted.len() < 2 || span == 0.0 {
        return Err("too few grants to measure a rate".into());
    }
    // n grants spaced by intervals: n - 1 intervals in the span.
    let rate = (granted.len() - 1) as f64 / span;
    println!("{} tokens granted over {span:.3} s", granted.len());
    println!("rate kept: {rate:.2} grants per second (limit {PER_SECOND:.2})");
    let busiest = busiest_second(&granted);
    let limit = PER_SECOND as usize;
    if busiest <= limit {
        println!("no one-second window held more than {limit} grants");
    } else {
        println!("OVER THE LIMIT: {busiest} grants in one second");
    }
    // ANCHOR_END: measure
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
