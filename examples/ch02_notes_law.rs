// Chapter 2: Amdahl's law against a run on more than two cores. The notes on
// the Python original give its times on a machine that reported 8 processors;
// this sets each against the law, with the serial fraction taken from the
// 2-worker run, as `ch02_amdahl` does on a two-core machine.
//
// Run it with `cargo run --release --example ch02_notes_law`.

use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli};

const USAGE: &str = "\
Sets the Python original's run times on 1 to 8 worker processes, as its notes
give them, beside Amdahl's law.

usage: ch02_notes_law
";

// ANCHOR: law
/// The Python original's whole-call times ("Took") in seconds for 1 to 8 worker
/// processes, on a machine that reported 8 processors, as its notes give them.
const TOOK: [f64; 8] = [
    10.4939, 5.5624, 4.1331, 3.4789, 3.4106, 3.0392, 3.1581, 3.5715,
];

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    let speedups: Vec<f64> = TOOK.iter().map(|took| TOOK[0] / took).collect();
    // The serial fraction that explains the 2-worker run: the one row in which
    // a worker surely had a core to itself on an 8-processor machine.
    let Some(serial) = amdahl::karp_flatt(speedups[1], 2.0) else {
        return ExitCode::FAILURE;
    };
    println!("workers  took s  speedup  Amdahl  Karp-Flatt e");
    for (i, (&took, &speedup)) in TOOK.iter().zip(&speedups).enumerate() {
        let workers = (i + 1) as f64;
        let e = amdahl::karp_flatt(speedup, workers)
            .map_or_else(|| "-".to_string(), |e| format!("{e:.3}"));
        println!(
            "{:>7}  {took:>6.2}  {speedup:>6.2}x  {:>5.2}x  {e:>12}",
            i + 1,
            amdahl::amdahl_speedup(serial, workers)
        );
    }
    println!("Amdahl: the law with serial fraction {serial:.3}, the Karp-Flatt e of 2 workers");
    ExitCode::SUCCESS
}
// ANCHOR_END: law
