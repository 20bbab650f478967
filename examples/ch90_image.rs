// Scratch: proves that an image + imageproc + rayon program goes through the pipeline.
use image::{GrayImage, Luma};
use imageproc::contrast::{threshold, ThresholdType};
use rayon::prelude::*;

// ANCHOR: main
fn main() {
    // Eight gradients, each thresholded on its own thread: the white pixels are counted.
    let counts: Vec<usize> = (0..8u32)
        .into_par_iter()
        .map(|shift| {
            let image = GrayImage::from_fn(64, 64, |x, y| Luma([((x + y + shift) * 2) as u8]));
            let binary = threshold(&image, 128, ThresholdType::Binary);
            binary.pixels().filter(|p| p.0[0] == 255).count()
        })
        .collect();
    println!("white pixels per image: {counts:?}");
}
// ANCHOR_END: main
