//! A stress test for the smallest lost update: two threads, one split increment each,
//! released together by a barrier, over and over. First as written, counting the rounds
//! that lost an update and measuring how far apart the barrier lets the threads go and how
//! long each load-to-store window lasts; then amplified, with a pause between the load and
//! the store (work that keeps the core, or a sleep that gives it up), counting the rounds it
//! takes to fail. The sleep is timed first, and one busy pause is made as long as it lasted,
//! so that the two kinds of pause are compared at the same length.

use std::process::{self, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch14_stress

Two threads each add one to a shared counter with a separate atomic load and store,
starting together, in each of 100000 rounds: prints in what share of the rounds the
counter ended at 1 instead of 2, how far apart the threads started and how long each
one's load-to-store window lasted. Then it times a 20 us sleep (the median of 101), and
runs the same test with a pause between each load and its store: 5 us of busy work, busy
work as long as the sleep lasted, and the 20 us sleep: 20 runs of each, until the first
lost update, and how many rounds that took.
";

const ROUNDS: u64 = 100_000;
/// A short busy pause between load and store, of the order of the gap between the two
/// threads' starts (which the program measures and prints): the windows can overlap only in
/// the rounds whose gap is shorter than the pause.
const BUSY: Duration = Duration::from_micros(5);
/// The sleep between load and store. A sleep lasts longer than it asks (the kernel's timer
/// slack, the wake-up), so the program times it and makes a second busy pause as long as
/// the sleep really lasted.
const SLEEP: Duration = Duration::from_micros(20);
/// How many sleeps are timed; their median sets that busy pause.
const SLEEP_SAMPLES: usize = 101;
const RUNS: usize = 20;
/// An amplified run gives up after this many rounds without a lost update.
const MAX_ROUNDS: u64 = 10_000;

/// Starts a scoped thread, or ends the program with one line if the OS refuses one:
/// the threads already started would wait at the barrier for it forever.
fn spawn_or_exit<'scope, T: Send + 'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> thread::ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|err| {
            eprintln!("error: starting a thread: {err}");
            process::exit(1)
        })
}

// ANCHOR: stress
/// What a stress run saw.
struct Outcome {
    /// Rounds that ended below 2, and the first of them (counting from 1).
    lost: u64,
    first_lost: Option<u64>,
    /// How far apart the two threads left the barrier, one entry a round.
    start_gaps: Vec<Duration>,
    /// How long each thread took from its load to its store, two entries a round.
    windows: Vec<Duration>,
}

/// What each thread does between its load and its store.
#[derive(Clone, Copy)]
enum Pause {
    None,
    /// Work that keeps the core, as computing the new value would.
    Busy(Duration),
    /// A sleep, which gives the core up, as waiting for I/O would.
    Sleep(Duration),
}

/// Up to `rounds` rounds of two split increments; with `stop_at_first`, ends after the first
/// round that lost an update.
fn stress(rounds: u64, pause: Pause, stop_at_first: bool) -> Outcome {
    let counter = AtomicU64::new(0);
    // The two threads and this one meet here before and after every round.
    let barrier = Barrier::new(3);
    let stop = AtomicBool::new(false);
    let mut outcome = Outcome {
        lost: 0,
        first_lost: None,
        start_gaps: Vec::new(),
        windows: Vec::new(),
    };
    thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                spawn_or_exit(s, || {
                    let (mut starts, mut windows) = (Vec::new(), Vec::new());
                    loop {
                        barrier.wait(); // go, or stop
                        if stop.load(Ordering::Relaxed) {
                            return (starts, windows);
                        }
                        let start = Instant::now();
                        let seen = counter.load(Ordering::Relaxed);
                        match pause {
                            Pause::None => {}
                            Pause::Busy(how_long) => busy_for(how_long),
                            Pause::Sleep(how_long) => thread::sleep(how_long),
                        }
                        counter.store(seen + 1, Ordering::Relaxed);
                        // Timed after the store, so the clock does not widen the window.
                        windows.push(start.elapsed());
                        starts.push(start);
                        barrier.wait(); // stored
                    }
                })
            })
            .collect();
        for round in 1..=rounds {
            counter.store(0, Ordering::Relaxed);
            barrier.wait(); // go
            barrier.wait(); // both have stored
            if counter.load(Ordering::Relaxed) != 2 {
                outcome.lost += 1;
                outcome.first_lost.get_or_insert(round);
                if stop_at_first {
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        barrier.wait(); // the workers see `stop` and end
        let seen: Vec<(Vec<Instant>, Vec<Duration>)> =
            workers.into_iter().map(|w| w.join().unwrap()).collect();
        outcome.start_gaps = seen[0]
            .0
            .iter()
            .zip(&seen[1].0)
            .map(|(&a, &b)| a.max(b) - a.min(b))
            .collect();
        outcome.windows = seen.into_iter().flat_map(|(_, windows)| windows).collect();
    });
    outcome
}

