// Chapter 2: Amdahl's law as a decision tool. A program is 40 % parallel; is it
// better to run it on 4 processors, or to rework it until 80 % of it is parallel
// and run it on 2?
//
// Run it with `cargo run --release --example ch02_choices`.

use std::process::ExitCode;

// ANCHOR: shared
// The chapter's shared code is an ordinary module folder beside the programs,
// `examples/ch02_common/`, whose `mod.rs` declares `amdahl`, `cli` and `primes`.
// Each program uses the parts it needs.
mod ch02_common;

use ch02_common::{amdahl, cli};
// ANCHOR_END: shared

const USAGE: &str = "\
Compares two ways to speed up a program that is 40 % parallel, with Amdahl's law.

usage: ch02_choices
";

// ANCHOR: choices
/// One way to make the program faster.
struct Plan {
    name: &'static str,
    /// The share of the one-processor run time that can run in parallel.
    parallel: f64,
    processors: u32,
}

impl Plan {
    fn speedup(&self) -> f64 {
        amdahl::amdahl_speedup(1.0 - self.parallel, f64::from(self.processors))
    }
}

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    let plans = [
        Plan {
            name: "option 1",
            parallel: 0.4,
            processors: 4,
        },
        Plan {
            name: "option 2",
            parallel: 0.8,
            processors: 2,
        },
    ];
    for plan in &plans {
        println!(
            "{}: {:.0}% parallel on {} processors, speedup {:.2}x",
            plan.name,
            100.0 * plan.parallel,
            plan.processors,
            plan.speedup()
        );
    }
    // `total_cmp` orders floats without a panic path for NaN.
    if let Some(best) = plans
        .iter()
        .max_by(|a, b| a.speedup().total_cmp(&b.speedup()))
    {
        println!("{} is faster", best.name);
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: choices
