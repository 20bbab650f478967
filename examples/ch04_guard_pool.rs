//! A worker pool whose workers take jobs from one `Mutex<Receiver<Job>>`, written three
//! ways. Two hold the lock while the job runs, and serialise the workers; one drops
//! the guard before running the job. Throughput measured at 1, 2 and 4 workers.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch04_guard_pool

Runs 48 CPU-bound jobs on pools of 1, 2 and 4 workers that take jobs from one
Mutex<Receiver<Job>>, written three ways, and prints the throughput of each.
";

const JOBS: u64 = 48;
// Each job adds up the Collatz steps of this many numbers: a few milliseconds of work.
const NUMBERS_PER_JOB: u64 = 20_000;
const WORKER_COUNTS: [usize; 3] = [1, 2, 4];
// The best of several rounds keeps out the rounds that other programs slowed down.
const ROUNDS: usize = 3;

type Job = Box<dyn FnOnce() + Send>;

// ANCHOR: spellings
/// Wrong: the guard is a temporary in the `while let` scrutinee, which lives until
/// the end of the loop body, so the lock is held while the job runs.
fn worker_while_let(queue: &Mutex<Receiver<Job>>) {
    while let Ok(job) = queue.lock().unwrap().recv() {
        job();
    }
}

/// Wrong in the same way: a `match` scrutinee's temporaries live until the end of
/// the whole `match`, arms included. (Clippy suggests `while let` here: the same bug.)
#[allow(clippy::while_let_loop)]
fn worker_match(queue: &Mutex<Receiver<Job>>) {
    loop {
        match queue.lock().unwrap().recv() {
            Ok(job) => job(),
            Err(_) => break,
        }
    }
}

/// Right: the guard is a temporary of a `let` statement, dropped at its semicolon,
/// before the job runs.
fn worker_let(queue: &Mutex<Receiver<Job>>) {
    loop {
        let Ok(job) = queue.lock().unwrap().recv() else {
            break;
        };
        job();
    }
}
// ANCHOR_END: spellings

/// A worker's loop: takes jobs from the shared queue until it is empty and closed.
type Worker = fn(&Mutex<Receiver<Job>>);

const SPELLINGS: [(&str, Worker); 3] = [
    ("while let", worker_while_let),
    ("match", worker_match),
    ("let", worker_let),
];

// ANCHOR: run
/// Queues every job, then times `workers` threads draining the queue with `worker`.
fn run_pool(worker: Worker, workers: usize, total: &Arc<AtomicU64>) -> Duration {
    let (sender, receiver) = mpsc::channel::<Job>();
    for job in 0..JOBS {
        let total = Arc::clone(total);
        sender
            .send(Box::new(move || {
                total.fetch_add(collatz_steps(job * NUMBERS_PER_JOB), Ordering::Relaxed);
            }))
            .expect("the receiver is still here");
    }
    // No more jobs: once the queue is empty, `recv` returns an error and workers stop.
    drop(sender);
    let queue = Mutex::new(receiver);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| worker(&queue));
        }
    });
    start.elapsed()
}
// ANCHOR_END: run

/// CPU-bound work: the total number of Collatz steps from each of
/// `first..first + NUMBERS_PER_JOB` down to 1.
fn collatz_steps(first: u64) -> u64 {
    let mut steps = 0;
    for start in first.max(1)..first + NUMBERS_PER_JOB {
        let mut n = start;
        while n != 1 {
            n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
            steps += 1;
        }
    }
    steps
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cpus} CPUs available to this process");
    println!("{JOBS} CPU-bound jobs, best of {ROUNDS} rounds, in jobs per second");
    // The shortest time of each pool. Each round runs every pool once, in turn, so that
    // a burst of other work on the machine slows one round of each pool rather than
    // every round of one.
    let mut best = vec![vec![Duration::MAX; SPELLINGS.len()]; WORKER_COUNTS.len()];
    let mut totals = Vec::new();
    for _ in 0..ROUNDS {
        for (row, &workers) in WORKER_COUNTS.iter().enumerate() {
            for (column, (_, worker)) in SPELLINGS.into_iter().enumerate() {
                let total = Arc::new(AtomicU64::new(0));
                best[row][column] = best[row][column].min(run_pool(worker, workers, &total));
                totals.push(total.load(Ordering::Relaxed));
            }
        }
    }
    let throughput = |row: usize, column: usize| JOBS as f64 / best[row][column].as_secs_f64();

    print!("{:>7}", "workers");
    for (name, _) in SPELLINGS {
        print!("{name:>11}");
    }
    println!();
    for (row, workers) in WORKER_COUNTS.iter().enumerate() {
        print!("{workers:>7}");
        for column in 0..SPELLINGS.len() {
            print!("{:>11.1}", throughput(row, column));
        }
        println!();
    }
    totals.dedup();
    match totals.as_slice() {
        [total] => println!("every round computed the same total: {total} steps"),
        _ => {
            eprintln!("error: the rounds disagree: {totals:?}");
            return ExitCode::FAILURE;
        }
    }
    let two = WORKER_COUNTS
        .iter()
        .position(|&w| w == 2)
        .expect("2 is measured");
    let speedup = throughput(two, 2) / throughput(two, 0);
    println!("let over while let at 2 workers: {speedup:.2}x");
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
