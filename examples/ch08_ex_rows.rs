//! Chapter 8, exercise 1: parallelism inside one image. The adaptive Gaussian
//! threshold of one large image, its rows shared among rayon's threads, checked
//! pixel for pixel against the one-thread version of the chapter.

use std::process::ExitCode;
use std::time::Instant;

use image::{DynamicImage, GrayImage};
use rayon::prelude::*;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::thresholds::{self, BLOCK_RADIUS, C};
use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_ex_rows [--size PIXELS] [--threads T]

Draws one image of PIXELS x PIXELS (default 1024) and thresholds it against the
Gaussian-weighted mean of each pixel's 11 x 11 block, minus 2: once on one
thread with the chapter's function, once with its rows shared among T threads
(default 2). Checks that the two results are the same and prints the best time
of each over three runs.
";

/// Each time is the best of this many runs.
const ROUNDS: usize = 3;

// ANCHOR: solution
/// `thresholds::adaptive_gaussian`, with each pass split into rows that rayon's
/// threads compute at once. A row of a pass reads only the image, or the finished
/// previous pass, and writes only itself: no row waits for another.
fn adaptive_gaussian_by_rows(gray: &GrayImage) -> GrayImage {
    let weights = thresholds::gaussian_weights();
    let total = u64::from(weights.iter().sum::<u32>());
    let both = total * total;
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let radius = BLOCK_RADIUS as usize;
    let clamp = |i: usize, n: usize| i.saturating_sub(radius).min(n - 1);
    let pixels = gray.as_raw();

    let mut rows = vec![0u32; w * h];
    rows.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, sum) in row.iter_mut().enumerate() {
            *sum = weights
                .iter()
                .enumerate()
                .map(|(k, &wk)| wk * u32::from(pixels[y * w + clamp(x + k, w)]))
                .sum();
        }
    });

    let mut out = vec![0u8; w * h];
    out.par_chunks_mut(w).enumerate().for_each(|(y, line)| {
        for (x, value) in line.iter_mut().enumerate() {
            let sum: u64 = weights
                .iter()
                .enumerate()
                .map(|(k, &wk)| u64::from(wk) * u64::from(rows[clamp(y + k, h) * w + x]))
                .sum();
            let mean = ((sum + both / 2) / both) as i32;
            let pixel = i32::from(pixels[y * w + x]);
            *value = if pixel >= mean - C { 255 } else { 0 };
        }
    });
    GrayImage::from_raw(w as u32, h as u32, out).expect("one byte per pixel")
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    let [size, threads] = match cli::parse(USAGE, [cli::size(1024), cli::threads(2)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    let gray = DynamicImage::ImageRgb8(input::draw(0, size, size)).to_luma8();

    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads as usize)
        .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start the pool: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Each time is the best of ROUNDS runs, the two versions taking turns, so that
    // neither is judged by a run that something else on the machine slowed down.
    let (mut serial_time, mut rows_time) = (f64::INFINITY, f64::INFINITY);
    let (mut serial, mut by_rows) = (GrayImage::new(0, 0), GrayImage::new(0, 0));
    for _ in 0..ROUNDS {
        let start = Instant::now();
        serial = thresholds::adaptive_gaussian(&gray);
        serial_time = serial_time.min(start.elapsed().as_secs_f64());

        let start = Instant::now();
        by_rows = pool.install(|| adaptive_gaussian_by_rows(&gray));
        rows_time = rows_time.min(start.elapsed().as_secs_f64());
    }

    println!("one {size}x{size} image");
    println!(
        "one thread:   {serial_time:.3} s, {} white pixels",
        thresholds::white_pixels(&serial)
    );
    println!(
        "rows on {threads}:    {rows_time:.3} s, {} white pixels, {:.2}x",
        thresholds::white_pixels(&by_rows),
        serial_time / rows_time
    );
    println!("the same pixels: {}", serial == by_rows);
    if serial == by_rows {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
