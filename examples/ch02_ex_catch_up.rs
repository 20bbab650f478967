// Chapter 2, exercise 2: can option 1 (40 % parallel) catch option 2 (80 %
// parallel on 2 processors) by adding processors? And how parallel would the
// program have to be for 4 processors to match option 2?
//
// Run it with `cargo run --release --example ch02_ex_catch_up`.

use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli};

const USAGE: &str = "\
Shows that a program that is 40 % parallel never reaches the speedup of one
that is 80 % parallel on 2 processors, and what 4 processors would need.

usage: ch02_ex_catch_up
";

// ANCHOR: solution
fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    let target = amdahl::amdahl_speedup(0.2, 2.0);
    println!("option 2 (80% parallel, 2 processors): {target:.4}x");

    for processors in [4.0, 16.0, 256.0, 65536.0, f64::INFINITY] {
        let speedup = amdahl::amdahl_speedup(0.6, processors);
        let count = if processors.is_finite() {
            processors.to_string()
        } else {
            "infinitely many".to_string()
        };
        println!("option 1 (40% parallel) on {count} processors: {speedup:.4}x");
    }

    // Karp-Flatt is Amdahl's law solved for the serial fraction, so it also
    // answers "which serial fraction gives this speedup on this many processors".
    if let Some(serial) = amdahl::karp_flatt(target, 4.0) {
        println!(
            "to reach {target:.4}x on 4 processors, the program must be {:.1}% parallel",
            100.0 * (1.0 - serial)
        );
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: solution
