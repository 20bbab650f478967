//! Floating-point addition is not associative: the same million f64 values summed left to
//! right, in 2, 4 and 8 pieces (as that many threads would), pairwise, with Kahan's
//! compensation, and in fixed chunks on pools of 1, 2 and 4 threads, each compared with
//! the exact sum.

use std::process::ExitCode;

use rayon::prelude::*;

const COUNT: usize = 1_000_000;
/// Every value is a whole number of units of 2^-30, so the exact sum is a sum of integers.
const UNIT_EXPONENT: i32 = -30;

// ANCHOR: data
/// A million values from about 2^-9 to 2^23, each a 53-bit integer from a simple
/// pseudo-random generator, shifted right by 0 to 31 bits, in units of 2^-30. Returns
/// the values and their integer numerators.
fn values() -> (Vec<f64>, Vec<u64>) {
    let mut state: u64 = 2018;
    let numerators: Vec<u64> = (0..COUNT)
        .map(|i| {
            // Knuth's MMIX linear congruential generator.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) >> (i % 32)
        })
        .collect();
    let unit = 2f64.powi(UNIT_EXPONENT);
    // A 53-bit integer is an exact f64, and scaling by a power of two is exact too.
    let values = numerators.iter().map(|&k| k as f64 * unit).collect();
    (values, numerators)
}

/// The exact sum, rounded once: the integers add up exactly in a u128, the one cast to
/// f64 rounds to the nearest value, and scaling by a power of two is exact.
fn exact_sum(numerators: &[u64]) -> f64 {
    let total: u128 = numerators.iter().map(|&k| u128::from(k)).sum();
    total as f64 * 2f64.powi(UNIT_EXPONENT)
}
// ANCHOR_END: data

// ANCHOR: pieces
/// What `pieces` threads would compute: each sums its own piece from left to right, and
/// the pieces' sums are added in order at the end.
fn in_pieces(values: &[f64], pieces: usize) -> f64 {
    values
        .chunks(values.len().div_ceil(pieces))
        .map(|piece| piece.iter().sum::<f64>())
        .sum()
}
// ANCHOR_END: pieces

// ANCHOR: cures
/// Pairwise summation: the two halves summed recursively, then added. Each value takes
/// part in about log2(n) additions instead of up to n - 1, and so does its rounding error.
fn pairwise(values: &[f64]) -> f64 {
    if values.len() <= 16 {
        return values.iter().sum();
    }
    let (left, right) = values.split_at(values.len() / 2);
    pairwise(left) + pairwise(right)
}

/// Kahan's compensated summation: `lost` keeps the low-order part that the last addition
/// rounded away, and takes it off the next value before that is added.
fn kahan(values: &[f64]) -> f64 {
    let mut sum = 0.0;
    let mut lost = 0.0;
    for &value in values {
        let corrected = value - lost;
        let next = sum + corrected;
        lost = (next - sum) - corrected;
        sum = next;
    }
    sum
}

/// A split that does not depend on the threads: fixed chunks of 4096 values, each summed
/// from left to right, and the chunks' sums added in order.
fn fixed_chunks(values: &[f64]) -> f64 {
    let sums: Vec<f64> = values
        .par_chunks(4096)
        .map(|chunk| chunk.iter().sum())
        .collect();
    sums.iter().sum()
}
// ANCHOR_END: cures

/// How many representable f64 values lie between two positive numbers: for positive
/// floats, the bit patterns are in the same order as the values.
fn ulps(value: f64, reference: f64) -> i64 {
    value.to_bits() as i64 - reference.to_bits() as i64
}

fn show(label: &str, value: f64, exact: f64) {
    println!("{label:<22} {value:<22} {:+5} ulps", ulps(value, exact));
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let (values, numerators) = values();
    let exact = exact_sum(&numerators);
    let sequential: f64 = values.iter().sum();
    println!("{COUNT} values; sums, and their distance from the exact sum:");
    show("exact, rounded once", exact, exact);
    show("left to right", sequential, exact);
    for pieces in [2, 4, 8] {
        show(
            &format!("{pieces} pieces"),
            in_pieces(&values, pieces),
            exact,
        );
    }
    let two = in_pieces(&values, 2);
    println!(
        "2 pieces - left to right = {:e} (exactly)",
        two - sequential
    );
    show("pairwise", pairwise(&values), exact);
    show("Kahan", kahan(&values), exact);
    // ANCHOR_END: main

    // ANCHOR: deterministic
    let reference = fixed_chunks(&values);
    let mut same = 0;
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool of up to 4 threads");
        for _ in 0..10 {
            if pool.install(|| fixed_chunks(&values)).to_bits() == reference.to_bits() {
                same += 1;
            }
        }
    }
    show("fixed chunks", reference, exact);
    println!("fixed chunks on pools of 1, 2 and 4 threads: same bits in {same} of 30 runs");

    // Rayon's own `sum` splits where its scheduler chooses, so its result may change from
    // run to run. What holds for every order of additions: the error is at most
    // (n - 1) * u * (sum of |x|), to first order, where u = 2^-53 is the unit roundoff.
    // Every value is positive, so the sum of |x| is the exact sum.
    let bound = (COUNT - 1) as f64 * f64::EPSILON / 2.0 * exact;
    let runs: Vec<f64> = (0..20).map(|_| values.par_iter().sum::<f64>()).collect();
    let within = runs.iter().all(|sum| (sum - exact).abs() <= bound);
    let all_sequential = runs.iter().all(|sum| sum.to_bits() == sequential.to_bits());
    println!("rayon's sum, 20 runs: all within the bound: {within}");
    println!("rayon's sum, 20 runs: all equal to left to right: {all_sequential}");
    // ANCHOR_END: deterministic
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_float_sum

Sums the same million f64 values in several orders (left to right, in pieces, pairwise,
Kahan, fixed chunks, rayon's sum) and prints each result's distance from the exact sum
in ulps.
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
