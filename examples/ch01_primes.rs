//! Which of the 500 integers from 10^13 are prime? The same check, run first on
//! one core and then on all of them, timed both ways.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;
use rayon::prelude::*;

// ANCHOR: is_prime
/// Trial division, as slow as the original on purpose: a prime near 10^13
/// costs about 1.6 million divisions, while most other numbers fail at once.
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
// ANCHOR_END: is_prime

/// Each version runs this many times and reports its fastest round: other
/// programs on the machine can only add time to a round, never remove it.
const ROUNDS: usize = 5;

/// What a round cost: time on the clock, and time the process spent on CPUs,
/// summed over all its threads. Their ratio says how many cores were busy.
struct Cost {
    wall: Duration,
    cpu: Duration,
}

fn fastest_round<T>(mut work: impl FnMut() -> T) -> (T, Cost) {
    let mut best: Option<(T, Cost)> = None;
    for _ in 0..ROUNDS {
        let wall = Instant::now();
        let cpu = ProcessTime::now();
        let result = work();
        let cost = Cost {
            cpu: cpu.elapsed(),
            wall: wall.elapsed(),
        };
        if best.as_ref().is_none_or(|(_, b)| cost.wall < b.wall) {
            best = Some((result, cost));
        }
    }
    best.expect("ROUNDS is not zero")
}

fn report(label: &str, primes: &[u64], cost: &Cost) {
    println!("{label}: {} primes", primes.len());
    for row in primes.chunks(4) {
        let row: Vec<String> = row.iter().map(u64::to_string).collect();
        println!("  {}", row.join(" "));
    }
    let wall = cost.wall.as_secs_f64();
    let cpu = cost.cpu.as_secs_f64();
    println!(
        "  took {wall:.3} s, CPU time {cpu:.3} s, cores busy: {:.2}",
        cpu / wall
    );
}

const USAGE: &str = "\
usage: ch01_primes

Finds the primes among the 500 integers from 10^13, first on one thread, then on
every thread of rayon's pool, and compares the times.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let first: u64 = 10_u64.pow(13);
    let numbers: Vec<u64> = (first..first + 500).collect();
    println!(
        "machine: available_parallelism() says {}, rayon's pool has {} threads",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        rayon::current_num_threads()
    );
    println!(
        "checking the {} integers from {} to {}, fastest of {ROUNDS} rounds",
        numbers.len(),
        numbers[0],
        numbers[numbers.len() - 1]
    );

    // ANCHOR: sequential
    let (sequential, seq_cost) = fastest_round(|| {
        numbers
            .iter()
            .copied()
            .filter(|&n| is_prime(n))
            .collect::<Vec<u64>>()
    });
    // ANCHOR_END: sequential
    report("sequential", &sequential, &seq_cost);

    // ANCHOR: concurrent
    let (concurrent, par_cost) = fastest_round(|| {
        numbers
            .par_iter()
            .copied()
            .filter(|&n| is_prime(n))
            .collect::<Vec<u64>>()
    });
    // ANCHOR_END: concurrent
    report("concurrent", &concurrent, &par_cost);

    println!("same primes, same order: {}", sequential == concurrent);
    println!(
        "speedup: {:.2}x",
        seq_cost.wall.as_secs_f64() / par_cost.wall.as_secs_f64()
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
