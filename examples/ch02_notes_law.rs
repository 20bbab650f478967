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
    let (sigma, kappa) = usl_fit(&speedups);
    println!("workers  took s  speedup  Amdahl  Karp-Flatt e     USL");
    for (i, (&took, &speedup)) in TOOK.iter().zip(&speedups).enumerate() {
        let workers = (i + 1) as f64;
        let e = amdahl::karp_flatt(speedup, workers)
            .map_or_else(|| "-".to_string(), |e| format!("{e:.3}"));
        println!(
            "{:>7}  {took:>6.2}  {speedup:>6.2}x  {:>5.2}x  {e:>12}  {:>5.2}x",
            i + 1,
            amdahl::amdahl_speedup(serial, workers),
            usl_speedup(sigma, kappa, workers)
        );
    }
    println!("Amdahl: the law with serial fraction {serial:.3}, the Karp-Flatt e of 2 workers");
    println!(
        "USL: least-squares fit, contention {sigma:.3}, coherency {kappa:.4}, peak at {:.1} workers",
        ((1.0 - sigma) / kappa).sqrt()
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: law

// ANCHOR: usl
/// Gunther's Universal Scalability Law: the speedup on `p` workers with contention
/// `sigma` (a serial part, as in Amdahl's law) and coherency `kappa` (a cost that grows
/// with every pair of workers, and that makes the curve turn down).
fn usl_speedup(sigma: f64, kappa: f64, p: f64) -> f64 {
    p / (1.0 + sigma * (p - 1.0) + kappa * p * (p - 1.0))
}

/// Fits sigma and kappa to measured speedups (index i is i + 1 workers) by least squares
/// on the USL's linear form, p / S - 1 = sigma (p - 1) + kappa p (p - 1), keeping sigma
/// at 0 or above.
fn usl_fit(speedups: &[f64]) -> (f64, f64) {
    let rows: Vec<(f64, f64, f64)> = speedups
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let p = (i + 1) as f64;
            (p - 1.0, p * (p - 1.0), p / s - 1.0)
        })
        .collect();
    let sum = |f: &dyn Fn(&(f64, f64, f64)) -> f64| rows.iter().map(f).sum::<f64>();
    let (a11, a12, a22) = (
        sum(&|r| r.0 * r.0),
        sum(&|r| r.0 * r.1),
        sum(&|r| r.1 * r.1),
    );
    let (b1, b2) = (sum(&|r| r.0 * r.2), sum(&|r| r.1 * r.2));
    let det = a11 * a22 - a12 * a12;
    let sigma = (b1 * a22 - b2 * a12) / det;
    if sigma >= 0.0 {
        (sigma, (a11 * b2 - a12 * b1) / det)
    } else {
        // A negative contention means none was measured: fit the coherency alone.
        (0.0, b2 / a22)
    }
}
// ANCHOR_END: usl
