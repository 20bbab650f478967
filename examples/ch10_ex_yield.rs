//! Exercise: CPU-bound work that yields to the runtime every few numbers, so that a ticking
//! task on the same one-thread runtime is never late by more than one chunk's time.

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{interval, Instant, Interval};

const USAGE: &str = "\
usage: ch10_ex_yield

Counts the primes among the 1000 integers from 10^13 in a task on a one-thread runtime
while another task ticks every 10 ms: in one go, then yielding to the runtime after every
20 numbers, then after every number. Prints the work's time and the tick's worst delay.
";

const FIRST: u64 = 10_u64.pow(13);
const COUNT: u64 = 1000;
const TICK: Duration = Duration::from_millis(10);

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

async fn ticker(mut ticks: Interval, mut stop: oneshot::Receiver<()>) -> Duration {
    let mut worst = Duration::ZERO;
    loop {
        tokio::select! {
            // `biased` polls the branches in order: a late tick is counted even when the
            // stop signal is ready too (by default `select!` picks a ready branch at random).
            biased;
            due = ticks.tick() => worst = worst.max(due.elapsed()),
            _ = &mut stop => return worst,
        }
    }
}

// ANCHOR: solution
/// Counts the primes `chunk` numbers at a time, and between chunks gives the worker back
/// to the runtime: after `yield_now`, tokio runs the other ready tasks and checks its
/// timers before it polls this task again, so a ticker whose tick has come due runs first.
async fn count_primes_yielding(chunk: u64) -> usize {
    let mut primes = 0;
    let mut next = FIRST;
    while next < FIRST + COUNT {
        let end = (next + chunk).min(FIRST + COUNT);
        primes += (next..end).filter(|&n| is_prime(n)).count();
        next = end;
        tokio::task::yield_now().await;
    }
    primes
}
// ANCHOR_END: solution

async fn measure(chunk: u64) -> (usize, Duration, Duration) {
    let (stop, stopped) = oneshot::channel();
    let ticking = tokio::spawn(ticker(interval(TICK), stopped));
    let start = Instant::now();
    let primes = tokio::spawn(count_primes_yielding(chunk))
        .await
        .expect("the work panicked");
    let took = start.elapsed();
    stop.send(()).expect("the ticker stopped early");
    (primes, took, ticking.await.expect("the ticker panicked"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    for (label, chunk) in [
        ("in one go", COUNT),
        ("yielding every 20 numbers", 20),
        ("yielding after each number", 1),
    ] {
        let (primes, took, worst) = measure(chunk).await;
        println!(
            "{label:<27} {primes} primes, work took {:.1} ms, worst tick delay {:.1} ms",
            took.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
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

/// `println!` panics when standard output is a pipe whose reader has gone (`| head`);
/// end quietly instead, as command-line tools do.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.contains("Broken pipe"))
        {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
