//! A periodic job on a tokio interval whose third run overruns, under each of tokio's three
//! `MissedTickBehavior`s, on the paused clock; the same job spawned at each tick, at most N
//! at once (APScheduler's `max_instances`); then a job with a deadline, and jobs moved off
//! the runtime to a thread and to a process.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::{self, Instant, MissedTickBehavior};

const USAGE: &str = "\
usage: ch19_scheduling

Runs a job every 100 ms for 1 s of tokio's clock (paused, so no real waiting); the third
run takes 250 ms. Prints when each run started under Burst, Delay and Skip, and when the
job is spawned at each tick with at most 3 or 1 runs at once; then the original's
example3 scaled down (a 400 ms job every 300 ms). Then runs a job with a deadline, a
CPU-bound job on a blocking thread and a job in a child process.
";

/// How long run `n` (from 1) of the periodic job takes: the third overruns.
pub fn job_ms(n: usize) -> u64 {
    if n == 3 {
        250
    } else {
        10
    }
}

// ANCHOR: ticks
/// Starts a job every 100 ms until 1000 ms, awaiting each run; run `n` takes `job_ms(n)`.
/// Returns when each run started and ended, in ms since the first tick.
pub async fn run_periodic(behavior: MissedTickBehavior) -> Vec<(u128, u128)> {
    let start = Instant::now();
    let mut interval = time::interval(Duration::from_millis(100));
    interval.set_missed_tick_behavior(behavior);
    let mut runs = Vec::new();
    loop {
        interval.tick().await;
        let at = start.elapsed();
        if at >= Duration::from_millis(1000) {
            return runs;
        }
        time::sleep(Duration::from_millis(job_ms(runs.len() + 1))).await; // the job
        runs.push((at.as_millis(), start.elapsed().as_millis()));
    }
}
// ANCHOR_END: ticks

// ANCHOR: spawned
/// What `run_spawned` saw: each run's start and end (ms), the ticks skipped because
/// `limit` runs were still going, and the most runs that were ever going at once.
pub struct Spawned {
    pub runs: Vec<(u128, u128)>,
    pub skipped: usize,
    pub peak: usize,
}

/// A tick every `period` until `until`; each tick spawns the job as a task of its own, so
/// the loop never waits for it, unless `limit` runs are going: then the tick is skipped,
/// as APScheduler's `max_instances` does. The run started at tick `n` takes `job(n)`.
pub async fn run_spawned(
    period: Duration,
    until: Duration,
    limit: usize,
    job: fn(usize) -> u64,
) -> Spawned {
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(limit));
    let runs = Arc::new(Mutex::new(Vec::new()));
    let going = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (mut skipped, mut tasks) = (0, Vec::new());
    let mut interval = time::interval(period);
    for n in 1.. {
        interval.tick().await;
        let at = start.elapsed();
        if at >= until {
            break;
        }
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            skipped += 1; // "maximum number of running instances reached"
            continue;
        };
        let (runs, going, peak) = (Arc::clone(&runs), Arc::clone(&going), Arc::clone(&peak));
        tasks.push(tokio::spawn(async move {
            peak.fetch_max(going.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            time::sleep(Duration::from_millis(job(n))).await; // the job
            going.fetch_sub(1, Ordering::SeqCst);
            runs.lock()
                .unwrap()
                .push((at.as_millis(), start.elapsed().as_millis()));
            drop(permit); // the next tick may start a run again
        }));
    }
    for task in tasks {
        task.await.expect("the job did not panic");
    }
    let mut runs = std::mem::take(&mut *runs.lock().unwrap());
    runs.sort();
    Spawned {
        runs,
        skipped,
        peak: peak.load(Ordering::SeqCst),
    }
}
// ANCHOR_END: spawned

// ANCHOR: deadline
/// A job that gets `deadline` to finish; one that is late is dropped at its next `.await`.
async fn with_deadline(name: &str, takes: Duration, deadline: Duration) {
    let start = Instant::now();
    match time::timeout(deadline, time::sleep(takes)).await {
        Ok(()) => println!("{name}: done at {} ms", start.elapsed().as_millis()),
        Err(_) => println!(
            "{name}: cancelled at its deadline, {} ms",
            start.elapsed().as_millis()
        ),
    }
}
// ANCHOR_END: deadline

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    paused.block_on(async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let starts: Vec<u128> = run_periodic(behavior).await.iter().map(|r| r.0).collect();
            println!(
                "{:<5} {} runs, started at {starts:?} ms",
                format!("{behavior:?}:"),
                starts.len()
            );
        }
        // ANCHOR: spawned_main
        let (every, second) = (Duration::from_millis(100), Duration::from_millis(1000));
        for limit in [3, 1] {
            let s = run_spawned(every, second, limit, job_ms).await;
            let starts: Vec<u128> = s.runs.iter().map(|r| r.0).collect();
            println!(
                "spawned, at most {limit}: {} runs, started at {starts:?} ms, {} skipped, \
                 at most {} at once",
                starts.len(),
                s.skipped,
                s.peak
            );
        }
        // The original's example3, at a tenth of its times: a 4 s job every 3 s.
        let (every, until) = (Duration::from_millis(300), Duration::from_millis(3000));
        for limit in [3, 1] {
            let s = run_spawned(every, until, limit, |_| 400).await;
            println!(
                "400 ms job every 300 ms, at most {limit}: {} runs, {} skipped, \
                 at most {} at once, last ended at {} ms",
                s.runs.len(),
                s.skipped,
                s.peak,
                s.runs.iter().map(|r| r.1).max().unwrap_or(0)
            );
        }
        // ANCHOR_END: spawned_main
        with_deadline(
            "report",
            Duration::from_millis(300),
            Duration::from_millis(500),
        )
        .await;
        with_deadline(
            "backup",
            Duration::from_millis(900),
            Duration::from_millis(500),
        )
        .await;
    });

    // ANCHOR: off_runtime
    // Real jobs on a real clock: CPU work goes to tokio's blocking threads, a program to a
    // child process; the runtime's own threads stay free for the timers.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let sum = tokio::task::spawn_blocking(|| (1..=5_000_000u64).map(|n| n % 7).sum::<u64>());
        let child = tokio::process::Command::new("sh")
            .args(["-c", "echo rotated logs"])
            .kill_on_drop(true)
            .output();
        let (sum, output) = tokio::join!(sum, time::timeout(Duration::from_secs(10), child));
        println!(
            "blocking thread: sum {}",
            sum.expect("the job did not panic")
        );
        match output {
            Ok(Ok(out)) => print!("child process: {}", String::from_utf8_lossy(&out.stdout)),
            Ok(Err(e)) => println!("child process: could not run sh: {e}"),
            Err(_) => println!("child process: killed at its 10 s deadline"),
        }
    });
    // ANCHOR_END: off_runtime
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
