//! Chapter 8: the four thresholds of the chapter applied to one generated image,
//! each with its checksum, the count of white pixels.

use std::process::ExitCode;

use image::DynamicImage;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::{cli, input, thresholds};

const USAGE: &str = "\
usage: ch08_thresholds [--size PIXELS]

Draws the chapter's first image, PIXELS x PIXELS (default 144), converts it to
grayscale and thresholds it four ways: at the fixed level 127, at Otsu's level,
and adaptively against the mean and the Gaussian-weighted mean of each pixel's
11 x 11 block, minus 2. Prints how many pixels each result has white.
";

fn main() -> ExitCode {
    let [size] = match cli::parse(USAGE, [cli::size(144)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    // ANCHOR: apply
    let gray = DynamicImage::ImageRgb8(input::draw(0, size, size)).to_luma8();
    let pixels = u64::from(size) * u64::from(size);
    let (level, otsu) = thresholds::otsu(&gray);
    let results = [
        (
            format!("fixed level {}", thresholds::FIXED_LEVEL),
            thresholds::fixed(&gray),
        ),
        (format!("Otsu (level {level})"), otsu),
        (
            "adaptive mean".to_string(),
            thresholds::adaptive_mean(&gray),
        ),
        (
            "adaptive Gaussian".to_string(),
            thresholds::adaptive_gaussian(&gray),
        ),
    ];
    println!("image 0, {size}x{size} = {pixels} pixels");
    for (method, binary) in &results {
        let white = thresholds::white_pixels(binary);
        println!("{method:<20} {white:>6} white ({}%)", white * 100 / pixels);
    }
    // ANCHOR_END: apply
    ExitCode::SUCCESS
}
