//! A retry policy and a timeout tested on tokio's paused clock: every wait lands on the
//! exact millisecond, in no real time. Then the caveat: real I/O under a paused clock.

use std::cell::RefCell;
use std::future::Future;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::{self, Instant};

const USAGE: &str = "\
usage: ch19_paused_clock

Runs a retry policy (4 attempts, waits of 100, 200 and 400 ms) and a 250 ms timeout on a
runtime whose clock starts paused, printing when each attempt happened on that clock and
how much real time passed. Then reads from a real socket under the paused clock, with
tokio's socket and with std's inside spawn_blocking.
";

// ANCHOR: retry
/// Retry `op` up to `attempts` times, waiting `first`, then twice as long each time.
pub async fn retry<T, E, F, Fut>(attempts: u32, first: Duration, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut wait = first;
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) if attempt == attempts => return Err(e),
            Err(_) => {
                time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
        }
    }
}

/// An operation that fails its first `failures` calls, and notes when each call came,
/// in milliseconds since `start` on tokio's clock.
pub struct Flaky {
    start: Instant,
    failures: usize,
    calls_at_ms: RefCell<Vec<u128>>,
}

impl Flaky {
    pub fn new(failures: usize) -> Flaky {
        Flaky {
            start: Instant::now(),
            failures,
            calls_at_ms: RefCell::default(),
        }
    }

    pub async fn call(&self) -> Result<&'static str, &'static str> {
        let mut calls = self.calls_at_ms.borrow_mut();
        calls.push(self.start.elapsed().as_millis());
        if calls.len() <= self.failures {
            Err("unavailable")
        } else {
            Ok("done")
        }
    }

    pub fn calls_at_ms(&self) -> Vec<u128> {
        self.calls_at_ms.borrow().clone()
    }
}
// ANCHOR_END: retry

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    // What `#[tokio::test(start_paused = true)]` builds: one thread, the clock paused.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let real = std::time::Instant::now();
    let moved = runtime.block_on(async {
        let began = Instant::now();
        let flaky = Flaky::new(3);
        let result = retry(4, Duration::from_millis(100), || flaky.call()).await;
        println!("retry: {result:?}, calls at {:?} ms", flaky.calls_at_ms());

        let flaky = Flaky::new(10);
        let start = Instant::now();
        let policy = retry(10, Duration::from_millis(100), || flaky.call());
        let result = time::timeout(Duration::from_millis(250), policy).await;
        println!(
            "250 ms deadline: {}, at {} ms, calls at {:?} ms",
            if result.is_err() {
                "timed out"
            } else {
                "finished"
            },
            start.elapsed().as_millis(),
            flaky.calls_at_ms()
        );
        began.elapsed()
    });
    println!(
        "tokio's clock moved {} ms; real time passed: {:.1} µs",
        moved.as_millis(),
        real.elapsed().as_secs_f64() * 1e6
    );
    // ANCHOR_END: main

    // ANCHOR: caveat
    // A real server on another thread that answers 50 ms after a connection comes: real
    // time, which the paused clock does not see.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address");
    let server = std::thread::spawn(move || {
        std::thread::scope(|s| {
            for _ in 0..2 {
                // A thread per connection (two of them), each answering after 50 ms.
                if let Ok((mut conn, _)) = listener.accept() {
                    s.spawn(move || {
                        std::thread::sleep(Duration::from_millis(50)); // the server's work
                        let _ = conn.write_all(b"pong");
                        let _ = conn.read(&mut [0; 1]); // until the client hangs up
                    });
                }
            }
        })
    });
    let real = std::time::Instant::now();
    runtime.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connects");
        let start = Instant::now();
        let mut answer = [0; 4];
        let read = time::timeout(Duration::from_secs(5), stream.read_exact(&mut answer)).await;
        println!(
            "real socket, 5 s timeout: {} at {} ms on tokio's clock, after {:.1} µs of real time",
            if read.is_err() {
                "timed out"
            } else {
                "answered"
            },
            start.elapsed().as_millis(),
            real.elapsed().as_secs_f64() * 1e6
        );
    });
    // ANCHOR_END: caveat

    // ANCHOR: blocking
    // The way out tokio documents: while a `spawn_blocking` task runs, the paused clock does
    // not auto-advance, so a read done there is waited for, and the timeout does not fire.
    let real = std::time::Instant::now();
    runtime.block_on(async {
        let start = Instant::now();
        let read = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr)?;
            stream.read_exact(&mut [0; 4])
        });
        let read = time::timeout(Duration::from_secs(5), read).await;
        println!(
            "std socket in spawn_blocking, 5 s timeout: {} at {} ms on tokio's clock, after \
             {:.1} ms of real time",
            match read {
                Ok(Ok(Ok(()))) => "answered",
                Ok(_) => "failed",
                Err(_) => "timed out",
            },
            start.elapsed().as_millis(),
            real.elapsed().as_secs_f64() * 1e3
        );
    });
    server.join().expect("the server thread");
    // ANCHOR_END: blocking
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

// ANCHOR: tests
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn retries_wait_100_then_200_then_400_ms() {
        let flaky = Flaky::new(3);
        let result = retry(4, Duration::from_millis(100), || flaky.call()).await;
        assert_eq!(result, Ok("done"));
        assert_eq!(flaky.calls_at_ms(), [0, 100, 300, 700]);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_attempt() {
        let flaky = Flaky::new(10);
        let start = Instant::now();
        let result = retry(4, Duration::from_millis(100), || flaky.call()).await;
        assert_eq!(result, Err("unavailable"));
        assert_eq!(start.elapsed(), Duration::from_millis(700));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_cuts_the_retries_short() {
        let flaky = Flaky::new(10);
        let start = Instant::now();
        let policy = retry(10, Duration::from_millis(100), || flaky.call());
        let result = time::timeout(Duration::from_millis(250), policy).await;
        assert!(result.is_err(), "the timeout fired");
        assert_eq!(start.elapsed(), Duration::from_millis(250));
        assert_eq!(flaky.calls_at_ms(), [0, 100]);
    }
}
// ANCHOR_END: tests
