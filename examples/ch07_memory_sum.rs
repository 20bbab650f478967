//! A memory-bound reduction: summing a large array of u64 at 1 and 2 threads, in bytes
//! per second, beside the same sum over a small array that stays in each core's cache.
//!
//! Usage: cargo run --release --example ch07_memory_sum [-- SIZE_MIB]

use std::ffi::OsString;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

const DEFAULT_MIB: usize = 64;
const MAX_MIB: usize = 4096;
/// The small array: 128 KiB, larger than most level-1 data caches but well inside the
/// level-2 cache of a recent x86 or ARM processor, so that each core reads it from a
/// cache close to it and not from memory.
const CACHED_BYTES: usize = 128 * 1024;
const MIB: usize = 1024 * 1024;

// ANCHOR: measure
/// Runs `sum`, which reads `bytes` bytes, in `pool`, ten times over; returns the sum and
/// the fastest run's speed in bytes per second (other programs can only add time).
fn bytes_per_second(pool: &ThreadPool, bytes: usize, sum: impl Fn() -> u64 + Sync) -> (u64, f64) {
    let mut fastest = Duration::MAX;
    let mut result = 0;
    for _ in 0..10 {
        let start = Instant::now();
        result = pool.install(&sum);
        fastest = fastest.min(start.elapsed());
    }
    (result, bytes as f64 / fastest.as_secs_f64())
}

/// One sum over the whole array, split between the pool's threads.
fn sum_once(numbers: &[u64]) -> u64 {
    numbers.par_iter().sum()
}

/// `repeats` sums over a small array, shared out whole between the pool's threads: each
/// thread reads the array again and again from its own core's cache.
fn sum_repeatedly(numbers: &[u64], repeats: usize) -> u64 {
    (0..repeats)
        .into_par_iter()
        .map(|_| black_box(numbers).iter().sum::<u64>())
        .reduce(|| 0, u64::wrapping_add)
}
// ANCHOR_END: measure

fn main() -> ExitCode {
    let mib = match parse_args() {
        Ok(mib) => mib,
        Err(status) => return status,
    };
    let pools = [1, 2].map(|threads| {
        ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool of 1 or 2 threads")
    });

    // ANCHOR: main
    let len = mib * MIB / 8;
    let numbers: Vec<u64> = (0..len as u64).collect();
    println!("from memory: {mib} MiB, {len} numbers, fastest of 10 sums");
    let mut speeds = [0.0; 2];
    for (speed, pool) in speeds.iter_mut().zip(&pools) {
        let (sum, rate) = bytes_per_second(pool, len * 8, || sum_once(&numbers));
        assert_eq!(sum, (len as u64) * (len as u64 - 1) / 2, "a wrong sum");
        *speed = rate;
        println!("  {}: {:6.1} GB/s", threads(pool), rate / 1e9);
    }
    println!("  2 threads / 1 thread: {:.2}x", speeds[1] / speeds[0]);

    // The same total number of bytes, read again and again from an array that each
    // core keeps in its own cache.
    let small = &numbers[..CACHED_BYTES / 8];
    let repeats = len / small.len();
    println!(
        "from cache: {} KiB, read {repeats} times",
        CACHED_BYTES / 1024
    );
    for (speed, pool) in speeds.iter_mut().zip(&pools) {
        let bytes = repeats * CACHED_BYTES;
        let (_, rate) = bytes_per_second(pool, bytes, || sum_repeatedly(small, repeats));
        *speed = rate;
        println!("  {}: {:6.1} GB/s", threads(pool), rate / 1e9);
    }
    println!("  2 threads / 1 thread: {:.2}x", speeds[1] / speeds[0]);
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

fn threads(pool: &ThreadPool) -> &'static str {
    match pool.current_num_threads() {
        1 => "1 thread ",
        _ => "2 threads",
    }
}

const USAGE: &str = "\
usage: ch07_memory_sum [SIZE_MIB]

Sums an array of SIZE_MIB mebibytes of u64 (default 64) in rayon pools of 1 and 2
threads and prints the speed in GB/s (fastest of 10 runs), then reads as many bytes
from a 128 KiB array that stays in cache. SIZE_MIB is a whole number from 1 to 4096.
";

/// Reads the optional size: usage on `--help`, and a one-line error with exit status 2
/// for anything that is not a whole number in range.
fn parse_args() -> Result<usize, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(DEFAULT_MIB),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<usize>) {
            Some(Ok(n)) if (1..=MAX_MIB).contains(&n) => Ok(n),
            _ if n.to_string_lossy().starts_with('-') => Err(fail(&format!(
                "unexpected argument `{}`",
                n.to_string_lossy()
            ))),
            _ => Err(fail(&format!(
                "SIZE_MIB must be a whole number from 1 to {MAX_MIB}, not `{}`",
                n.to_string_lossy()
            ))),
        },
        _ => Err(fail("expected at most one argument, SIZE_MIB")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message} (try --help)");
    ExitCode::from(2)
}

/// `println!` panics when standard output is a pipe whose reader has gone (`| head`);
/// end quietly instead, as command-line tools do.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.contains("Broken pipe"))
        {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
