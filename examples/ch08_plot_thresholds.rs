//! Chapter 8: the figure of the four thresholds. Prints a PNG on standard
//! output: the chapter's first image in grayscale, then its fixed, Otsu,
//! adaptive mean and adaptive Gaussian thresholds, side by side.
//! The book's `src/img/ch08-thresholds.png` is this program's output.

use std::io::{Cursor, Write};
use std::process::ExitCode;

use image::{imageops, DynamicImage, GrayImage, ImageFormat, Luma};

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::{cli, input, thresholds};

const USAGE: &str = "\
Prints a PNG figure on standard output: the chapter's first image in grayscale
and four thresholds of it (fixed, Otsu, adaptive mean, adaptive Gaussian).

usage: ch08_plot_thresholds > thresholds.png
";

/// The side of each panel: the size `ch08_thresholds` measures by default.
const PANEL: u32 = 144;
/// The light gray space between and around the panels.
const GAP: u32 = 6;
const GAP_LEVEL: u8 = 200;

fn main() -> ExitCode {
    if let Err(status) = cli::parse(USAGE, []) {
        return status;
    }
    let gray = DynamicImage::ImageRgb8(input::draw(0, PANEL, PANEL)).to_luma8();
    let panels = [
        thresholds::fixed(&gray),
        thresholds::otsu(&gray).1,
        thresholds::adaptive_mean(&gray),
        thresholds::adaptive_gaussian(&gray),
    ];
    let count = 1 + panels.len() as u32;
    let mut figure = GrayImage::from_pixel(
        count * PANEL + (count + 1) * GAP,
        PANEL + 2 * GAP,
        Luma([GAP_LEVEL]),
    );
    for (i, panel) in std::iter::once(&gray).chain(&panels).enumerate() {
        let x = GAP + i as u32 * (PANEL + GAP);
        imageops::replace(&mut figure, panel, i64::from(x), i64::from(GAP));
    }
    let mut png = Vec::new();
    if let Err(e) = figure.write_to(&mut Cursor::new(&mut png), ImageFormat::Png) {
        eprintln!("error: cannot encode the figure: {e}");
        return ExitCode::FAILURE;
    }
    // A closed pipe is not an error here either: nobody wants the bytes any more.
    let _ = std::io::stdout().lock().write_all(&png);
    ExitCode::SUCCESS
}
