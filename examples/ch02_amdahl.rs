// Chapter 2: Amdahl's law, measured. Checks the 1000 integers from 10^13 for
// primes on pools of 1, 2, ... up to a maximum number of worker threads, and
// compares the speedup it measures with what Amdahl's law predicts from a serial
// fraction estimated from the same runs.
//
// Run it with `cargo run --release --example ch02_amdahl [MAX_WORKERS]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::ThreadPoolBuilder;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli, primes};

const USAGE: &str = "\
Checks the 1000 integers from 10^13 for primes with 1, 2, ... up to MAX_WORKERS
worker threads, and compares the measured speedup with Amdahl's law.

usage: ch02_amdahl [MAX_WORKERS]

  MAX_WORKERS  the most worker threads to try, 1 to 256 (default: the number
               of logical CPUs this process may use)
";

/// Each worker count is measured this many times and the fastest run is kept:
/// other programs on the machine can only slow a run down, never speed it up,
/// so the fastest run is the closest to what the program itself costs.
const REPEATS: usize = 5;

// ANCHOR: run
struct Run {
    /// Starting the pool, checking the integers, and stopping the pool until
    /// its last thread has ended.
    total: Duration,
    /// Checking the integers and collecting the primes, on the pool.
    parallel: Duration,
    primes: Vec<u64>,
}

fn run(workers: usize, numbers: &[u64]) -> Result<Run, rayon::ThreadPoolBuildError> {
    let start = Instant::now();
    // A pool of exactly `workers` threads, started inside the timed region, as
    // the Python original started its process pool inside its timer. Dropping a
    // `ThreadPool` only asks its threads to end; `build_scoped` starts them in a
    // `std::thread::scope` and returns after every one of them has ended, so the
    // run includes the pool's full stop, as the original's `with` block did.
    let (parallel, primes) = ThreadPoolBuilder::new().num_threads(workers).build_scoped(
        |thread| thread.run(),
        |pool| {
            let parallel_start = Instant::now();
            let primes: Vec<u64> = pool.install(|| {
                numbers
                    .par_iter()
                    // One number per task, as the original submitted them. The 34
                    // primes take nearly all the time, so a piece of many numbers
                    // can hold several of them, and a thread that finishes early
                    // has nothing left to take while another works through it.
                    .with_max_len(1)
                    .copied()
                    .filter(|&n| primes::is_prime(n))
                    .collect()
            });
            (parallel_start.elapsed(), primes)
        },
    )?;
    Ok(Run {
        total: start.elapsed(),
        parallel,
        primes,
    })
}
// ANCHOR_END: run

fn fastest_run(workers: usize, numbers: &[u64]) -> Result<Run, rayon::ThreadPoolBuildError> {
    let mut best = run(workers, numbers)?;
    for _ in 1..REPEATS {
        let next = run(workers, numbers)?;
        if next.total < best.total {
            best = next;
        }
    }
    Ok(best)
}

// ANCHOR: estimate
/// One serial fraction for the whole table: the mean Karp-Flatt estimate of the
/// runs with 2 up to `cores` workers, in which every worker had a core of its
/// own, as Amdahl's law assumes. `speedups[i]` is the speedup with `i + 1`
/// workers. `None` when no such run was made.
fn estimate_serial(speedups: &[f64], cores: usize) -> Option<f64> {
    let estimates: Vec<f64> = speedups
        .iter()
        .zip(1..=cores)
        .filter_map(|(&speedup, workers)| amdahl::karp_flatt(speedup, workers as f64))
        .collect();
    if estimates.is_empty() {
        return None;
    }
    Some(estimates.iter().sum::<f64>() / estimates.len() as f64)
}

/// The serial fraction the law is given. A measured estimate can fall outside
/// 0 to 1: below 0 when the runs beat the worker count (noise, or a superlinear
/// effect), above 1 when more workers were slower than one. The law has no
/// meaning there: below 0 its denominator shrinks towards zero as the workers
/// grow, and the prediction would run off to infinity.
fn law_fraction(estimate: f64) -> f64 {
    estimate.clamp(0.0, 1.0)
}
// ANCHOR_END: estimate

/// One row per worker count. Speedups are over the one-worker run, for the
/// whole run, pool start-up included.
fn print_table(runs: &[Run], cores: usize) {
    let one_worker = runs[0].total.as_secs_f64();
    let speedups: Vec<f64> = runs
        .iter()
        .map(|run| one_worker / run.total.as_secs_f64())
        .collect();
    let serial = estimate_serial(&speedups, cores).map(law_fraction);

    println!("workers  total s  parallel s  speedup  efficiency  Karp-Flatt e  Amdahl");
    for (i, (run, &s)) in runs.iter().zip(&speedups).enumerate() {
        let workers = i + 1;
        // The estimate is shown as measured, even below 0: a clamped column would
        // hide the noise that the reader needs to see to judge the others.
        let e = amdahl::karp_flatt(s, workers as f64)
            .map_or_else(|| "-".to_string(), |e| format!("{e:.3}"));
        let predicted = serial.map_or_else(
            || "-".to_string(),
            |b| format!("{:.2}x", amdahl::amdahl_speedup(b, workers as f64)),
        );
        println!(
            "{workers:>7}  {:>7.3}  {:>10.3}  {s:>6.2}x  {:>9.1}%  {e:>12}  {predicted:>6}",
            run.total.as_secs_f64(),
            run.parallel.as_secs_f64(),
            100.0 * s / workers as f64,
        );
    }
    match serial {
        Some(b) => println!(
            "Amdahl: the law with serial fraction {b:.3}, the mean Karp-Flatt e \
             with a core per worker, kept within 0 to 1"
        ),
        None => println!(
            "Amdahl: no estimate, it needs a run with 2 or more workers and a core for each"
        ),
    }
    println!("baseline: 1 worker took {one_worker:.3} s");
}

fn main() -> ExitCode {
    // What this process may use (CPU affinity, container limits): the size of
    // rayon's default pool, and close to what Python's `os.process_cpu_count` reports (which
    // ignores a container's CPU quota).
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The whole machine's physical cores, hyper-threads not counted.
    let physical_cores = num_cpus::get_physical();
    let max_workers = match cli::max_workers(USAGE, available) {
        Ok(n) => n,
        Err(status) => return status,
    };

    // ANCHOR: main
    let numbers: Vec<u64> = (primes::START..primes::START + primes::COUNT).collect();
    let workers = match max_workers {
        1 => "1 worker".to_string(),
        n => format!("1 to {n} workers"),
    };
    println!(
        "checking the {} integers from {} with {workers} (fastest of {REPEATS} runs each)",
        primes::COUNT,
        primes::START
    );

    let mut runs = Vec::new();
    for workers in 1..=max_workers {
        match fastest_run(workers, &numbers) {
            Ok(run) => runs.push(run),
            Err(e) => {
                eprintln!("error: could not start {workers} worker threads: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    // A worker has a core of its own only up to the smaller of the two counts.
    print_table(&runs, physical_cores.min(available));
    // ANCHOR_END: main

    // The work is the same for every worker count, so is its answer.
    let primes = &runs[0].primes;
    if runs.iter().any(|run| run.primes != *primes) {
        eprintln!("error: the worker counts disagree on the primes");
        return ExitCode::FAILURE;
    }
    if let (Some(first), Some(last)) = (primes.first(), primes.last()) {
        println!("primes: {} (first {first}, last {last})", primes.len());
    }
    println!("machine: {available} logical CPUs available, {physical_cores} physical cores");
    ExitCode::SUCCESS
}
