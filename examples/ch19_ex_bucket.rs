//! Exercise: a token bucket that allows a burst of 5 and refills one token every 200 ms,
//! tested on tokio's paused clock: when does each of 8 calls get through?

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::{self, Instant};

const USAGE: &str = "\
usage: ch19_ex_bucket

Eight calls go through a token bucket (burst 5, one token every 200 ms) on a runtime whose
clock starts paused; prints when each got through, in ms on tokio's clock. Then the same
bucket with its refill read from std::time::Instant, the real clock, on the same runtime.
";

// ANCHOR: bucket
pub struct Bucket {
    tokens: f64,
    burst: f64,
    every: Duration,
    last: Instant,
}

impl Bucket {
    pub fn new(burst: u32, every: Duration) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            every,
            last: Instant::now(),
        }
    }

    /// Waits until a token is there, then takes it.
    pub async fn take(&mut self) {
        loop {
            let now = Instant::now();
            let refill = now.duration_since(self.last).as_secs_f64() / self.every.as_secs_f64();
            self.tokens = (self.tokens + refill).min(self.burst);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            time::sleep(self.every.mul_f64(1.0 - self.tokens)).await;
        }
    }
}
// ANCHOR_END: bucket

// ANCHOR: std_bucket
/// The same bucket with its refill read from `std::time::Instant`, the real clock, while
/// its waits are still tokio's sleeps; counts the sleeps.
pub struct StdBucket {
    tokens: f64,
    burst: f64,
    every: Duration,
    last: std::time::Instant,
    pub sleeps: u64,
}

impl StdBucket {
    pub fn new(burst: u32, every: Duration) -> StdBucket {
        StdBucket {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            every,
            last: std::time::Instant::now(),
            sleeps: 0,
        }
    }

    pub async fn take(&mut self) {
        loop {
            let now = std::time::Instant::now();
            let refill = now.duration_since(self.last).as_secs_f64() / self.every.as_secs_f64();
            self.tokens = (self.tokens + refill).min(self.burst);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            self.sleeps += 1;
            time::sleep(self.every.mul_f64(1.0 - self.tokens)).await;
        }
    }
}
// ANCHOR_END: std_bucket

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    // ANCHOR: check
    let times = runtime.block_on(async {
        let start = Instant::now();
        let mut bucket = Bucket::new(5, Duration::from_millis(200));
        let mut times = Vec::new();
        for _ in 0..8 {
            bucket.take().await;
            times.push(start.elapsed().as_millis());
        }
        times
    });
    println!("calls got through at {times:?} ms");
    let expected = [0, 0, 0, 0, 0, 200, 400, 600];
    println!("as designed: {}", times == expected);
    // ANCHOR_END: check

    // The wrong clock: the refill follows real time, the sleeps tokio's paused clock.
    let real = std::time::Instant::now();
    let (hours, sleeps) = runtime.block_on(async {
        let start = Instant::now();
        let mut bucket = StdBucket::new(5, Duration::from_millis(200));
        let mut hours = Vec::new();
        for _ in 0..8 {
            bucket.take().await;
            hours.push(format!("{:.1}", start.elapsed().as_secs_f64() / 3600.0));
        }
        (hours, bucket.sleeps)
    });
    println!(
        "refill from std::time::Instant: calls got through at [{}] hours on tokio's clock, \
         after {:.1}k tokio sleeps and {:.2} s of real time",
        hours.join(", "),
        sleeps as f64 / 1e3,
        real.elapsed().as_secs_f64()
    );
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
