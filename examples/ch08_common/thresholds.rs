// The chapter's four thresholds, with the parameters of the Python original: a
// fixed level of 127, Otsu's level, and adaptive mean and Gaussian thresholds over
// blocks of 11 x 11 pixels with the constant 2 subtracted from the local average.

use image::{GrayImage, Luma};
use imageproc::contrast::{adaptive_threshold, otsu_level, threshold, ThresholdType};

/// The fixed threshold: pixels brighter than this become white.
pub const FIXED_LEVEL: u8 = 127;
/// OpenCV's block size, the side of the square around each pixel...
pub const BLOCK_SIZE: u32 = 11;
/// ...which imageproc gives as a radius: 5 pixels on each side of the centre.
pub const BLOCK_RADIUS: u32 = BLOCK_SIZE / 2;
/// OpenCV's constant C, subtracted from the local average (imageproc's `delta`).
pub const C: i32 = 2;

// ANCHOR: global
/// White where the pixel is brighter than 127, black elsewhere.
pub fn fixed(gray: &GrayImage) -> GrayImage {
    threshold(gray, FIXED_LEVEL, ThresholdType::Binary)
}

/// The level that separates the histogram into two classes best (Otsu, 1979), and
/// the image thresholded at it.
pub fn otsu(gray: &GrayImage) -> (u8, GrayImage) {
    let level = otsu_level(gray);
    (level, threshold(gray, level, ThresholdType::Binary))
}
// ANCHOR_END: global

// ANCHOR: adaptive_mean
/// White where the pixel is at least the mean of its 11 x 11 block minus 2.
pub fn adaptive_mean(gray: &GrayImage) -> GrayImage {
    adaptive_threshold(gray, BLOCK_RADIUS, C)
}
// ANCHOR_END: adaptive_mean

// ANCHOR: adaptive_gaussian
/// White where the pixel is at least the Gaussian-weighted mean of its 11 x 11
/// block minus 2: the same rule as `adaptive_mean`, with near pixels counting more.
pub fn adaptive_gaussian(gray: &GrayImage) -> GrayImage {
    let local = gaussian_mean(gray);
    GrayImage::from_fn(gray.width(), gray.height(), |x, y| {
        let pixel = i32::from(gray.get_pixel(x, y)[0]);
        let mean = i32::from(local.get_pixel(x, y)[0]);
        Luma([if pixel >= mean - C { 255 } else { 0 }])
    })
}

/// The 11 weights of a Gaussian with sigma 2 (OpenCV's choice for an 11-pixel
/// block), as whole numbers out of 1024 at the centre. Whole numbers make the
/// blur, and so every checksum, the same on every machine. (`exp` may differ in
/// its last bit between platforms, but none of the 11 products lies near a half,
/// so they round to the same whole numbers everywhere.)
pub fn gaussian_weights() -> [u32; BLOCK_SIZE as usize] {
    let sigma = 0.3 * ((f64::from(BLOCK_SIZE) - 1.0) * 0.5 - 1.0) + 0.8;
    std::array::from_fn(|i| {
        let d = i as f64 - f64::from(BLOCK_RADIUS);
        (1024.0 * (-d * d / (2.0 * sigma * sigma)).exp()).round() as u32
    })
}

/// Blurs rows, then columns (a 2-D Gaussian is the product of two 1-D ones), in
/// whole numbers, repeating the edge pixels beyond the border as OpenCV does.
fn gaussian_mean(gray: &GrayImage) -> GrayImage {
    let weights = gaussian_weights();
    let total = u64::from(weights.iter().sum::<u32>());
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let radius = BLOCK_RADIUS as usize;
    let pixels = gray.as_raw();
    let clamp = |i: usize, n: usize| i.saturating_sub(radius).min(n - 1);

    // A row sum is at most 255 times the sum of the weights (5106), so u32 holds
    // it, in half the memory of u64; the second pass multiplies by weights again
    // and needs u64.
    let mut rows = vec![0u32; w * h];
    for y in 0..h {
        for x in 0..w {
            rows[y * w + x] = weights
                .iter()
                .enumerate()
                .map(|(k, &wk)| wk * u32::from(pixels[y * w + clamp(x + k, w)]))
                .sum();
        }
    }
    let both = total * total;
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let sum: u64 = weights
            .iter()
            .enumerate()
            .map(|(k, &wk)| u64::from(wk) * u64::from(rows[clamp(y + k, h) * w + x]))
            .sum();
        // Rounded to the nearest level, as OpenCV's fixed-point blur does.
        Luma([((sum + both / 2) / both) as u8])
    })
}
// ANCHOR_END: adaptive_gaussian

/// The checksum of a thresholded image: how many of its pixels are white.
pub fn white_pixels(binary: &GrayImage) -> u64 {
    binary.pixels().filter(|p| p[0] == 255).count() as u64
}
