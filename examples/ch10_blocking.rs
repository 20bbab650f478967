//! A CPU-bound prime check blocks the runtime's only worker, and a ticking task on it is
//! late by as long as the check runs; `spawn_blocking` and rayon move the check elsewhere.

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{interval, Instant, Interval};

const USAGE: &str = "\
usage: ch10_blocking [COUNT]

Counts the primes among the COUNT integers from 10^13 (default 1000) while a task ticks
every 10 ms on the same one-thread runtime, and prints how late the worst tick was: with
no work, with the work inline in a task, in spawn_blocking, and on rayon's pool with a
oneshot channel back. Then it prints what one hand-off of an empty job costs each way.
";

const FIRST: u64 = 10_u64.pow(13);
const MOST: u64 = 100_000;
const TICK: Duration = Duration::from_millis(10);
const EMPTY_JOBS: u32 = 2_000;

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

/// The CPU-bound work: no `.await` anywhere inside, so nothing can interrupt it.
fn count_primes(count: u64) -> usize {
    (FIRST..FIRST + count).filter(|&n| is_prime(n)).count()
}

// ANCHOR: ticker
/// Ticks every 10 ms until `stop` fires, and returns the worst delay of any tick.
/// `tick()` returns the instant the tick was due, so `due.elapsed()` is its delay.
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
// ANCHOR_END: ticker

#[derive(Clone, Copy)]
enum Way {
    NoWork,
    Inline,
    SpawnBlocking,
    Rayon,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::NoWork => "no work (a 100 ms sleep)",
            Way::Inline => "inline in a task",
            Way::SpawnBlocking => "spawn_blocking",
            Way::Rayon => "rayon + oneshot",
        }
    }
}

// ANCHOR: ways
/// Runs the work one way while the ticker runs; returns (primes, work time, worst delay).
async fn measure(way: Way, count: u64) -> (usize, Duration, Duration) {
    let (stop, stopped) = oneshot::channel();
    // The ticks are due from now on, whenever the ticker is first polled.
    let ticking = tokio::spawn(ticker(interval(TICK), stopped));
    let start = Instant::now();
    let primes = match way {
        Way::NoWork => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            0
        }
        // A task like any other: while it runs, the worker runs nothing else.
        Way::Inline => tokio::spawn(async move { count_primes(count) })
            .await
            .expect("the work panicked"),
        // A thread of tokio's blocking pool runs it; awaiting the handle does not block.
        Way::SpawnBlocking => tokio::task::spawn_blocking(move || count_primes(count))
            .await
            .expect("the work panicked"),
        // rayon's pool runs it and sends the answer back through a oneshot channel.
        Way::Rayon => {
            let (answer, answered) = oneshot::channel();
            rayon::spawn(move || {
                // The receiver is gone only if the awaiting task was cancelled.
                let _ = answer.send(count_primes(count));
            });
            // A panic in a rayon::spawn job aborts the process, so the sender always sends.
            answered.await.expect("the rayon job did not answer")
        }
    };
    let took = start.elapsed();
    stop.send(()).expect("the ticker stopped early");
    let worst = ticking.await.expect("the ticker panicked");
    (primes, took, worst)
}
// ANCHOR_END: ways

// ANCHOR: handoff
/// What handing an empty job over and getting its answer back costs, per job.
async fn hand_off_cost(way: Way) -> Duration {
    let start = Instant::now();
    for job in 0..EMPTY_JOBS {
        let answer = match way {
            Way::SpawnBlocking => tokio::task::spawn_blocking(move || job).await.unwrap(),
            Way::Rayon => {
                let (answer, answered) = oneshot::channel();
                rayon::spawn(move || {
                    let _ = answer.send(job);
                });
                answered.await.unwrap()
            }
            Way::NoWork | Way::Inline => tokio::spawn(async move { job }).await.unwrap(),
        };
        assert_eq!(answer, job);
    }
    start.elapsed() / EMPTY_JOBS
}
// ANCHOR_END: handoff

fn main() -> ExitCode {
    let count = match count_argument() {
        Ok(count) => count,
        Err(status) => return status,
    };
    // One worker thread, so the ticker and the work share it for certain. On the
    // multi-threaded runtime the same happens to every task queued behind the work.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("cannot start the runtime");
    runtime.block_on(async {
        println!("work: count the primes among the {count} integers from 10^13");
        println!(
            "{:<26} {:>10} {:>18}",
            "way", "work took", "worst tick delay"
        );
        for way in [Way::NoWork, Way::Inline, Way::SpawnBlocking, Way::Rayon] {
            let (primes, took, worst) = measure(way, count).await;
            println!(
                "{:<26} {:>8.1} ms {:>15.1} ms{}",
                way.label(),
                took.as_secs_f64() * 1e3,
                worst.as_secs_f64() * 1e3,
                if primes > 0 {
                    format!("  ({primes} primes)")
                } else {
                    String::new()
                },
            );
        }
        println!("one hand-off of an empty job, there and back:");
        for (label, way) in [
            ("tokio::spawn", Way::Inline),
            ("spawn_blocking", Way::SpawnBlocking),
            ("rayon + oneshot", Way::Rayon),
        ] {
            let cost = hand_off_cost(way).await;
            println!("{label:<16} {:>6.1} µs", cost.as_secs_f64() * 1e6);
        }
    });
    ExitCode::SUCCESS
}

/// The command line: an optional COUNT, or `--help`.
fn count_argument() -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    match args.as_slice() {
        [] => Ok(1000),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [value] => match value.parse::<u64>() {
            Ok(n) if (1..=MOST).contains(&n) => Ok(n),
            _ => Err(fail(&format!(
                "COUNT must be a whole number from 1 to {MOST}, not `{value}`"
            ))),
        },
        [_, extra, ..] => Err(fail(&format!("unexpected argument `{extra}`"))),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
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
