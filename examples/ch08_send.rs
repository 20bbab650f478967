//! Chapter 8: what to send to a worker. Processes the same N images three ways
//! on one rayon pool: workers given paths (each reads and decodes its own),
//! workers given pixels the main thread decoded, and workers given pixels that
//! were all decoded first, in parallel.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use image::DynamicImage;
use rayon::prelude::*;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::work::{self, Failure};
use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_send [--count N] [--size PIXELS] [--threads T]

Draws N images (default 400) of PIXELS x PIXELS (default 256) and processes
them on a pool of T threads (default 2) three ways: sending each worker a path,
sending it pixels that the main thread decoded, and decoding every image first
in parallel, then processing the pixels. Prints the bytes of the PNG files and
of the decoded pixels, and the best time of each way over three runs.
";

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

// ANCHOR: ways
/// Each worker gets a path, and reads and decodes the file itself.
fn send_paths(paths: &[PathBuf], out: &std::path::Path) -> Result<u64, Failure> {
    paths.par_iter().map(|path| work::process(path, out)).sum()
}

/// One thread reads and decodes every image (inside `pool.install`, that is one of
/// the pool's workers, while the other waits); then the workers get the pixels.
fn send_pixels(paths: &[PathBuf], out: &std::path::Path) -> Result<u64, Failure> {
    let images: Vec<DynamicImage> = paths
        .iter()
        .map(|path| work::decode(&work::read(path)?))
        .collect::<Result<_, Failure>>()?;
    images
        .par_iter()
        .zip(paths)
        .map(|(image, path)| work::process_decoded(image, path, out))
        .sum()
}

/// Every image decoded first, in parallel; then the pixels processed, in parallel.
fn decode_then_compute(paths: &[PathBuf], out: &std::path::Path) -> Result<u64, Failure> {
    let images: Vec<DynamicImage> = paths
        .par_iter()
        .map(|path| work::decode(&work::read(path)?))
        .collect::<Result<_, Failure>>()?;
    images
        .par_iter()
        .zip(paths)
        .map(|(image, path)| work::process_decoded(image, path, out))
        .sum()
}
// ANCHOR_END: ways

type Way = fn(&[PathBuf], &std::path::Path) -> Result<u64, Failure>;

/// Each time is the best of this many runs.
const ROUNDS: usize = 3;

fn run(count: u32, size: u32, threads: usize) -> Result<(), Failure> {
    let inputs = input::ScratchFolder::new("ch08-send-in")?;
    let paths = input::write_images(inputs.path(), count, size)?;
    let png_bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()))
        .sum::<Result<_, _>>()?;
    let pixel_bytes = u64::from(count) * u64::from(size) * u64::from(size) * 3;
    println!("{count} images of {size}x{size} pixels on {threads} threads");
    println!("the PNG files hold {png_bytes} bytes; decoded, the pixels take {pixel_bytes}");

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let ways: [(&str, Way); 3] = [
        ("paths, each worker decodes", send_paths),
        ("pixels decoded by one", send_pixels),
        ("decode all, then compute", decode_then_compute),
    ];
    // Each way runs ROUNDS times, the ways taking turns, and keeps its best time: a
    // run that came first, into a cold pool and allocator, or that something else on
    // the machine slowed down, does not decide the comparison.
    let mut best = [f64::INFINITY; 3];
    let mut whites = [0; 3];
    for round in 0..ROUNDS {
        for (number, (_, way)) in ways.iter().enumerate() {
            // A fresh folder for each run's results: creating 400 files costs more
            // than overwriting them, and every run should pay the same.
            let outputs = input::ScratchFolder::new(&format!("ch08-send-out-{round}-{number}"))?;
            let start = Instant::now();
            whites[number] = pool.install(|| way(&paths, outputs.path()))?;
            best[number] = best[number].min(start.elapsed().as_secs_f64());
        }
    }
    for (number, (name, _)) in ways.iter().enumerate() {
        let seconds = best[number];
        println!(
            "{name:<27} {seconds:.3} s ({:.2}x the first), {} white pixels",
            seconds / best[0],
            whites[number]
        );
    }
    Ok(())
}
