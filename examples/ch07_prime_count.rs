//! A compute-bound reduction: how many of chapter 2's 1000 integers from 10^13 are prime?
//! The count is a sum of ones, reduced by rayon in pools of 1 and of 2 threads.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::ThreadPoolBuilder;

/// Chapter 2's workload: the 1000 consecutive integers from 10^13.
const START: u64 = 10_000_000_000_000;
const COUNT: u64 = 1000;

/// Trial division by 2 and the odd numbers up to the square root: slow on purpose, so
/// that the work is all arithmetic in registers and none of it is waiting for memory.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    (3..=limit)
        .step_by(2)
        .all(|divisor| !n.is_multiple_of(divisor))
}

// ANCHOR: count
/// Counts the primes in a pool of `threads` threads; returns the count and the fastest of
/// five runs (other programs on the machine can only add time to a run).
fn count_primes(threads: usize) -> (usize, Duration) {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool of 1 or 2 threads");
    let numbers: Vec<u64> = (START..START + COUNT).collect();
    let mut fastest = Duration::MAX;
    let mut primes = 0;
    for _ in 0..5 {
        let start = Instant::now();
        primes = pool.install(|| {
            numbers
                .par_iter()
                // A task per number: the primes cost nearly all the time, and a piece of
                // many numbers with several primes in it would leave one thread idle at
                // the end (chapter 2, exercise 3).
                .with_max_len(1)
                .filter(|&&n| is_prime(n))
                .count()
        });
        fastest = fastest.min(start.elapsed());
    }
    (primes, fastest)
}
// ANCHOR_END: count

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let (primes, one) = count_primes(1);
    let (primes_again, two) = count_primes(2);
    assert_eq!(primes, primes_again, "a count cannot depend on the threads");
    println!("primes among the {COUNT} integers from {START}: {primes}");
    println!("1 thread:  {:.3} s", one.as_secs_f64());
    println!("2 threads: {:.3} s", two.as_secs_f64());
    let speedup = one.as_secs_f64() / two.as_secs_f64();
    println!("speedup at 2 threads: {speedup:.2}x");
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_prime_count

Counts the primes among the 1000 integers from 10^13 in rayon pools of 1 and 2
threads, and prints the time of each (fastest of 5 runs) and the speedup.
";

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
