//! Exercise 7-1: the mean and the variance of a million numbers in one parallel pass.
//! Each piece folds its numbers into a (count, mean, sum of squared deviations) summary,
//! and the summaries are combined with the formula of Chan, Golub and LeVeque.

use std::process::ExitCode;

use rayon::prelude::*;

// ANCHOR: summary
/// What a piece of the data needs to say about itself so that pieces can be combined:
/// the mean alone is not enough (it has no weight), nor is the variance.
#[derive(Clone, Copy, Debug)]
struct Summary {
    count: u64,
    mean: f64,
    /// The sum of squared deviations from `mean`.
    squares: f64,
}

impl Summary {
    const EMPTY: Summary = Summary {
        count: 0,
        mean: 0.0,
        squares: 0.0,
    };

    /// Welford's update: one more value.
    fn add(self, x: f64) -> Summary {
        let count = self.count + 1;
        let delta = x - self.mean;
        let mean = self.mean + delta / count as f64;
        Summary {
            count,
            mean,
            squares: self.squares + delta * (x - mean),
        }
    }

    /// Two pieces into one. Associative (up to rounding), with `EMPTY` as its identity.
    fn combine(self, other: Summary) -> Summary {
        let count = self.count + other.count;
        if count == 0 {
            return Summary::EMPTY;
        }
        let delta = other.mean - self.mean;
        let weight = other.count as f64 / count as f64;
        Summary {
            count,
            mean: self.mean + delta * weight,
            squares: self.squares + other.squares + delta * delta * self.count as f64 * weight,
        }
    }

    fn variance(&self) -> f64 {
        self.squares / self.count as f64
    }
}
// ANCHOR_END: summary

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    const N: u64 = 1_000_000;
    let summary = (0..N)
        .into_par_iter()
        .fold(|| Summary::EMPTY, |summary, n| summary.add(n as f64))
        .reduce(|| Summary::EMPTY, Summary::combine);
    // For 0 to N-1 the answers have closed forms: (N-1)/2 and (N^2-1)/12.
    let (mean, variance) = ((N as f64 - 1.0) / 2.0, (N * N - 1) as f64 / 12.0);
    println!("count: {} of {N}", summary.count);
    println!("mean: {:.3} (formula {mean:.3})", summary.mean);
    println!(
        "variance: {:.3} (formula {variance:.3})",
        summary.variance()
    );
    let close = |a: f64, b: f64| ((a - b) / b).abs() < 1e-12;
    let agree = close(summary.mean, mean) && close(summary.variance(), variance);
    println!("both within 1e-12 of the formulas: {agree}");
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_ex_mean_variance

Computes the mean and variance of 0 to 999 999 in one parallel pass (fold, then reduce
with a combine), and checks them against the closed forms.
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
