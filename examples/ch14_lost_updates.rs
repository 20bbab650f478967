//! A counter that no data race can touch, and that still loses updates: each thread
//! increments an `AtomicU64` with a separate `load` and `store`. Counts the lost updates
//! over many trials, then does the same with `fetch_add` and with a `Mutex`, and measures
//! what each increment costs.

use std::hint::black_box;
use std::process::{self, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch14_lost_updates

Four threads increment one shared counter for 50 ms, in 10 trials, three ways: an
atomic load followed by an atomic store, fetch_add, and a Mutex. Each thread counts its
own increments. Prints how many updates each way lost, as shares of the increments,
and how many increments per second the threads made together (best of 3 timed runs of
1 s each: a throughput needs a run of seconds, not milliseconds).
";

const THREADS: usize = 4;
/// How long the threads of one trial increment the counter.
const RUN: Duration = Duration::from_millis(50);
const TRIALS: usize = 10;
const TIMED_RUNS: usize = 3;
/// How long each timed run lasts: long enough that a throughput is not one scheduler
/// time slice's luck.
const TIMED_RUN: Duration = Duration::from_secs(1);

/// The three ways to add one to a shared counter.
trait Counter: Sync {
    fn new() -> Self;
    fn increment(&self);
    fn get(&self) -> u64;
}

// ANCHOR: split
/// Every access is atomic, so there is no data race; but the increment is two
/// operations, and another thread can store between them.
struct SplitCounter(AtomicU64);

impl Counter for SplitCounter {
    fn new() -> Self {
        SplitCounter(AtomicU64::new(0))
    }
    fn increment(&self) {
        let seen = self.0.load(Ordering::Relaxed);
        // Another thread's store here is overwritten by ours: its update is lost.
        self.0.store(seen + 1, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: split

// ANCHOR: fixes
/// One read-modify-write instruction: no store can come between the read and the write.
struct FetchAddCounter(AtomicU64);

impl Counter for FetchAddCounter {
    fn new() -> Self {
        FetchAddCounter(AtomicU64::new(0))
    }
    fn increment(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The read and the write in one critical section: the lock keeps other threads out.
struct MutexCounter(Mutex<u64>);

impl Counter for MutexCounter {
    fn new() -> Self {
        MutexCounter(Mutex::new(0))
    }
    fn increment(&self) {
        *self.0.lock().unwrap() += 1;
    }
    fn get(&self) -> u64 {
        *self.0.lock().unwrap()
    }
}
// ANCHOR_END: fixes

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

// ANCHOR: trial
/// One trial: the threads start together and increment the counter until the main
/// thread stops them, `run` later. Each counts its own increments, so the counter
/// should end at their sum. Returns the increments done, how many of them the counter
/// lost, and how long the threads ran.
fn trial<C: Counter>(run: Duration) -> (u64, u64, Duration) {
    let counter = C::new();
    let stop = AtomicBool::new(false);
    let start_line = Barrier::new(THREADS + 1);
    let (done, ran) = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                spawn_or_exit(s, || {
                    start_line.wait();
                    let mut mine = 0_u64;
                    while !stop.load(Ordering::Relaxed) {
                        // black_box hides from the optimiser that every pass uses the
                        // same counter; without it, it may merge a run of relaxed loads
                        // and stores into fewer, larger ones.
                        black_box(&counter).increment();
                        mine += 1;
                    }
                    mine
                })
            })
            .collect();
        start_line.wait();
        let start = Instant::now();
        // Not synchronisation: the length of the run. The threads stop when they see
        // the flag, however late that is.
        thread::sleep(run);
        stop.store(true, Ordering::Relaxed);
        let done: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        (done, start.elapsed())
    });
    (done, done - counter.get(), ran)
}
// ANCHOR_END: trial

/// The median of a sorted list: with an even count, the mean of the two middle values.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// `racy`: the counter can lose updates, and how many it loses is a measurement.
fn report<C: Counter>(name: &str, racy: bool) -> f64 {
    let mut lost: Vec<f64> = Vec::new();
    let mut losing = 0;
    for _ in 0..TRIALS {
        let (done, missing, _) = trial::<C>(RUN);
        if missing > 0 {
            losing += 1;
        }
        lost.push(100.0 * missing as f64 / done as f64);
    }
    lost.sort_by(f64::total_cmp);
    if !racy {
        // A correct counter loses none, in every run; any other count is a bug.
        println!("{name}: lost updates in {losing} of {TRIALS} trials");
    } else {
        // How many are lost changes from run to run; shares of the increments show it.
        println!(
            "{name}: lost updates in {:.1}% of trials; lost per trial: fewest {:.2}%, median {:.2}%, most {:.2}%",
            100.0 * losing as f64 / TRIALS as f64,
            lost[0],
            median(&lost),
            lost[TRIALS - 1],
        );
    }
    // Throughput: increments per second of all the threads together, best of the runs.
    (0..TIMED_RUNS)
        .map(|_| {
            let (done, _, ran) = trial::<C>(TIMED_RUN);
            done as f64 / ran.as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{THREADS} threads, {} ms per trial, {TRIALS} trials",
        RUN.as_millis()
    );
    let rates = [
        (
            "load, then store",
            report::<SplitCounter>("load, then store", true),
        ),
        ("fetch_add", report::<FetchAddCounter>("fetch_add", false)),
        ("Mutex", report::<MutexCounter>("Mutex", false)),
    ];
    println!(
        "increments per second, all {THREADS} threads together (best of {TIMED_RUNS} runs of {} ms):",
        TIMED_RUN.as_millis()
    );
    for (name, rate) in rates {
        println!("  {name:<17} {:>8.1} million", rate / 1e6);
    }
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
