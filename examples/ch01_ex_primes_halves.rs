//! Exercise solution: the primes check with the work split by hand into two
//! halves, one scoped thread each, instead of rayon.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    // `isqrt` is exact for every u64; `divisor * divisor <= n` would overflow
    // for primes above (2^32 - 1)^2.
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

/// The primes in `numbers`, in order, and how long finding them took.
fn primes_in(numbers: &[u64]) -> (Vec<u64>, Duration) {
    let start = Instant::now();
    let primes = numbers.iter().copied().filter(|&n| is_prime(n)).collect();
    (primes, start.elapsed())
}

/// Runs `work` five times and keeps the fastest round, as `ch01_primes` does:
/// other programs on the machine can only add time to a round.
fn fastest_round<T>(mut work: impl FnMut() -> T) -> (T, Duration) {
    let mut best: Option<(T, Duration)> = None;
    for _ in 0..5 {
        let start = Instant::now();
        let result = work();
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(_, fastest)| took < *fastest) {
            best = Some((result, took));
        }
    }
    best.expect("at least one round ran")
}

const USAGE: &str = "\
usage: ch01_ex_primes_halves

Finds the primes among the 500 integers from 10^13 sequentially, then with the
numbers cut into two halves, one scoped thread each, and compares the times.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let lowest: u64 = 10_u64.pow(13);
    let numbers: Vec<u64> = (lowest..lowest + 500).collect();

    let (sequential, seq_time) = fastest_round(|| primes_in(&numbers).0);
    println!(
        "sequential: {} primes in {:.3} s (fastest of 5 rounds)",
        sequential.len(),
        seq_time.as_secs_f64()
    );

    let ((first, second), halves_time) = fastest_round(|| {
        // ANCHOR: halves
        let (first_half, second_half) = numbers.split_at(numbers.len() / 2);
        thread::scope(|s| {
            let first = s.spawn(|| primes_in(first_half));
            let second = s.spawn(|| primes_in(second_half));
            (first.join().unwrap(), second.join().unwrap())
        })
        // ANCHOR_END: halves
    });

    for (label, (primes, busy)) in [("first half", &first), ("second half", &second)] {
        println!(
            "  {label}: {} primes, its thread busy {:.3} s",
            primes.len(),
            busy.as_secs_f64()
        );
    }
    // The first half's primes all come before the second half's, so joining
    // the two lists restores the order without a sort.
    let halves = [first.0, second.0].concat();
    println!(
        "two halves: {} primes in {:.3} s (fastest of 5 rounds)",
        halves.len(),
        halves_time.as_secs_f64()
    );
    println!("same primes, same order: {}", sequential == halves);
    println!(
        "speedup: {:.2}x",
        seq_time.as_secs_f64() / halves_time.as_secs_f64()
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
