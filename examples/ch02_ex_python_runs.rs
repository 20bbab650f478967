// Chapter 2, exercise 1: where the Python original's time went. The notes list
// the times of the Python process-pool version on a machine that reported 8
// processors, for the loop that collects the results ("Sub") and for the whole
// call ("Took"); the difference is the time outside the loop.
//
// Run it with `cargo run --release --example ch02_ex_python_runs`.

use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::cli;

const USAGE: &str = "\
Splits the Python original's run times, as its notes quote them, into the
collecting loop and the time outside it, with the speedup of each.

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
    let (sub_one, took_one) = PYTHON_RUNS[0];
    println!("workers  sub s  took s  outside s  sub speedup  took speedup");
    for (i, &(sub, took)) in PYTHON_RUNS.iter().enumerate() {
        println!(
            "{:>7}  {sub:>5.2}  {took:>6.2}  {:>9.2}  {:>10.2}x  {:>11.2}x",
            i + 1,
            took - sub,
            sub_one / sub,
            took_one / took
        );
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: solution
