//! Cancelling a future is dropping it: a timeout or a `select!` that another branch wins
//! drops the future at the `.await` where it waits, and its locals' destructors run there.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::{sleep, timeout, Instant};

const USAGE: &str = "\
usage: ch10_cancel_drop

Drops a future three ways (unpolled, by a timeout, as the losing branch of select!) and
prints, on a paused clock, which of its steps ran and when its destructor did.
";

// ANCHOR: steps
/// Stands for something a future owns and must give back: a file, a connection, a permit.
struct Resource {
    owner: &'static str,
    start: Instant,
}

impl Drop for Resource {
    fn drop(&mut self) {
        let at = self.start.elapsed().as_secs_f64();
        println!("{}: resource released at {at:.3} s", self.owner);
    }
}

/// Five steps, 100 ms apart. Each `.await` is a place where it can be cancelled.
async fn five_steps(name: &'static str, start: Instant) -> u32 {
    let _resource = Resource { owner: name, start };
    for step in 1..=5 {
        println!(
            "{name}: step {step} at {:.3} s",
            start.elapsed().as_secs_f64()
        );
        sleep(Duration::from_millis(100)).await;
    }
    println!("{name}: all five steps done");
    5
}
// ANCHOR_END: steps

// ANCHOR: cancel
async fn cancelled_three_ways() {
    let start = Instant::now();

    // 1. A future does nothing until it is polled: this one never is.
    let never_polled = five_steps("unpolled", start);
    drop(never_polled);
    println!("unpolled: dropped, and not one step ran");

    // 2. `timeout` polls the future until the deadline, then drops it.
    match timeout(Duration::from_millis(250), five_steps("timed out", start)).await {
        Ok(steps) => println!("timed out: finished {steps} steps in time"),
        Err(_) => println!(
            "timed out: gave up at {:.3} s",
            start.elapsed().as_secs_f64()
        ),
    }

    // 3. `select!` polls both branches; when one completes, the other is dropped.
    let start = Instant::now();
    tokio::select! {
        steps = five_steps("loser", start) => println!("loser won after {steps} steps"),
        _ = sleep(Duration::from_millis(150)) => {
            println!("winner: the 150 ms sleep ended first");
        }
    }
}
// ANCHOR_END: cancel

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    cancelled_three_ways().await;
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
