//! The pieces of a tokio program: the runtime `#[tokio::main]` starts, tasks spawned on it
//! and their handles, a `JoinSet` of tasks, and `join!` for futures inside one task.

use std::process::ExitCode;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{sleep, Instant};

const USAGE: &str = "\
usage: ch10_runtime

Starts the multi-threaded runtime and shows its parts at work: a spawned task and its
JoinHandle, a task that panics, a JoinSet of prime-counting tasks, and join!.
";

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned()
}

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

// ANCHOR: main
#[tokio::main] // builds the multi-threaded runtime and runs this body on it with block_on
async fn main() -> ExitCode {
    // ANCHOR_END: main
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    println!("machine: {workers} worker threads");
    println!("main's future runs on thread {}", thread_name());

    // A spawned task runs on a worker thread; its handle is a future of its result.
    let handle = tokio::spawn(async { format!("the task ran on thread {}", thread_name()) });
    println!("{}", handle.await.expect("the task panicked"));

    // A panic ends its own task only, and comes back as an error from the handle.
    // (The report is silenced while it happens: main prints the panic below.)
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let failing = tokio::spawn(async { panic!("no answer today") });
    let error = failing.await.expect_err("the task should have panicked");
    std::panic::set_hook(report);
    if error.is_panic() {
        let payload = error.into_panic();
        let message = payload.downcast_ref::<&str>().unwrap_or(&"(not a string)");
        println!("the failing task's handle returned its panic: {message}");
    }
    // ANCHOR_END: main

    // ANCHOR: joinset
    // A JoinSet owns many tasks and yields their results as they finish.
    let mut tasks = JoinSet::new();
    for block in 0..4u64 {
        tasks.spawn(async move {
            let range = block * 25_000..(block + 1) * 25_000;
            range.filter(|&n| is_prime(n)).count()
        });
    }
    let mut total = 0;
    while let Some(result) = tasks.join_next().await {
        total += result.expect("a counting task panicked");
    }
    println!("primes below 100000, counted by 4 tasks: {total}");
    // ANCHOR_END: joinset

    // ANCHOR: join
    // join! polls both futures in this one task, so their waits overlap: no spawn needed.
    let start = Instant::now();
    let ((), ()) = tokio::join!(
        sleep(Duration::from_millis(100)),
        sleep(Duration::from_millis(200))
    );
    println!(
        "join! of a 100 ms and a 200 ms sleep took {:.3} s",
        start.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: join

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
