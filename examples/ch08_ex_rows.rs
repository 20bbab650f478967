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

Draws one image of PIXELS x PIXELS (default 2048) and thresholds it against the
Gaussian-weighted mean of each pixel's 11 x 11 block, minus 2, with its rows
shared among the threads of a pool: a pool of 1 thread, then one of T threads
(default 2). Checks both results against the chapter's one-thread function and
prints the best time of each pool over three runs.
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
    let [size, threads] = match cli::parse(USAGE, [cli::size(2048), cli::threads(2)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    let gray = DynamicImage::ImageRgb8(input::draw(0, size, size)).to_luma8();

    let pools = [1, threads as usize]
        .map(|threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build());
    let [Ok(one), Ok(many)] = pools else {
        eprintln!("error: cannot start the pools");
        return ExitCode::FAILURE;
    };
    // The same function on both pools, so that the ratio is the threads' doing alone.
    // Each time is the best of ROUNDS runs, the two pools taking turns, so that
    // neither is judged by a run that something else on the machine slowed down.
    let (mut one_time, mut many_time) = (f64::INFINITY, f64::INFINITY);
    let (mut on_one, mut on_many) = (GrayImage::new(0, 0), GrayImage::new(0, 0));
    for _ in 0..ROUNDS {
        let start = Instant::now();
        on_one = one.install(|| adaptive_gaussian_by_rows(&gray));
        one_time = one_time.min(start.elapsed().as_secs_f64());

        let start = Instant::now();
        on_many = many.install(|| adaptive_gaussian_by_rows(&gray));
        many_time = many_time.min(start.elapsed().as_secs_f64());
    }
    let chapter = thresholds::adaptive_gaussian(&gray);

    println!("one {size}x{size} image, its rows shared among a pool's threads");
    println!(
        "rows on 1:    {one_time:.3} s, {} white pixels",
        thresholds::white_pixels(&on_one)
    );
    println!(
        "rows on {threads}:    {many_time:.3} s, {} white pixels, {:.2}x",
        thresholds::white_pixels(&on_many),
        one_time / many_time
    );
    let same = on_one == chapter && on_many == chapter;
    println!("the same pixels as the chapter's function: {same}");
    if same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
