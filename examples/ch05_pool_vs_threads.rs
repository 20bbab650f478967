//! 200 requests of 20 ms each: a pool of four workers against one thread per request.
//! Prints the time and how many threads each way ran at once.

mod ch05_common;

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use crossbeam::channel;
use ureq::Agent;

const REQUESTS: usize = 200;
const DELAY_MS: u64 = 20;
const WORKERS: usize = 4;

const USAGE: &str = "\
usage: ch05_pool_vs_threads

Starts the chapter's local HTTP server and makes 200 requests that each take
20 ms to answer: with a pool of four workers, then with one thread per
request. Prints the time and the number of threads each way ran at once.
";

// ANCHOR: count
/// The number of threads in this process, as Linux reports it; None elsewhere.
fn threads_in_process() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line["Threads:".len()..].trim().parse().ok()
}

/// What one way of running the requests measured.
struct Run {
    took: Duration,
    answered: usize,
    /// The most request threads alive at once, counted by the threads themselves.
    peak: usize,
    /// Threads in the process while they were all alive, less those before they started.
    added: Option<usize>,
}

/// Counts the live request threads, and samples the process's thread count once, at a
/// moment when every one of them is alive.
struct Census {
    live: AtomicUsize,
    peak: AtomicUsize,
    /// The process's threads before any request thread existed: main and the server's.
    before: Option<usize>,
    all_started: Barrier,
    counted: Barrier,
    during: OnceLock<Option<usize>>,
}

impl Census {
    fn new(threads: usize, before: Option<usize>) -> Census {
        Census {
            live: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            before,
            all_started: Barrier::new(threads),
            counted: Barrier::new(threads),
            during: OnceLock::new(),
        }
    }

    /// Each request thread calls this first: it returns once all of them are alive and the
    /// process's threads have been counted.
    fn arrive(&self) {
        let live = self.live.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(live, Ordering::Relaxed);
        if self.all_started.wait().is_leader() {
            let _ = self.during.set(threads_in_process());
        }
        // Nobody starts a request, and so nobody can finish, before the count is taken.
        self.counted.wait();
    }

    fn leave(&self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }

    fn added(&self) -> Option<usize> {
        let (during, before) = (self.during.get().copied()??, self.before?);
        during.checked_sub(before)
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
fn one_thread_each(agent: &Agent, urls: &[String], before: Option<usize>) -> Run {
    let census = Census::new(urls.len(), before);
    let start = Instant::now();
    let answered = AtomicUsize::new(0);
    thread::scope(|scope| {
        for url in urls {
            scope.spawn(|| {
                census.arrive();
                if fetch(agent, url) {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                census.leave();
            });
        }
    });
    Run {
        took: start.elapsed(),
        answered: answered.into_inner(),
        peak: census.peak.load(Ordering::Relaxed),
        added: census.added(),
    }
}
// ANCHOR_END: per-request

// ANCHOR: pool
fn pool(agent: &Agent, urls: &[String], workers: usize, before: Option<usize>) -> Run {
    let census = Census::new(workers, before);
    let start = Instant::now();
    let (jobs, queue) = channel::unbounded();
    for url in urls {
        jobs.send(url).expect("the queue is open");
    }
    drop(jobs); // once the queue is empty, each worker's loop ends
    let answered = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                census.arrive();
                for url in queue.iter() {
                    if fetch(agent, url) {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
                census.leave();
            });
        }
    });
    Run {
        took: start.elapsed(),
        answered: answered.into_inner(),
        peak: census.peak.load(Ordering::Relaxed),
        added: census.added(),
    }
}
// ANCHOR_END: pool

fn report(label: &str, run: &Run) {
    let added = match run.added {
        Some(n) => format!("+{n}"),
        None => "not known".to_string(),
    };
    println!(
        "{label:>15}: {:.3} s, {} answered, {} request threads at once, process threads {added}",
        run.took.as_secs_f64(),
        run.answered,
        run.peak
    );
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: main
    let server = Server::start()?;
    // No timeout: with one, ureq resolves each address on a helper thread of its own.
    let agent = Agent::new_with_defaults();
    let urls: Vec<String> = (0..REQUESTS)
        .map(|_| server.url(&format!("/status/200?delay_ms={DELAY_MS}")))
        .collect();
    println!("{REQUESTS} requests, each answered after {DELAY_MS} ms");
    let before = threads_in_process();
    let pooled = pool(&agent, &urls, WORKERS, before);
    report(&format!("{WORKERS} workers"), &pooled);
    let each = one_thread_each(&agent, &urls, before);
    report("one thread each", &each);
    println!(
        "one thread each: {:.1}x as fast, with {}x as many threads",
        pooled.took.as_secs_f64() / each.took.as_secs_f64(),
        each.peak / pooled.peak.max(1)
    );
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
