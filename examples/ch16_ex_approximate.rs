//! Exercise solution: the original's approximate counter. Each thread counts locally and
//! adds its count to the shared one every THRESHOLD increments; a reader samples the shared
//! count while they run.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;

const USAGE: &str = "usage: ch16_ex_approximate
Two threads add 1 a million times each to an approximate counter that publishes every 1000
increments, while a third thread samples it; checks what the samples can and cannot show.
";

const THREADS: u64 = 2;
const INCREMENTS: u64 = 1_000_000;
const THRESHOLD: u64 = 1_000;

// ANCHOR: solution
struct ApproximateCounter {
    global: AtomicU64,
}

impl ApproximateCounter {
    /// Count `n` ones locally, publishing every `THRESHOLD`, and the rest at the end.
    fn add_ones(&self, n: u64) {
        let mut local = 0;
        for _ in 0..n {
            local += 1;
            if local == THRESHOLD {
                self.global.fetch_add(local, Relaxed);
                local = 0;
            }
        }
        self.global.fetch_add(local, Relaxed);
    }

    /// Behind the true count by less than `THRESHOLD` per running thread.
    fn approximate(&self) -> u64 {
        self.global.load(Relaxed)
    }
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let counter = ApproximateCounter {
        global: AtomicU64::new(0),
    };
    let done = AtomicBool::new(false);
    let samples = thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut samples = Vec::new();
            while !done.load(Relaxed) {
                // Keep each value once: a few thousand, however long the workers take.
                let now = counter.approximate();
                if samples.last() != Some(&now) {
                    samples.push(now);
                }
            }
            samples
        });
        // Stops the sampler when dropped: after the workers, or while unwinding if a
        // worker fails to start, so the sampler never spins for ever.
        struct StopSampler<'a>(&'a AtomicBool);
        impl Drop for StopSampler<'_> {
            fn drop(&mut self) {
                self.0.store(true, Relaxed);
            }
        }
        let stop = StopSampler(&done);
        let workers: Vec<_> = (0..THREADS)
            .map(|_| s.spawn(|| counter.add_ones(INCREMENTS)))
            .collect();
        // Join every worker, even after one panicked, then stop the sampler and report.
        let joined: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        let workers_ok = joined.iter().all(Result::is_ok);
        drop(stop);
        let samples = sampler.join();
        samples.ok().filter(|_| workers_ok)
    });
    let Some(samples) = samples else {
        eprintln!("error: a thread panicked");
        return ExitCode::FAILURE;
    };
    let total = THREADS * INCREMENTS;
    // Every fetch_add adds a multiple of THRESHOLD but the last of each thread, and a
    // read of one atomic sees its values in order: the samples never go down.
    let never_down = samples.windows(2).all(|w| w[0] <= w[1]);
    // Each thread's count is a multiple of THRESHOLD, so only a solution that publishes at
    // the wrong moments (or the wrong amounts) can show the reader anything else.
    let whole = samples.iter().all(|&v| v % THRESHOLD == 0);
    // The count takes the values 0, THRESHOLD, 2 * THRESHOLD, ... total.
    let values = total / THRESHOLD + 1;
    let spread = samples.len() as f64 / values as f64;
    println!("final count: {} (expected {total})", counter.approximate());
    println!(
        "samples: {:.1}% of the {values} values the count takes were seen",
        100.0 * spread
    );
    println!("samples never decreased: {never_down}");
    println!("every sample a multiple of {THRESHOLD}: {whole}");
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
