// Chapter 2: Gustafson's law, measured. The prime search gets a serial part of a
// known size, then runs twice: once with a fixed amount of parallel work for
// every worker count (Amdahl's setting), once with parallel work that grows with
// the workers (Gustafson's setting). Both speedups are set against their law.
//
// Run it with `cargo run --release --example ch02_gustafson [MAX_WORKERS]`.

use std::ops::Range;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::ThreadPoolBuilder;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli, primes};

const USAGE: &str = "\
Measures Amdahl's fixed-size speedup and Gustafson's scaled speedup on the prime
search of chapter 2, with 1, 2, ... up to MAX_WORKERS worker threads.

usage: ch02_gustafson [MAX_WORKERS]

  MAX_WORKERS  the most worker threads to try, 1 to 256 (default: the number
               of logical CPUs this process may use, at most 8, since the scaled problem grows
               with the workers)
";

/// The default stops here: the scaled problem, and the time to measure it,
/// grow with the worker count.
const DEFAULT_MOST_WORKERS: usize = 8;

/// The fastest of this many runs is kept (see `ch02_amdahl.rs`); fewer than
/// there, because this program measures more than twice as much work.
const REPEATS: usize = 3;

// ANCHOR: parts
/// How many integers the main thread checks alone before the pool starts: the
/// serial part, standing for whatever a real program cannot split (reading its
/// input, say). These 400 take about a quarter of the one-worker run, a share
/// large enough to see in the table.
const SERIAL_COUNT: u64 = 400;

/// The parallel part comes in blocks of the chapter's 1000 integers: one block
/// in the fixed-size runs, one block per worker in the scaled runs.
const BLOCK: u64 = primes::COUNT;

#[derive(Clone, Copy)]
struct Run {
    serial: Duration,
    parallel: Duration,
    primes: usize,
}

impl Run {
    fn total(&self) -> f64 {
        (self.serial + self.parallel).as_secs_f64()
    }
}

/// Checks the serial part on this thread, then the integers of `blocks` on a
/// pool of `workers` threads.
fn run(workers: usize, blocks: Range<u64>) -> Result<Run, rayon::ThreadPoolBuildError> {
    let first = primes::START + SERIAL_COUNT;
    let parallel_part: Vec<u64> =
        (first + blocks.start * BLOCK..first + blocks.end * BLOCK).collect();

    let serial_start = Instant::now();
    let serial_part = primes::START..primes::START + SERIAL_COUNT;
    let mut found = serial_part.filter(|&n| primes::is_prime(n)).count();
    let serial = serial_start.elapsed();

    let parallel_start = Instant::now();
    // `build_scoped` returns once the pool's threads have ended (see
    // `ch02_amdahl.rs`): the parallel part includes the pool's start and stop.
    found += ThreadPoolBuilder::new().num_threads(workers).build_scoped(
        |thread| thread.run(),
        |pool| {
            pool.install(|| {
                parallel_part
                    .par_iter()
                    // One number per task, for the reason given in `ch02_amdahl.rs`.
                    .with_max_len(1)
                    .filter(|&&n| primes::is_prime(n))
                    .count()
            })
        },
    )?;
    Ok(Run {
        serial,
        parallel: parallel_start.elapsed(),
        primes: found,
    })
}
// ANCHOR_END: parts

fn fastest_run(workers: usize, blocks: Range<u64>) -> Result<Run, rayon::ThreadPoolBuildError> {
    let mut best = run(workers, blocks.clone())?;
    for _ in 1..REPEATS {
        let next = run(workers, blocks.clone())?;
        if next.total() < best.total() {
            best = next;
        }
    }
    Ok(best)
}

fn measure(max_workers: usize) -> Result<(), rayon::ThreadPoolBuildError> {
    println!(
        "serial part: {SERIAL_COUNT} integers on the main thread; \
         parallel part: blocks of {BLOCK} integers"
    );

    // ANCHOR: fixed
    println!();
    println!("fixed size: 1 block, whatever the number of workers (Amdahl)");
    println!("workers  serial s  parallel s  speedup  Amdahl");
    let one_worker = fastest_run(1, 0..1)?;
    // Amdahl's serial fraction is the serial part's share of the one-worker run.
    let amdahl_serial = one_worker.serial.as_secs_f64() / one_worker.total();
    for workers in 1..=max_workers {
        let run = match workers {
            1 => one_worker,
            _ => fastest_run(workers, 0..1)?,
        };
        println!(
            "{workers:>7}  {:>8.3}  {:>10.3}  {:>6.2}x  {:>5.2}x",
            run.serial.as_secs_f64(),
            run.parallel.as_secs_f64(),
            one_worker.total() / run.total(),
            amdahl::amdahl_speedup(amdahl_serial, workers as f64)
        );
    }
    println!(
        "Amdahl: the law with serial fraction {amdahl_serial:.3}, \
         the serial part's share with 1 worker"
    );
    // ANCHOR_END: fixed

    // ANCHOR: scaled
    println!();
    println!("scaled size: 1 block per worker (Gustafson)");
    println!("workers  integers  primes  serial s  parallel s  1 worker s  speedup  Gustafson");
    // What one worker would take for the scaled problem: the serial part, then
    // each block in turn. Checking integers one after another takes the sum of
    // the blocks' times, so each block is timed once, not each problem size.
    let mut one_worker_time = one_worker.total();
    for workers in 1..=max_workers {
        let blocks = workers as u64;
        if blocks > 1 {
            let added = blocks - 1;
            one_worker_time += fastest_run(1, added..blocks)?.parallel.as_secs_f64();
        }
        let run = match workers {
            1 => one_worker,
            _ => fastest_run(workers, 0..blocks)?,
        };
        // Gustafson's serial fraction is the serial part's share of this run.
        let serial = run.serial.as_secs_f64() / run.total();
        println!(
            "{workers:>7}  {:>8}  {:>6}  {:>8.3}  {:>10.3}  {:>10.3}  {:>6.2}x  {:>8.2}x",
            SERIAL_COUNT + blocks * BLOCK,
            run.primes,
            run.serial.as_secs_f64(),
            run.parallel.as_secs_f64(),
            one_worker_time,
            one_worker_time / run.total(),
            amdahl::gustafson_speedup(serial, workers as f64)
        );
    }
    println!("Gustafson: the law with serial fraction the serial part's share of each run");
    // ANCHOR_END: scaled
    Ok(())
}

fn main() -> ExitCode {
    // What this process may use, and the machine's physical cores (see
    // `ch02_amdahl.rs`).
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let physical_cores = num_cpus::get_physical();
    let default = available.min(DEFAULT_MOST_WORKERS);
    let max_workers = match cli::max_workers(USAGE, default) {
        Ok(n) => n,
        Err(status) => return status,
    };
    if let Err(e) = measure(max_workers) {
        eprintln!("error: could not start the worker threads: {e}");
        return ExitCode::FAILURE;
    }
    println!("machine: {available} logical CPUs available, {physical_cores} physical cores");
    ExitCode::SUCCESS
}
