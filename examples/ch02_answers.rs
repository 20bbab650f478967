// Chapter 2: the answers to the chapter's questions that are numbers, computed
// with the chapter's own formulas.
//
// Run it with `cargo run --release --example ch02_answers`.

use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli};

const USAGE: &str = "\
Computes the numeric answers to the questions of chapter 2 with its formulas.

usage: ch02_answers
";

// ANCHOR: answers
fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    // Question 1: 12 s on one core, 5 s on four.
    let speedup = 12.0 / 5.0;
    let efficiency = speedup / 4.0;
    let serial = amdahl::karp_flatt(speedup, 4.0).unwrap_or(f64::NAN);
    println!(
        "question 1: speedup {speedup:.2}x, efficiency {:.1}%, Karp-Flatt e {serial:.3}",
        100.0 * efficiency
    );

    // Question 2: a program that is 90 % parallel.
    let limit = amdahl::amdahl_speedup(0.1, f64::INFINITY);
    let on_ten = amdahl::amdahl_speedup(0.1, 10.0);
    println!("question 2: limit {limit:.2}x, on 10 processors {on_ten:.2}x");
    ExitCode::SUCCESS
}
// ANCHOR_END: answers
