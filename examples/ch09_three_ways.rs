//! Three ways to wait: the same three waits (each standing for a slow reply from a server),
//! done one after another, on three threads, and as three tasks on one thread. Then three
//! computations the same three ways, where the tasks gain nothing.
//!
//! Usage: cargo run --release --example ch09_three_ways

mod ch09_common;

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use ch09_common::cli::no_arguments;
use ch09_common::executor::{yield_now, Executor};
use ch09_common::timer::sleep;

const JOBS: usize = 3;
const WAIT: Duration = Duration::from_millis(200);
// Each computation counts the primes below this bound: on the order of a tenth of a second.
const BOUND: u64 = 1_000_000;

const USAGE: &str = "\
usage: ch09_three_ways

Waits 0.2 s three times, and counts the primes below 1000000 three times: one after
another, on three threads, and as three async tasks on one thread, and prints how long
each took and how many threads did the work.
";

/// Which threads did the work, for the report.
#[derive(Clone, Default)]
struct Workers(Arc<Mutex<HashSet<ThreadId>>>);

impl Workers {
    fn note(&self) {
        self.0.lock().unwrap().insert(thread::current().id());
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

// ANCHOR: waits
fn wait_sequentially(workers: &Workers) {
    for _ in 0..JOBS {
        workers.note();
        thread::sleep(WAIT); // the thread can do nothing else meanwhile
    }
}

fn wait_on_threads(workers: &Workers) {
    thread::scope(|scope| {
        for _ in 0..JOBS {
            scope.spawn(|| {
                workers.note();
                thread::sleep(WAIT); // this thread waits; the others wait beside it
            });
        }
    });
}

fn wait_as_tasks(workers: &Workers) {
    let mut executor = Executor::new();
    for _ in 0..JOBS {
        let workers = workers.clone();
        executor.spawn(async move {
            workers.note();
            sleep(WAIT).await; // the task waits; the thread polls the other tasks
        });
    }
    executor.run();
}
// ANCHOR_END: waits

fn count_primes(numbers: std::ops::Range<u64>) -> usize {
    numbers.filter(|&n| is_prime(n)).count()
}

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

fn compute_sequentially(workers: &Workers) {
    for _ in 0..JOBS {
        workers.note();
        std::hint::black_box(count_primes(2..BOUND));
    }
}

fn compute_on_threads(workers: &Workers) {
    thread::scope(|scope| {
        for _ in 0..JOBS {
            scope.spawn(|| {
                workers.note();
                std::hint::black_box(count_primes(2..BOUND));
            });
        }
    });
}

// ANCHOR: compute_tasks
fn compute_as_tasks(workers: &Workers) {
    let mut executor = Executor::new();
    for _ in 0..JOBS {
        let workers = workers.clone();
        executor.spawn(async move {
            workers.note();
            // Giving way halfway lets the tasks take turns, but the one thread still does
            // all three computations: turns share the time, they do not add any.
            let first_half = count_primes(2..BOUND / 2);
            yield_now().await;
            std::hint::black_box(first_half + count_primes(BOUND / 2..BOUND));
        });
    }
    executor.run();
}
// ANCHOR_END: compute_tasks

fn report(label: &str, job: fn(&Workers)) -> f64 {
    let workers = Workers::default();
    let start = Instant::now();
    job(&workers);
    let took = start.elapsed().as_secs_f64();
    let threads = workers.count();
    let noun = if threads == 1 { "thread" } else { "threads" };
    println!("  {label:<12} took {took:.3} s on {threads} {noun}");
    took
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("{JOBS} waits of {:.1} s:", WAIT.as_secs_f64());
    report("one by one", wait_sequentially);
    report("threads", wait_on_threads);
    report("async tasks", wait_as_tasks);
    println!("{JOBS} counts of the primes below {BOUND}:");
    let alone = report("one by one", compute_sequentially);
    let threaded = report("threads", compute_on_threads);
    let tasks = report("async tasks", compute_as_tasks);
    println!(
        "computing: threads {:.2}x as fast as one by one, tasks {:.2}x",
        alone / threaded,
        alone / tasks
    );
    ExitCode::SUCCESS
}
