//! The Python original's reduction in rounds, with threads and channels: in each round a
//! thread per pair adds two numbers, until one number is left. Sums 0 to N-1 (default 20
//! numbers, 0 to 19, whose sum is 190), printing every addition, then checks the number of
//! rounds against ceil(log2 n) for several n and times the rounds against a plain loop.

use std::ffi::OsString;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const DEFAULT_COUNT: u64 = 20;
// A round of the largest input starts MAX_COUNT / 2 threads at once.
const MAX_COUNT: u64 = 2000;

// ANCHOR: round
/// One round: a thread for each pair of neighbours adds them and sends the sum back on a
/// channel, tagged with its place; a number without a partner goes on to the next round.
/// Returns the next round's numbers, in order, and how many threads the round started.
fn round(round_number: usize, values: &[u64], print: bool) -> (Vec<u64>, usize) {
    let (sender, receiver) = mpsc::channel();
    let mut next = vec![0; values.len().div_ceil(2)];
    let mut started = 0;
    thread::scope(|scope| {
        for (place, pair) in values.chunks(2).enumerate() {
            match *pair {
                [a, b] => {
                    let sender = sender.clone();
                    scope.spawn(move || {
                        let sum = a + b;
                        if print {
                            println!("round {round_number}, thread {place}: {a} + {b} = {sum}");
                        }
                        sender.send((place, sum)).expect("main holds the receiver");
                    });
                    started += 1;
                }
                [odd] => {
                    if print {
                        println!("round {round_number}, no partner: {odd} waits");
                    }
                    next[place] = odd;
                }
                _ => unreachable!("chunks(2) gives one or two numbers"),
            }
        }
        // Drop main's sender, so the loop below ends when every thread's sender is gone.
        drop(sender);
        for (place, sum) in receiver {
            next[place] = sum;
        }
    });
    (next, started)
}

/// Reduces `values` in rounds until one number is left; returns it, the round count and
/// the number of threads started, one per addition.
fn reduce_in_rounds(mut values: Vec<u64>, print: bool) -> (u64, usize, usize) {
    let mut rounds = 0;
    let mut threads = 0;
    while values.len() > 1 {
        rounds += 1;
        let (next, started) = round(rounds, &values, print);
        values = next;
        threads += started;
        if print {
            println!("after round {rounds}: {values:?}");
        }
    }
    (values.first().copied().unwrap_or(0), rounds, threads)
}
// ANCHOR_END: round

// ANCHOR: log2
/// The rounds n numbers need: each round halves the count, rounding up, so it is the
/// smallest r with 2^r >= n, which is ceil(log2 n).
fn ceil_log2(n: u64) -> u32 {
    n.next_power_of_two().trailing_zeros()
}
// ANCHOR_END: log2

fn main() -> ExitCode {
    let count = match parse_args() {
        Ok(count) => count,
        Err(status) => return status,
    };

    // ANCHOR: main
    let (sum, rounds, _) = reduce_in_rounds((0..count).collect(), true);
    println!("sum of 0 to {}: {sum}", count - 1);
    assert_eq!(sum, count * (count - 1) / 2, "the rounds lost a number");
    assert_eq!(rounds as u32, ceil_log2(count), "rounds != ceil(log2 n)");
    println!("rounds for {count} numbers: {rounds} = ceil(log2 {count})");

    println!("n     rounds  ceil(log2 n)  threads started");
    for n in [1, 2, 3, 4, 5, 8, 9, 20, 100, 1000, 1024, 1025] {
        let (sum, rounds, threads) = reduce_in_rounds((0..n).collect(), false);
        assert_eq!(sum, n * n.saturating_sub(1) / 2);
        assert_eq!(rounds as u32, ceil_log2(n));
        // Every addition takes two numbers and leaves one: n - 1 of them, in any tree.
        assert_eq!(threads as u64, n - 1, "additions != n - 1");
        println!("{n:<5} {rounds:>6} {:>13} {threads:>16}", ceil_log2(n));
    }
    // ANCHOR_END: main

    // ANCHOR: cost
    let threaded = fastest(|| reduce_in_rounds((0..count).collect(), false).0);
    // One loop over the same numbers takes nanoseconds, less than reading the clock
    // costs: time LOOPS sums in one measurement, over a slice the compiler cannot see
    // through (`black_box`), and divide.
    let numbers: Vec<u64> = (0..count).collect();
    let looped = fastest(|| {
        (0..LOOPS).fold(0, |total, _| {
            total.wrapping_add(black_box(numbers.as_slice()).iter().sum::<u64>())
        })
    }) / LOOPS;
    println!(
        "{count} numbers in {rounds} rounds of threads: {:.1} µs ({:.1} µs a round)",
        micros(threaded),
        micros(threaded) / rounds.max(1) as f64
    );
    println!(
        "the same sum in one loop: {:.4} µs (fastest of 20 runs of {LOOPS} loops)",
        micros(looped)
    );
    // ANCHOR_END: cost
    ExitCode::SUCCESS
}

/// The one-loop sum is timed this many times over in each run.
const LOOPS: u32 = 10_000;

/// The fastest of 20 runs: other programs on the machine can only add time.
fn fastest(mut work: impl FnMut() -> u64) -> Duration {
    (0..20)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed()
        })
        .min()
        .expect("20 runs")
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

const USAGE: &str = "\
usage: ch07_rounds [N]

Sums the integers 0 to N-1 in rounds of threads, printing every addition, checks the
number of rounds against ceil(log2 n) for several n, and times the rounds against a
plain loop. N is a whole number from 1 to 2000 (default 20: 0 to 19, whose sum is 190).
";

/// Reads the optional N: usage on `--help`, and a one-line error with exit status 2 for
/// anything that is not a whole number in range.
fn parse_args() -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(DEFAULT_COUNT),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<u64>) {
            Some(Ok(n)) if (1..=MAX_COUNT).contains(&n) => Ok(n),
            _ if n.to_string_lossy().starts_with('-') => Err(fail(&format!(
                "unexpected argument `{}`",
                n.to_string_lossy()
            ))),
            _ => Err(fail(&format!(
                "N must be a whole number from 1 to {MAX_COUNT}, not `{}`",
                n.to_string_lossy()
            ))),
        },
        _ => Err(fail("expected at most one argument, N")),
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
