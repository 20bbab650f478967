//! Chapter 8: an image is a grid of pixels stored as bytes. Makes a 3 x 2 colour
//! image, prints its bytes, converts it to grayscale with the image crate and
//! compares that with OpenCV's weights.

use std::process::ExitCode;

use image::{DynamicImage, Rgb, RgbImage};

const USAGE: &str = "\
usage: ch08_grayscale

Makes a 3 x 2 colour image, prints its bytes, and converts it to grayscale with
the image crate's weights and with OpenCV's.
";

// ANCHOR: pixels
fn main() -> ExitCode {
    // ANCHOR_END: pixels
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: pixels
    let colours = [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 255],
        [128, 128, 128],
        [230, 180, 140],
    ];
    // Three pixels wide, two high; pixel (x, y) is colour number y * 3 + x.
    let rgb = RgbImage::from_fn(3, 2, |x, y| Rgb(colours[(y * 3 + x) as usize]));
    println!(
        "{}x{} RGB image, {} bytes:",
        rgb.width(),
        rgb.height(),
        rgb.as_raw().len()
    );
    println!("  {:?}", rgb.as_raw());

    let gray = DynamicImage::ImageRgb8(rgb.clone()).to_luma8();
    println!(
        "as grayscale, {} bytes: {:?}",
        gray.as_raw().len(),
        gray.as_raw()
    );

    println!("pixel (x, y)   R   G   B   image crate   OpenCV");
    for (x, y, Rgb([r, g, b])) in rgb.enumerate_pixels() {
        let ours = gray.get_pixel(x, y)[0];
        println!(
            "({x}, {y})        {r:>3} {g:>3} {b:>3}   {ours:>11}   {:>6}",
            bt601(*r, *g, *b)
        );
    }
    ExitCode::SUCCESS
}

/// OpenCV's RGB-to-gray weights (ITU-R BT.601): 0.299 R + 0.587 G + 0.114 B,
/// rounded. The image crate uses BT.709's 0.2126, 0.7152 and 0.0722 instead.
fn bt601(r: u8, g: u8, b: u8) -> u8 {
    let weighted = 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b);
    ((weighted + 500) / 1000) as u8
}
// ANCHOR_END: pixels

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
