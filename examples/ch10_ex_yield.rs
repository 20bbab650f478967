//! Exercise: CPU-bound work that yields to the runtime every few numbers, so that a ticking
//! task on the same one-thread runtime is never late by more than one chunk's time.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;
use tokio::sync::oneshot;
use tokio::time::{interval, Interval};

const USAGE: &str = "\
usage: ch10_ex_yield

Counts the primes among the 1000 integers from 10^13 in a task on a one-thread runtime
while another task ticks every 10 ms: in one go, then yielding to the runtime after every
20 numbers, then after every number; 10 runs of each. Prints the longest stretch of work
between two yields, in the thread's CPU time and in wall-clock time, and the median and the
largest of the runs' worst tick delays.
";

const RUNS: usize = 10;

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
/// to the runtime. In current tokio, after `yield_now` the runtime runs the other ready
/// tasks and checks its timers before it polls this task again, so a ticker whose tick has
/// come due runs first; `yield_now`'s documentation does not promise it. Returns the count
/// and the longest stretch of work between two yields, in CPU time (the work itself) and in
/// wall-clock time (the work plus any time the operating system ran another thread).
async fn count_primes_yielding(chunk: u64) -> (usize, Stretch) {
    let mut primes = 0;
    let mut longest = Stretch::default();
    let mut next = FIRST;
    while next < FIRST + COUNT {
        let end = (next + chunk).min(FIRST + COUNT);
        {
            // A thread's clock stays on its thread: it must not live across the `.await`.
            let (cpu, wall) = (ThreadTime::now(), Instant::now());
            primes += (next..end).filter(|&n| is_prime(n)).count();
            longest = longest.max(Stretch {
                cpu: cpu.elapsed(),
                wall: wall.elapsed(),
            });
        }
        next = end;
        tokio::task::yield_now().await;
    }
    (primes, longest)
}

/// The longest stretch seen, each clock on its own.
#[derive(Clone, Copy, Default)]
struct Stretch {
    cpu: Duration,
    wall: Duration,
}

impl Stretch {
    fn max(self, other: Stretch) -> Stretch {
        Stretch {
            cpu: self.cpu.max(other.cpu),
            wall: self.wall.max(other.wall),
        }
    }
}
// ANCHOR_END: solution

/// One run: the count and, beside it, the ticker. Returns the count, the longest stretch
/// between two yields, and the ticker's worst delay.
async fn measure(chunk: u64) -> (usize, Stretch, Duration) {
    let (stop, stopped) = oneshot::channel();
    let ticking = tokio::spawn(ticker(interval(TICK), stopped));
    let (primes, longest) = tokio::spawn(count_primes_yielding(chunk))
        .await
        .expect("the work panicked");
    stop.send(()).expect("the ticker stopped early");
    (primes, longest, ticking.await.expect("the ticker panicked"))
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
        let (mut primes, mut longest, mut worst) = (0, Stretch::default(), Vec::new());
        for _ in 0..RUNS {
            let (count, stretch, delay) = measure(chunk).await;
            (primes, longest) = (count, longest.max(stretch));
            worst.push(delay);
        }
        worst.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{label:<27} {primes} primes; longest stretch between yields {:.1} ms CPU, \
             {:.1} ms wall; worst tick delay: median {:.1} ms, largest {:.1} ms",
            ms(longest.cpu),
            ms(longest.wall),
            ms(worst[RUNS / 2]),
            ms(worst[RUNS - 1])
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
