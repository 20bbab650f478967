//! Stopping a spawned task from outside: `abort` drops it at its next `.await`, with no
//! chance to finish its work; a `CancellationToken` asks it to stop, and it stops cleanly.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_util::sync::CancellationToken;

const USAGE: &str = "\
usage: ch10_abort_token

Runs a task that works in 100 ms steps and stops it after 250 ms, first with abort and
then with a CancellationToken, on a paused clock, and prints what ran and when.
";

const STEP: Duration = Duration::from_millis(100);

fn at(start: Instant) -> String {
    format!("{:.3} s", start.elapsed().as_secs_f64())
}

/// Stands for something the task owns: its `Drop` runs however the task ends.
struct Resource {
    start: Instant,
}

impl Drop for Resource {
    fn drop(&mut self) {
        println!("resource released at {}", at(self.start));
    }
}

// ANCHOR: abort
/// Works until it is stopped from outside; it never returns on its own.
async fn work_forever(start: Instant) -> u32 {
    let _resource = Resource { start };
    let mut steps = 0;
    loop {
        sleep(STEP).await;
        steps += 1;
        println!("step {steps} done at {}", at(start));
    }
}

async fn aborted() {
    let start = Instant::now();
    let task = tokio::spawn(work_forever(start));
    sleep(Duration::from_millis(250)).await;
    task.abort();
    // The task ends at the `.await` it is waiting in; its locals are dropped there.
    match task.await {
        Ok(steps) => println!("finished {steps} steps"),
        Err(error) if error.is_cancelled() => println!("aborted at {}", at(start)),
        Err(error) => println!("panicked: {error}"),
    }
}
// ANCHOR_END: abort

// ANCHOR: token
/// Works until the token is cancelled, then tidies up (which may itself `.await`) and
/// returns what it did.
async fn work_until_cancelled(token: CancellationToken, start: Instant) -> u32 {
    let _resource = Resource { start };
    let mut steps = 0;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = sleep(STEP) => {
                steps += 1;
                println!("step {steps} done at {}", at(start));
            }
        }
    }
    println!("cancelled at {}: flushing what is left", at(start));
    sleep(Duration::from_millis(30)).await; // stands for an async clean-up: a last write
    println!("flushed at {}", at(start));
    steps
}

async fn cancelled_by_token() {
    let start = Instant::now();
    let token = CancellationToken::new();
    let task = tokio::spawn(work_until_cancelled(token.clone(), start));
    sleep(Duration::from_millis(250)).await;
    token.cancel();
    let steps = task.await.expect("the task panicked");
    println!(
        "the task stopped cleanly after {steps} steps, at {}",
        at(start)
    );
}
// ANCHOR_END: token

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("with abort:");
    aborted().await;
    println!("with a CancellationToken:");
    cancelled_by_token().await;
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
