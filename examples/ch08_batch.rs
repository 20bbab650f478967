//! Chapter 8: the batch. Decodes, converts, thresholds and encodes N generated
//! images on rayon pools of 1, 2, ... threads, and prints the time, the speedup
//! and the images per second of each, with the serial part and what Amdahl's law
//! predicts from it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rayon::prelude::*;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::work::{self, Failure};
use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_batch [--count N] [--size PIXELS] [--threads MAX]

Draws N images (default 400) of PIXELS x PIXELS (default 256) into a temporary
folder, then processes the whole folder (read, decode, convert to grayscale,
adaptive Gaussian threshold, encode, write) on pools of 1 to MAX threads
(default 2), three times each. Prints each pool's best time, images per second and
speedup, the serial part of the one-thread run and the speedup Amdahl's law predicts
from it, and the serial fraction that would explain each measured speedup (Karp-Flatt).
";

/// Each time is the best of this many runs: a run that something else on the
/// machine slowed down (another program, caches still cold) is not the program's time.
const ROUNDS: usize = 3;

fn main() -> ExitCode {
    let [count, size, threads] =
        match cli::parse(USAGE, [cli::count(400), cli::size(256), cli::threads(2)]) {
            Ok(values) => values,
            Err(status) => return status,
        };
    match run(count, size, threads as usize) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What one run of the batch measured.
struct Run {
    total: Duration,
    serial: Duration,
    white: u64,
}

// ANCHOR: batch
/// Processes every image of `input_folder` on the current rayon pool. The serial
/// part, timed on its own, is listing the folder and adding up the checksums.
fn batch(input_folder: &Path, output_folder: &Path) -> Result<Run, Failure> {
    let start = Instant::now();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(input_folder)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    inputs.sort();
    let listed = start.elapsed();

    let whites: Vec<u64> = inputs
        .par_iter()
        .map(|path| work::process(path, output_folder))
        .collect::<Result<_, _>>()?;

    let summing = Instant::now();
    let white = whites.iter().sum();
    let serial = listed + summing.elapsed();
    Ok(Run {
        total: start.elapsed(),
        serial,
        white,
    })
}
// ANCHOR_END: batch

// ANCHOR: run
fn run(count: u32, size: u32, max_threads: usize) -> Result<(), Failure> {
    let inputs = input::ScratchFolder::new("ch08-batch-in")?;
    input::write_images(inputs.path(), count, size)?;
    println!("{count} images of {size}x{size} pixels");

    let mut one_thread: Option<Run> = None;
    let mut speedups = Vec::new();
    for threads in 1..=max_threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let mut best: Option<Run> = None;
        for round in 0..ROUNDS {
            // A fresh folder for each run's results: creating the files costs more than
            // overwriting them, and every run should pay the same.
            let outputs = input::ScratchFolder::new(&format!("ch08-batch-out-{threads}-{round}"))?;
            let run = pool.install(|| batch(inputs.path(), outputs.path()))?;
            if best.as_ref().is_none_or(|b| run.total < b.total) {
                best = Some(run);
            }
        }
        let run = best.ok_or("no rounds")?;
        let seconds = run.total.as_secs_f64();
        let base = one_thread
            .as_ref()
            .map_or(seconds, |r| r.total.as_secs_f64());
        println!(
            "{threads} thread{}: {seconds:.3} s, {:.1} images/s, speedup {:.2}x, {} white pixels",
            if threads == 1 { " " } else { "s" },
            f64::from(count) / seconds,
            base / seconds,
            run.white,
        );
        speedups.push((threads, base / seconds));
        one_thread.get_or_insert(run);
    }

    if let Some(first) = one_thread {
        let part = first.serial.as_secs_f64() / first.total.as_secs_f64();
        println!(
            "serial part of the 1-thread run: {:.2} ms of {:.3} s, B = {:.5}",
            first.serial.as_secs_f64() * 1e3,
            first.total.as_secs_f64(),
            part
        );
        // Amdahl's p is processors: threads beyond the cores add none.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for &(threads, speedup) in &speedups[1..] {
            let p = threads.min(cores) as f64;
            let amdahl = 1.0 / (part + (1.0 - part) / p);
            if p < 2.0 {
                println!("{threads} threads: one core, Amdahl's law predicts {amdahl:.2}x");
                continue;
            }
            // Karp-Flatt: the serial fraction e for which Amdahl's law gives `speedup`.
            let e = (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p);
            println!(
                "{threads} threads: Amdahl's law with that B predicts {amdahl:.2}x; \
                 measured {speedup:.2}x, as if e = {e:.3} were serial (Karp-Flatt)"
            );
        }
    }
    Ok(())
}
// ANCHOR_END: run
