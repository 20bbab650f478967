//! Chapter 8, exercise 2: the adaptive mean threshold written with an integral
//! image, checked pixel for pixel against imageproc's `adaptive_threshold`.

use std::process::ExitCode;

use image::{DynamicImage, GrayImage, Luma};

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::thresholds::{self, BLOCK_RADIUS, C};
use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_ex_integral [--count N] [--size PIXELS]

Thresholds N generated images (default 8) of PIXELS x PIXELS (default 256)
against the mean of each pixel's 11 x 11 block minus 2, with an integral image
of our own, and checks each result against imageproc's adaptive_threshold.
";

// ANCHOR: solution
/// Entry (x, y) of the integral image is the sum of all pixels above and to the
/// left of (x, y), so the sum over any rectangle takes four look-ups, whatever its
/// size. One row and one column of zeros in front spare the edge cases.
fn integral(gray: &GrayImage) -> Vec<u64> {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let mut sums = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0;
        for x in 0..w {
            row += u64::from(gray.as_raw()[y * w + x]);
            sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
        }
    }
    sums
}

/// White where the pixel is at least the mean of its block minus C. Near the edges
/// the block is cut off by the border and the mean taken over what is left, as
/// imageproc does; the mean is rounded down, as imageproc's is.
fn adaptive_mean_integral(gray: &GrayImage) -> GrayImage {
    let sums = integral(gray);
    let (w, h) = (gray.width(), gray.height());
    let stride = w as usize + 1;
    GrayImage::from_fn(w, h, |x, y| {
        let (left, top) = (
            x.saturating_sub(BLOCK_RADIUS),
            y.saturating_sub(BLOCK_RADIUS),
        );
        let right = (x + BLOCK_RADIUS).min(w - 1) + 1;
        let bottom = (y + BLOCK_RADIUS).min(h - 1) + 1;
        let at = |x: u32, y: u32| sums[y as usize * stride + x as usize];
        let sum = at(right, bottom) + at(left, top) - at(left, bottom) - at(right, top);
        let mean = (sum / u64::from((right - left) * (bottom - top))) as i32;
        let pixel = i32::from(gray.get_pixel(x, y)[0]);
        Luma([if pixel >= mean - C { 255 } else { 0 }])
    })
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    let [count, size] = match cli::parse(USAGE, [cli::count(8), cli::size(256)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    let mut same = 0;
    for index in 0..count {
        let gray = DynamicImage::ImageRgb8(input::draw(index, size, size)).to_luma8();
        let ours = adaptive_mean_integral(&gray);
        let theirs = thresholds::adaptive_mean(&gray);
        println!(
            "image {index}: ours {} white, imageproc's {} white, {}",
            thresholds::white_pixels(&ours),
            thresholds::white_pixels(&theirs),
            if ours == theirs {
                "the same pixels"
            } else {
                "DIFFERENT"
            }
        );
        same += u32::from(ours == theirs);
    }
    println!("{same} of {count} images the same, pixel for pixel");
    if same == count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
