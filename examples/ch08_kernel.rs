//! Chapter 8: a fast serial kernel before threads. The adaptive Gaussian threshold
//! of the chapter, rewritten for one thread: no bounds checks in the inner loops,
//! loops the compiler can vectorise, the border apart from the interior, and no
//! division per pixel. Checked pixel for pixel against the chapter's function.

use std::process::ExitCode;
use std::time::Instant;

use image::{DynamicImage, GrayImage};

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::thresholds::{self, BLOCK_RADIUS, C};
use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_kernel [--size PIXELS]

Draws one image of PIXELS x PIXELS (default 1024) and thresholds it on one thread
with the chapter's adaptive Gaussian function and with a faster version of it.
Checks that the two results are the same and prints the best time of each over
five runs.
";

/// Each time is the best of this many runs, the two versions taking turns.
const ROUNDS: usize = 5;

// ANCHOR: fast
/// `thresholds::adaptive_gaussian`, the same arithmetic in another order.
fn adaptive_gaussian_fast(gray: &GrayImage) -> GrayImage {
    let weights = thresholds::gaussian_weights();
    let total = u64::from(weights.iter().sum::<u32>());
    let both = total * total;
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let radius = BLOCK_RADIUS as usize;
    let clamp = |i: usize, n: usize| i.saturating_sub(radius).min(n - 1);
    let pixels = gray.as_raw();

    // Along the rows. In the interior, one weight at a time over a whole row: a plain
    // loop over two slices, which the compiler turns into vector instructions.
    let mut rows = vec![0u32; w * h];
    for (row, sums) in pixels.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        if w > 2 * radius {
            let inner = &mut sums[radius..w - radius];
            for (k, &wk) in weights.iter().enumerate() {
                for (sum, &pixel) in inner.iter_mut().zip(&row[k..]) {
                    *sum += wk * u32::from(pixel);
                }
            }
        }
        // The few pixels whose block crosses the left or right edge.
        for x in (0..radius.min(w)).chain(w.saturating_sub(radius).max(radius)..w) {
            sums[x] = weights
                .iter()
                .enumerate()
                .map(|(k, &wk)| wk * u32::from(row[clamp(x + k, w)]))
                .sum();
        }
    }

    // Down the columns, a whole row of sums at a time, then the threshold in the same
    // pass. `pixel >= round(sum / both) - C` is tested without dividing:
    // round(sum / both) <= pixel + C exactly when sum + both / 2 < (pixel + C + 1) * both.
    let c = u64::try_from(C).expect("C is not negative");
    let mut out = vec![0u8; w * h];
    let mut column_sums = vec![0u64; w];
    for (y, line) in out.chunks_exact_mut(w).enumerate() {
        column_sums.fill(0);
        for (k, &wk) in weights.iter().enumerate() {
            let source = &rows[clamp(y + k, h) * w..][..w];
            for (sum, &row_sum) in column_sums.iter_mut().zip(source) {
                *sum += u64::from(wk) * u64::from(row_sum);
            }
        }
        let row = &pixels[y * w..][..w];
        for ((value, &sum), &pixel) in line.iter_mut().zip(&column_sums).zip(row) {
            let white = sum + both / 2 < (u64::from(pixel) + c + 1) * both;
            *value = if white { 255 } else { 0 };
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("one byte per pixel")
}
// ANCHOR_END: fast

fn main() -> ExitCode {
    let [size] = match cli::parse(USAGE, [cli::size(1024)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    let gray = DynamicImage::ImageRgb8(input::draw(0, size, size)).to_luma8();

    // ANCHOR: time
    let (mut chapter_time, mut fast_time) = (f64::INFINITY, f64::INFINITY);
    let (mut chapter, mut fast) = (GrayImage::new(0, 0), GrayImage::new(0, 0));
    for _ in 0..ROUNDS {
        let start = Instant::now();
        chapter = thresholds::adaptive_gaussian(&gray);
        chapter_time = chapter_time.min(start.elapsed().as_secs_f64());

        let start = Instant::now();
        fast = adaptive_gaussian_fast(&gray);
        fast_time = fast_time.min(start.elapsed().as_secs_f64());
    }
    let pixels = f64::from(size) * f64::from(size);
    println!("one {size}x{size} image on one thread, best of {ROUNDS} runs each");
    println!(
        "the chapter's kernel: {chapter_time:.4} s, {:.2} ns a pixel",
        chapter_time * 1e9 / pixels
    );
    println!(
        "the fast kernel:      {fast_time:.4} s, {:.2} ns a pixel, {:.2}x as fast",
        fast_time * 1e9 / pixels,
        chapter_time / fast_time
    );
    println!(
        "the same pixels: {}, {} white",
        chapter == fast,
        thresholds::white_pixels(&fast)
    );
    // ANCHOR_END: time
    if chapter == fast {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
