//! Exercise: eight jobs of 200 ms each, at most three at a time, with a tokio `Semaphore`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::{sleep, Instant};

const USAGE: &str = "\
usage: ch10_ex_limit

Runs eight jobs of 200 ms each as tasks, at most three at a time, on a paused clock, and
prints when each started and finished and how many ever ran at once.
";

// ANCHOR: solution
const JOBS: u32 = 8;
const AT_ONCE: usize = 3;

/// How many jobs are running now, and the most that ever ran at once.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    most: AtomicUsize,
}

async fn job(id: u32, permits: Arc<Semaphore>, running: Arc<Running>, start: Instant) {
    // Waits, without blocking the thread, until one of the permits is free; dropping the
    // permit at the end of the function hands it to the next job in line.
    let _permit = permits
        .acquire()
        .await
        .expect("the semaphore is never closed");
    let now_running = running.now.fetch_add(1, Ordering::Relaxed) + 1;
    running.most.fetch_max(now_running, Ordering::Relaxed);
    println!(
        "job {id} starts at {:.3} s ({now_running} running)",
        start.elapsed().as_secs_f64()
    );
    sleep(Duration::from_millis(200)).await; // stands for a download
    running.now.fetch_sub(1, Ordering::Relaxed);
}

async fn run_all() {
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(AT_ONCE));
    let running = Arc::new(Running::default());
    let tasks: Vec<_> = (1..=JOBS)
        .map(|id| tokio::spawn(job(id, permits.clone(), running.clone(), start)))
        .collect();
    for task in tasks {
        task.await.expect("a job panicked");
    }
    println!(
        "all {JOBS} jobs done at {:.3} s; at most {} ran at once",
        start.elapsed().as_secs_f64(),
        running.most.load(Ordering::Relaxed)
    );
}
// ANCHOR_END: solution

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    run_all().await;
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
