//! When a lock must be held across an `.await`: tokio's `Mutex`, whose guard is `Send` and
//! whose `lock` waits asynchronously. Three tasks each write a two-part record to a shared
//! output with a wait between the parts, and no record is ever split.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{sleep, Instant};

const USAGE: &str = "\
usage: ch10_tokio_mutex

Three tasks write two-line records to one shared output behind a tokio Mutex, pausing
between a record's two lines, and print the output. The clock is paused, so the times
are exact.
";

// ANCHOR: record
/// Writes a header and a body that belong together, with a wait (a slow write) between.
async fn write_record(output: Arc<Mutex<Vec<String>>>, name: &'static str, start: Instant) {
    // `lock().await` waits without blocking the thread; the guard may cross `.await`s.
    let mut lines = output.lock().await;
    lines.push(format!(
        "{name}: header at {:.3} s",
        start.elapsed().as_secs_f64()
    ));
    sleep(Duration::from_millis(100)).await;
    lines.push(format!(
        "{name}: body at {:.3} s",
        start.elapsed().as_secs_f64()
    ));
}
// ANCHOR_END: record

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let start = Instant::now();
    let output = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|name| tokio::spawn(write_record(Arc::clone(&output), name, start)))
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }
    for line in output.lock().await.iter() {
        println!("{line}");
    }
    // ANCHOR_END: main
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
