//! Bridging synchronous and async code: a runtime kept in a struct behind a blocking API,
//! `Handle::block_on` from a thread outside the runtime, `block_in_place` inside it, the
//! panic of a runtime started inside a runtime, and what a runtime's shutdown does to its
//! tasks and to its `spawn_blocking` closures.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::time::sleep;

const USAGE: &str = "\
usage: ch10_bridge

Calls async code from synchronous code in two ways, runs blocking code inside a task with
block_in_place, shows the panic of block_on called on a runtime's own thread, and shuts two
runtimes down, one by dropping it and one with a timeout, printing what happened to their
tasks.
";

// ANCHOR: struct
/// A synchronous API over async code: the struct owns a runtime, and each method blocks
/// the calling thread on it. Callers never see a future.
struct Client {
    runtime: Runtime,
}

impl Client {
    fn new() -> std::io::Result<Client> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        Ok(Client { runtime })
    }

    /// An ordinary blocking method, for callers without a runtime.
    fn double(&self, n: u64) -> u64 {
        self.runtime.block_on(async {
            sleep(Duration::from_millis(10)).await; // stands for a request
            n * 2
        })
    }
}
// ANCHOR_END: struct

fn count_primes(below: u64) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

// ANCHOR: bridge
fn bridge() -> std::io::Result<()> {
    let client = Client::new()?;
    println!(
        "a method over a runtime kept in a struct: {}",
        client.double(21)
    );

    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // A plain thread, outside the runtime, runs a future on it through a Handle.
    let handle = runtime.handle().clone();
    let from_thread = std::thread::spawn(move || {
        handle.block_on(async {
            sleep(Duration::from_millis(10)).await;
            42 * 2
        })
    });
    let answer = from_thread.join().expect("the thread panicked");
    println!("a plain thread, through Handle::block_on: {answer}");

    runtime.block_on(async {
        // Blocking code inside a task: this worker hands its other tasks to another worker
        // and becomes a blocking thread until the closure returns (multi-threaded only).
        let task = tokio::spawn(async { tokio::task::block_in_place(|| count_primes(100_000)) });
        let primes = task.await.expect("the task panicked");
        println!("block_in_place: {primes} primes below 100000, counted on the worker itself");

        // block_on on a thread that is already running the runtime's tasks panics.
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let nested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Handle::current().block_on(async {})
        }));
        std::panic::set_hook(quiet);
        let message = nested
            .err()
            .and_then(|payload| match payload.downcast::<String>() {
                Ok(text) => Some(*text),
                Err(payload) => payload.downcast::<&str>().ok().map(|text| text.to_string()),
            });
        match message.as_deref().and_then(|m| m.split(". ").next()) {
            Some(first) => println!("block_on inside the runtime panicked: {first}"),
            None => println!("block_on inside the runtime did not panic (unexpected)"),
        }
    });
    Ok(())
}
// ANCHOR_END: bridge

// ANCHOR: shutdown
/// Prints when the future that owns it is dropped.
struct Dropped(&'static str);

impl Drop for Dropped {
    fn drop(&mut self) {
        println!("  {}: its future was dropped, and only Drop ran", self.0);
    }
}

fn shutdown() -> std::io::Result<()> {
    let runtime = Builder::new_multi_thread().enable_all().build()?;
    let (started, asleep) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        let _guard = Dropped("a task asleep for an hour");
        let _ = started.send(()); // the guard exists: the task has been polled
        sleep(Duration::from_secs(3600)).await;
        println!("  the task woke (never printed)");
    });
    // Wait until the task has started, so that the runtime drops a running task, not one
    // it has never polled (an unpolled async block has no guard yet).
    let _ = asleep.recv();
    // Stands for blocking work, such as a read from a terminal: it cannot be interrupted.
    runtime.spawn_blocking(|| std::thread::sleep(Duration::from_millis(200)));
    let start = Instant::now();
    drop(runtime);
    println!(
        "  dropping the runtime returned after {:.3} s: it waited for the blocking closure",
        start.elapsed().as_secs_f64()
    );

    let runtime = Builder::new_multi_thread().enable_all().build()?;
    runtime.spawn_blocking(|| std::thread::sleep(Duration::from_millis(200)));
    let start = Instant::now();
    runtime.shutdown_timeout(Duration::from_millis(50));
    println!(
        "  shutdown_timeout returned after {:.3} s, leaving its closure running",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
// ANCHOR_END: shutdown

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let result = bridge().and_then(|()| {
        println!("shutting runtimes down:");
        shutdown()
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
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
