//! 200 requests of 20 ms each: a pool of four workers against one thread per request.
//! Times each way, best of three rounds, with nothing but the requests in the timed runs;
//! then counts, in an untimed run of each, how many threads each way runs at once.

mod ch05_common;

use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use crossbeam::channel;
use ureq::Agent;

const REQUESTS: usize = 200;
const DELAY_MS: u64 = 20;
const WORKERS: usize = 4;
/// Each way is timed this many times, in turn, and its fastest run counts.
const ROUNDS: usize = 3;

const USAGE: &str = "\
usage: ch05_pool_vs_threads

Starts the chapter's local HTTP server and makes 200 requests that each take
20 ms to answer: with a pool of four workers and with one thread per request,
best of three rounds each. Then counts, in a separate untimed run of each way,
the threads that run at once.
";

// ANCHOR: count
/// The number of threads in this process, as Linux reports it; None elsewhere.
fn threads_in_process() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line["Threads:".len()..].trim().parse().ok()
}

/// A gate for counting threads, used only in the untimed runs: every request thread waits at
/// it until all `expected` have arrived; the last to arrive asks Linux how many threads the
/// process has, then opens the gate. If a spawn fails, `cancel` opens it for those waiting.
struct Census {
    expected: usize,
    gate: Mutex<Gate>,
    opened: Condvar,
}

#[derive(Default)]
struct Gate {
    arrived: usize,
    open: bool,
    /// The process's threads while all `expected` were alive at once.
    threads: Option<usize>,
}

impl Census {
    fn new(expected: usize) -> Census {
        Census {
            expected,
            gate: Mutex::default(),
            opened: Condvar::new(),
        }
    }

    /// Each request thread calls this first; it returns once the count has been taken.
    fn arrive(&self) {
        let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        gate.arrived += 1;
        if gate.arrived == self.expected {
            gate.threads = threads_in_process();
            gate.open = true;
            self.opened.notify_all();
        }
        while !gate.open {
            gate = self.opened.wait(gate).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Opens the gate without a count, so that no thread waits for one that never started.
    fn cancel(&self) {
        self.gate.lock().unwrap_or_else(|e| e.into_inner()).open = true;
        self.opened.notify_all();
    }

    /// How many threads arrived, and the process's threads while they were all alive.
    fn result(&self) -> (usize, Option<usize>) {
        let gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        (gate.arrived, gate.threads)
    }
}
// ANCHOR_END: count

/// Whether `url` answered 200 with a whole body. Reading the body to its end is what hands
/// the connection back to the agent's pool.
fn fetch(agent: &Agent, url: &str) -> bool {
    match agent.get(url).call() {
        Ok(mut response) => {
            response.status() == 200 && response.body_mut().read_to_string().is_ok()
        }
        Err(_) => false,
    }
}

// ANCHOR: per-request
/// Fetches every URL on a scoped thread of its own; returns how many answered 200. With a
/// `census`, each thread first waits at its gate. A failed spawn is returned as an error,
/// after the threads already started have finished.
fn one_thread_each(agent: &Agent, urls: &[String], census: Option<&Census>) -> io::Result<usize> {
    let answered = AtomicUsize::new(0);
    thread::scope(|scope| {
        for url in urls {
            let spawned = thread::Builder::new().spawn_scoped(scope, || {
                if let Some(census) = census {
                    census.arrive();
                }
                if fetch(agent, url) {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            });
            if let Err(error) = spawned {
                if let Some(census) = census {
                    census.cancel();
                }
                return Err(error);
            }
        }
        Ok(())
    })?;
    Ok(answered.into_inner())
}
// ANCHOR_END: per-request

// ANCHOR: pool
/// The same requests on `workers` threads that take URLs from one queue.
fn pool(
    agent: &Agent,
    urls: &[String],
    workers: usize,
    census: Option<&Census>,
) -> io::Result<usize> {
    let (jobs, queue) = channel::unbounded();
    for url in urls {
        jobs.send(url).expect("the queue is open");
    }
    drop(jobs); // once the queue is empty, each worker's loop ends
    let answered = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            let spawned = thread::Builder::new().spawn_scoped(scope, || {
                if let Some(census) = census {
                    census.arrive();
                }
                for url in queue.iter() {
                    if fetch(agent, url) {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            if let Err(error) = spawned {
                if let Some(census) = census {
                    census.cancel();
                }
                return Err(error);
            }
        }
        Ok(())
    })?;
    Ok(answered.into_inner())
}
// ANCHOR_END: pool

/// Runs `way` once with a census of `expected` threads and reports what it counted.
fn count_threads(
    label: &str,
    expected: usize,
    before: Option<usize>,
    way: impl FnOnce(&Census) -> io::Result<usize>,
) -> io::Result<()> {
    let census = Census::new(expected);
    way(&census)?;
    let (arrived, during) = census.result();
    let added = match during.zip(before) {
        Some((during, before)) => format!("+{}", during.saturating_sub(before)),
        None => "not known".to_string(),
    };
    println!("{label:>15}: {arrived} request threads at once, process threads {added}");
    Ok(())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: main
    let server = Server::start()?;
    // Timeouts for each phase, and none for the whole call: with a global or per-call
    // timeout, ureq looks up every address on a helper thread of its own.
    let agent: Agent = Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_recv_response(Some(Duration::from_secs(10)))
        .timeout_recv_body(Some(Duration::from_secs(10)))
        .max_idle_connections_per_host(WORKERS) // one idle connection per worker
        .build()
        .into();
    let urls: Vec<String> = (0..REQUESTS)
        .map(|_| server.url(&format!("/status/200?delay_ms={DELAY_MS}")))
        .collect();
    println!("{REQUESTS} requests, each answered after {DELAY_MS} ms");
    // Main and the server's thread, before any request thread has started.
    let before = threads_in_process();

    // Untimed: each way once, its threads held at a gate until they have been counted.
    println!("threads alive at once, counted in an untimed run of each way:");
    count_threads(&format!("{WORKERS} workers"), WORKERS, before, |census| {
        pool(&agent, &urls, WORKERS, Some(census))
    })?;
    count_threads("one thread each", REQUESTS, before, |census| {
        one_thread_each(&agent, &urls, Some(census))
    })?;

    // Timed: nothing runs but the requests. The rounds alternate the two ways.
    println!("timed without the count, best of {ROUNDS} rounds:");
    let (mut pooled, mut each) = (Duration::MAX, Duration::MAX);
    let (mut pooled_ok, mut each_ok) = (REQUESTS, REQUESTS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        pooled_ok = pooled_ok.min(pool(&agent, &urls, WORKERS, None)?);
        pooled = pooled.min(start.elapsed());
        let start = Instant::now();
        each_ok = each_ok.min(one_thread_each(&agent, &urls, None)?);
        each = each.min(start.elapsed());
    }
    let took = |label: &str, time: Duration, ok: usize| {
        let time = time.as_secs_f64();
        println!("{label:>15}: {time:.3} s, {ok} of {REQUESTS} answered in the worst round");
    };
    took(&format!("{WORKERS} workers"), pooled, pooled_ok);
    took("one thread each", each, each_ok);
    let ratio = pooled.as_secs_f64() / each.as_secs_f64();
    println!("one thread each: {ratio:.1}x as fast");
    server.stop()?;
    // ANCHOR_END: main
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