/// Work that takes `how_long` and keeps the core: it stands for computing the new value.
fn busy_for(how_long: Duration) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        std::hint::spin_loop();
    }
}
// ANCHOR_END: stress

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The median of a set of durations, in microseconds.
fn median_us(durations: &[Duration]) -> f64 {
    let mut us: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    if us.is_empty() {
        0.0
    } else {
        median(&us)
    }
}

/// How long `thread::sleep(asked)` really lasts on this machine: the median of
/// `SLEEP_SAMPLES` sleeps, timed on this thread alone.
fn sleep_lasts(asked: Duration) -> Duration {
    let mut lasted: Vec<Duration> = (0..SLEEP_SAMPLES)
        .map(|_| {
            let start = Instant::now();
            thread::sleep(asked);
            start.elapsed()
        })
        .collect();
    lasted.sort();
    lasted[SLEEP_SAMPLES / 2]
}

/// Prints how far apart the threads started and how long their windows lasted.
fn print_timing(gaps: &[Duration], windows: &[Duration]) {
    println!(
        "  the threads started {:.2} us apart; load to store took {:.3} us (medians)",
        median_us(gaps),
        median_us(windows)
    );
}

/// `RUNS` runs of the stress test with `pause`, each until its first lost update (a run that
/// finds none in `MAX_ROUNDS` counts as `MAX_ROUNDS`).
fn amplified(name: &str, pause: Pause) {
    let mut to_failure = Vec::new();
    let mut found_none = 0;
    let (mut gaps, mut windows) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let outcome = stress(MAX_ROUNDS, pause, true);
        gaps.extend(outcome.start_gaps);
        windows.extend(outcome.windows);
        to_failure.push(outcome.first_lost.unwrap_or_else(|| {
            found_none += 1;
            MAX_ROUNDS
        }) as f64);
    }
    to_failure.sort_by(f64::total_cmp);
    let mean = to_failure.iter().sum::<f64>() / RUNS as f64;
    // How many rounds it takes depends on the scheduler and the machine, run to run.
    println!("{name}, {RUNS} runs until the first lost update:");
    println!(
        "  rounds it took: median {:.1}, mean {:.1}, most {:.1}; \
         runs that found none in {MAX_ROUNDS}: {:.1}%",
        median(&to_failure),
        mean,
        to_failure[RUNS - 1],
        100.0 * found_none as f64 / RUNS as f64
    );
    print_timing(&gaps, &windows);
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );

    let plain = stress(ROUNDS, Pause::None, false);
    // How many rounds lose depends on the scheduler, run to run.
    println!(
        "as written, {ROUNDS} rounds: an update was lost in {:.3}% of them",
        100.0 * plain.lost as f64 / ROUNDS as f64
    );
    print_timing(&plain.start_gaps, &plain.windows);

    let slept = sleep_lasts(SLEEP);
    println!(
        "thread::sleep({:.1} us) lasted {:.2} us (median of {SLEEP_SAMPLES}, one thread alone)",
        SLEEP.as_secs_f64() * 1e6,
        slept.as_secs_f64() * 1e6
    );
    // Busy work about as long as the start gap, busy work as long as the sleep really lasts,
    // and the sleep: the last two differ only in whether the thread keeps its core.
    amplified(&pause_name("busy work", BUSY), Pause::Busy(BUSY));
    amplified(
        &pause_name("busy work as long as the sleep lasted", slept),
        Pause::Busy(slept),
    );
    amplified(&pause_name("a sleep", SLEEP), Pause::Sleep(SLEEP));
    ExitCode::SUCCESS
}

fn pause_name(what: &str, how_long: Duration) -> String {
    format!(
        "{what}, {:.1} us, between load and store",
        how_long.as_secs_f64() * 1e6
    )
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
