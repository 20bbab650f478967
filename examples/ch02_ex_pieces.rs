// Chapter 2, exercise 3: who cuts the work into pieces? `ch02_amdahl.rs` hands
// rayon one integer per task; here rayon may also choose its own pieces, and
// the two are timed side by side.
//
// Run it with `cargo run --release --example ch02_ex_pieces [MAX_WORKERS]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::ThreadPoolBuilder;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{cli, primes};

const USAGE: &str = "\
Times the prime search of chapter 2 two ways for 1, 2, ... up to MAX_WORKERS
worker threads: with one task per integer, and with rayon's own pieces.

usage: ch02_ex_pieces [MAX_WORKERS]

  MAX_WORKERS  the most worker threads to try, 1 to 256 (default: the number
               of logical CPUs this process may use)
";

/// The fastest of this many runs is kept (see `ch02_amdahl.rs`).
const REPEATS: usize = 5;

// ANCHOR: solution
/// Times one search on a pool of `workers` threads. With `one_per_task`, no
/// task holds more than one integer, as in `ch02_amdahl.rs`; without it, rayon
/// cuts the slice into pieces of its own choosing, a few per thread, and cuts
/// a piece again only when an idle thread steals it.
fn search(
    workers: usize,
    numbers: &[u64],
    one_per_task: bool,
) -> Result<(Duration, usize), rayon::ThreadPoolBuildError> {
    let start = Instant::now();
    // `build_scoped` returns once the pool's threads have ended (see
    // `ch02_amdahl.rs`), so the time includes the pool's start and stop.
    let found = ThreadPoolBuilder::new().num_threads(workers).build_scoped(
        |thread| thread.run(),
        |pool| {
            pool.install(|| {
                let numbers = numbers.par_iter();
                if one_per_task {
                    numbers
                        .with_max_len(1)
                        .filter(|&&n| primes::is_prime(n))
                        .count()
                } else {
                    numbers.filter(|&&n| primes::is_prime(n)).count()
                }
            })
        },
    )?;
    Ok((start.elapsed(), found))
}
// ANCHOR_END: solution

fn fastest(
    workers: usize,
    numbers: &[u64],
    one_per_task: bool,
) -> Result<(Duration, usize), rayon::ThreadPoolBuildError> {
    let mut best = search(workers, numbers, one_per_task)?;
    for _ in 1..REPEATS {
        let next = search(workers, numbers, one_per_task)?;
        if next.0 < best.0 {
            best = next;
        }
    }
    Ok(best)
}

fn main() -> ExitCode {
    // What this process may use, and the machine's physical cores (see
    // `ch02_amdahl.rs`).
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let physical_cores = num_cpus::get_physical();
    let max_workers = match cli::max_workers(USAGE, available) {
        Ok(n) => n,
        Err(status) => return status,
    };
    let numbers: Vec<u64> = (primes::START..primes::START + primes::COUNT).collect();

    println!("workers  one per task s  speedup  rayon's pieces s  speedup");
    let mut one_worker = None;
    for workers in 1..=max_workers {
        let (one_task, pieces) = match (
            fastest(workers, &numbers, true),
            fastest(workers, &numbers, false),
        ) {
            (Ok(one_task), Ok(pieces)) => (one_task, pieces),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: could not start {workers} worker threads: {e}");
                return ExitCode::FAILURE;
            }
        };
        if one_task.1 != pieces.1 {
            eprintln!("error: the two ways of splitting found different primes");
            return ExitCode::FAILURE;
        }
        // Both speedups are over one worker with one task per integer, the
        // baseline of `ch02_amdahl.rs`.
        let base = *one_worker.get_or_insert(one_task.0.as_secs_f64());
        println!(
            "{workers:>7}  {:>14.3}  {:>6.2}x  {:>16.3}  {:>6.2}x",
            one_task.0.as_secs_f64(),
            base / one_task.0.as_secs_f64(),
            pieces.0.as_secs_f64(),
            base / pieces.0.as_secs_f64()
        );
    }
    println!("machine: {available} logical CPUs available, {physical_cores} physical cores");
    ExitCode::SUCCESS
}
