// Chapter 2, exercise 1: the serial fraction of the Python original. The notes
// list the times of the Python process-pool version on a machine that reported
// 8 processors; Karp-Flatt turns each into the serial fraction that Amdahl's law
// would need to explain it.
//
// Run it with `cargo run --release --example ch02_ex_python_runs`.

use std::process::ExitCode;

// The chapter's shared files: the formulas and the command line (see
// `ch02_amdahl.rs`).
#[allow(dead_code)]
mod amdahl {
    include!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/ch02_common/amdahl.rs"
    ));
}
#[allow(dead_code)]
mod cli {
    include!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/ch02_common/cli.rs"
    ));
}

const USAGE: &str = "\
Estimates the serial fraction of the Python original of chapter 2 from the
run times quoted in its notes (Karp-Flatt).

usage: ch02_ex_python_runs
";

// ANCHOR: solution
/// The Python program's times in seconds for 1 to 8 worker processes, as the
/// notes quote them: the loop collecting the results ("Sub") and the whole
/// call, pool start and stop included ("Took").
const PYTHON_RUNS: [(f64, f64); 8] = [
    (10.1639, 10.4939),
    (5.2571, 5.5624),
    (3.7803, 4.1331),
    (3.1190, 3.4789),
    (3.0214, 3.4106),
    (2.5960, 3.0392),
    (2.6030, 3.1581),
    (3.0615, 3.5715),
];

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    let one_worker = PYTHON_RUNS[0].1;
    println!("workers  sub s  took s  outside s  speedup  Karp-Flatt e");
    for (i, &(sub, took)) in PYTHON_RUNS.iter().enumerate() {
        let workers = i + 1;
        let speedup = one_worker / took;
        let e = amdahl::karp_flatt(speedup, workers as f64)
            .map_or_else(|| "-".to_string(), |e| format!("{e:.3}"));
        println!(
            "{workers:>7}  {sub:>5.2}  {took:>6.2}  {:>9.2}  {speedup:>6.2}x  {e:>12}",
            took - sub
        );
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: solution
