//! A memory-bound reduction: summing a large array of u64 at 1 and 2 threads, in bytes
//! per second, beside the same sum over a small array that stays in each core's cache.
//! The large array is by default four times the largest cache Linux reports, so that
//! its sum is served from memory, not from the last-level cache.
//!
//! Usage: cargo run --release --example ch07_memory_sum [-- SIZE_MIB]

use std::ffi::OsString;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The default array is this many times the largest cache.
const TIMES_LARGEST_CACHE: usize = 4;
/// The default where the caches cannot be read (not Linux): 1 GiB.
const FALLBACK_MIB: usize = 1024;
const MAX_MIB: usize = 4096;
const CACHE_DIR: &str = "/sys/devices/system/cpu/cpu0/cache";
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

// ANCHOR: caches
/// The data and unified caches of the first CPU as Linux describes them, one directory
/// per cache in /sys/devices/system/cpu/cpu0/cache/: (level, bytes), level 1 first.
fn caches() -> Vec<(u32, usize)> {
    let mut found = Vec::new();
    for index in 0.. {
        let read = |name: &str| std::fs::read_to_string(format!("{CACHE_DIR}/index{index}/{name}"));
        let Ok(level) = read("level") else { break };
        if read("type").is_ok_and(|kind| kind.trim() == "Instruction") {
            continue;
        }
        let size = read("size").ok().and_then(|size| parse_size(size.trim()));
        if let (Ok(level), Some(size)) = (level.trim().parse(), size) {
            found.push((level, size));
        }
    }
    found
}

/// "48K", "2048K", "32M": the sizes as sysfs writes them.
fn parse_size(text: &str) -> Option<usize> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let number: usize = digits.parse().ok()?;
    match &text[digits.len()..] {
        "" => Some(number),
        "K" => Some(number * 1024),
        "M" => Some(number * MIB),
        "G" => Some(number * 1024 * MIB),
        _ => None,
    }
}
// ANCHOR_END: caches

fn main() -> ExitCode {
    let chosen = match parse_args() {
        Ok(mib) => mib,
        Err(status) => return status,
    };
    let caches = caches();
    let largest = caches.iter().map(|&(_, size)| size).max();
    let mib = chosen.unwrap_or_else(|| match largest {
        Some(bytes) => (TIMES_LARGEST_CACHE * bytes).div_ceil(MIB).min(MAX_MIB),
        None => FALLBACK_MIB,
    });
    let described: Vec<String> = caches
        .iter()
        .map(|&(level, size)| format!("L{level} {} KiB", size / 1024))
        .collect();
    let times = largest.map_or(String::new(), |bytes| {
        format!(
            ", {:.1} times the largest cache",
            (mib * MIB) as f64 / bytes as f64
        )
    });
    println!(
        "machine: caches of cpu0 {}; the array: {mib} MiB{times}",
        if described.is_empty() {
            "unknown".to_string()
        } else {
            described.join(", ")
        }
    );
    let pools = [1, 2].map(|threads| {
        ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool of 1 or 2 threads")
    });

    // ANCHOR: main
    let len = mib * MIB / 8;
    let numbers: Vec<u64> = (0..len as u64).collect();
    println!("from memory: the array, fastest of 10 sums");
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
        "from cache: {} KiB, read as many bytes in all",
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

Prints the sizes of the caches of cpu0 (from /sys/devices/system/cpu/cpu0/cache/),
then sums an array of SIZE_MIB mebibytes of u64 in rayon pools of 1 and 2 threads and
prints the speed in GB/s (fastest of 10 runs), then reads as many bytes from a
128 KiB array that stays in cache. SIZE_MIB is a whole number from 1 to 4096; the
default is four times the largest cache, at most 4096 (1024 if the caches are unknown).
";

/// Reads the optional size: usage on `--help`, and a one-line error with exit status 2
/// for anything that is not a whole number in range.
fn parse_args() -> Result<Option<usize>, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<usize>) {
            Some(Ok(n)) if (1..=MAX_MIB).contains(&n) => Ok(Some(n)),
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
