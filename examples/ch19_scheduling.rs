//! A periodic job on a tokio interval whose third run overruns, under each of tokio's three
//! `MissedTickBehavior`s, on the paused clock; then a job with a deadline, and jobs moved
//! off the runtime to a thread and to a process.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::{self, Instant, MissedTickBehavior};

const USAGE: &str = "\
usage: ch19_scheduling

Runs a job every 100 ms for 1 s of tokio's clock (paused, so no real waiting); the third
run takes 250 ms. Prints when each run started under Burst, Delay and Skip. Then runs a
job with a deadline, a CPU-bound job on a blocking thread and a job in a child process.
";

// ANCHOR: ticks
/// Starts a job every 100 ms until 1000 ms; the third run takes 250 ms, the others 10 ms.
/// Returns when each run started, in ms since the first.
async fn run_periodic(behavior: MissedTickBehavior) -> Vec<u128> {
    let start = Instant::now();
    let mut interval = time::interval(Duration::from_millis(100));
    interval.set_missed_tick_behavior(behavior);
    let mut starts = Vec::new();
    loop {
        interval.tick().await;
        let at = start.elapsed();
        if at >= Duration::from_millis(1000) {
            return starts;
        }
        starts.push(at.as_millis());
        let work = if starts.len() == 3 { 250 } else { 10 };
        time::sleep(Duration::from_millis(work)).await; // the job
    }
}
// ANCHOR_END: ticks

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
            let starts = run_periodic(behavior).await;
            println!(
                "{:<5} {} runs, started at {starts:?} ms",
                format!("{behavior:?}:"),
                starts.len()
            );
        }
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
