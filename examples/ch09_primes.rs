//! Cooperative scheduling: three primality checks as tasks on one thread, first without
//! giving way (each runs to the end once it starts), then with the checks giving way every
//! 100 000 divisions (the short checks finish while the long one waits for its turn).
//!
//! Usage: cargo run --release --example ch09_primes [-- BIG]

mod ch09_common;

use std::process::ExitCode;
use std::time::Instant;

use ch09_common::cli::optional_number;
use ch09_common::executor::{yield_now, Executor};

// The original's three numbers: the first costs about 49 million divisions.
const BIG: u64 = 9_637_529_763_296_797;
const SMALL: [u64; 2] = [427_920_331, 157];
const DIVISIONS_PER_TURN: u64 = 100_000;
// Timed runs of each way, after one run that prints.
const RUNS: usize = 5;

const USAGE: &str = "\
usage: ch09_primes [BIG]

Checks BIG (default 9637529763296797), 427920331 and 157 for primality as three tasks on
one thread, first without giving way and then giving way every 100000 divisions, and
prints when each check starts and ends; then times 5 runs of each way, taking turns,
and prints the best of each. BIG is a whole number from 2 to 10^17.
";

// ANCHOR: is_prime
/// Trial division by 2 and the odd numbers up to the square root. With `turn` set, the
/// check gives way to the other tasks after every `turn` divisions.
async fn is_prime(n: u64, turn: Option<u64>) -> (bool, u64) {
    let mut yields = 0;
    if n < 2 {
        return (false, yields);
    }
    if n.is_multiple_of(2) {
        return (n == 2, yields);
    }
    let limit = n.isqrt() + 1;
    // A turn of `turn` divisions covers `2 * turn` numbers, since only odd ones divide.
    let span = turn.map_or(limit, |turn| 2 * turn);
    let mut start = 3;
    while start < limit {
        let end = limit.min(start + span);
        if (start..end)
            .step_by(2)
            .any(|divisor| n.is_multiple_of(divisor))
        {
            return (false, yields);
        }
        start = end;
        if start < limit {
            yields += 1;
            yield_now().await;
        }
    }
    (true, yields)
}
// ANCHOR_END: is_prime

// ANCHOR: run
/// Runs one check per number as tasks on a fresh single-threaded executor, and returns how
/// long it took. `show` prints when each check starts and ends.
fn check_all(numbers: &[u64], turn: Option<u64>, show: bool) -> f64 {
    let start = Instant::now();
    let mut executor = Executor::new();
    for &n in numbers {
        executor.spawn(async move {
            if show {
                println!("  checking {n}");
            }
            let (prime, yields) = is_prime(n, turn).await;
            if show {
                let verdict = if prime { "is prime" } else { "is not prime" };
                println!("  {n} {verdict} (gave way {yields} times)");
            }
        });
    }
    executor.run();
    start.elapsed().as_secs_f64()
}
// ANCHOR_END: run

fn main() -> ExitCode {
    let big = match optional_number(USAGE, BIG, 2, 100_000_000_000_000_000) {
        Ok(big) => big,
        Err(status) => return status,
    };
    let numbers = [big, SMALL[0], SMALL[1]];
    // ANCHOR: main
    let ways = [
        ("without giving way", None),
        ("giving way", Some(DIVISIONS_PER_TURN)),
    ];
    // One run of each that prints the order, then RUNS timed runs of each, taking turns, so
    // that neither way always runs first; the best of each is the figure to compare.
    println!("without giving way:");
    check_all(&numbers, None, true);
    println!("giving way every {DIVISIONS_PER_TURN} divisions:");
    check_all(&numbers, Some(DIVISIONS_PER_TURN), true);
    let mut best = [f64::INFINITY; 2];
    for run in 0..RUNS {
        for i in 0..2 {
            let which = (i + run) % 2;
            let took = check_all(&numbers, ways[which].1, false);
            best[which] = best[which].min(took);
        }
    }
    println!("best of {RUNS} runs of each, taken in turn:");
    for ((label, _), best) in ways.iter().zip(best) {
        println!("  {label:<20} {best:.4} s");
    }
    // ANCHOR_END: main
    ExitCode::SUCCESS
}
