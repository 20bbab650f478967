// The chapter's input: images drawn from a fixed seed, so that every run, on every
// machine, processes the same pixels and prints the same checksums. Nothing is
// downloaded; the images are written as PNG files into a temporary folder that is
// removed when the program ends.

use std::io;
use std::path::{Path, PathBuf};

use image::{ImageFormat, Rgb, RgbImage};
use rayon::prelude::*;

// ANCHOR: prng
/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator of pseudo-random
/// numbers, good enough for test pictures, and the same sequence on every machine.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number from `low` to `high`, both included. (The modulo favours small
    /// values by less than one part in a billion here: invisible in a picture.)
    pub fn between(&mut self, low: i32, high: i32) -> i32 {
        let span = (high - low + 1) as u64;
        low + (self.next_u64() % span) as i32
    }
}
// ANCHOR_END: prng

/// The seed of every image of the chapter; image `i` uses `SEED + i`.
pub const SEED: u64 = 2018;

// ANCHOR: scene
/// Draws image number `index`, `width` x `height` pixels: a background lit unevenly
/// (bright in one corner, dark in the opposite one), a few filled shapes, dark
/// pen-like strokes, and noise on every pixel. Thresholds have something to find,
/// and a single global level cannot find all of it.
pub fn draw(index: u32, width: u32, height: u32) -> RgbImage {
    let mut rng = SplitMix64::new(SEED + u64::from(index));
    let (w, h) = (f64::from(width), f64::from(height));
    let scale = w.min(h) / 256.0;

    // The light falls off from a random corner towards the opposite one.
    let (corner_x, corner_y) = (rng.between(0, 1) as f64 * w, rng.between(0, 1) as f64 * h);
    let bright = f64::from(rng.between(220, 245));
    let dark = f64::from(rng.between(20, 50));
    let tint = [
        rng.between(90, 100),
        rng.between(90, 100),
        rng.between(90, 100),
    ];

    let shapes: Vec<Shape> = (0..rng.between(2, 4))
        .map(|_| Shape::random(&mut rng, w, h))
        .collect();
    let strokes: Vec<Stroke> = (0..rng.between(3, 5))
        .map(|_| Stroke::random(&mut rng, w, h, scale))
        .collect();

    // Only + - * / and square roots, which IEEE 754 rounds the same way on every
    // machine: the pixels, and so the checksums, never depend on the platform.
    let diagonal = (w * w + h * h).sqrt();
    RgbImage::from_fn(width, height, |x, y| {
        let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let (dx, dy) = (px - corner_x, py - corner_y);
        let distance = (dx * dx + dy * dy).sqrt();
        let light = bright - (bright - dark) * (distance / diagonal);
        let mut colour = tint.map(|t| light * f64::from(t) / 100.0);
        for shape in &shapes {
            if shape.contains(px, py) {
                colour = shape.colour.map(f64::from);
            }
        }
        for stroke in &strokes {
            if stroke.covers(px, py) {
                colour = [stroke.ink; 3].map(f64::from);
            }
        }
        // Noise of up to 8 levels either way, on each channel.
        Rgb(colour.map(|c| (c + f64::from(rng.between(-8, 8))).clamp(0.0, 255.0) as u8))
    })
}
// ANCHOR_END: scene

/// A filled rectangle or ellipse of one colour.
struct Shape {
    ellipse: bool,
    centre: (f64, f64),
    half: (f64, f64),
    colour: [u8; 3],
}

impl Shape {
    fn random(rng: &mut SplitMix64, w: f64, h: f64) -> Shape {
        let fraction = |rng: &mut SplitMix64, low, high| f64::from(rng.between(low, high)) / 100.0;
        Shape {
            ellipse: rng.between(0, 1) == 1,
            centre: (fraction(rng, 10, 90) * w, fraction(rng, 10, 90) * h),
            half: (fraction(rng, 5, 20) * w, fraction(rng, 5, 20) * h),
            colour: [0; 3].map(|_| rng.between(0, 255) as u8),
        }
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        let (dx, dy) = (
            (x - self.centre.0) / self.half.0,
            (y - self.centre.1) / self.half.1,
        );
        if self.ellipse {
            dx * dx + dy * dy <= 1.0
        } else {
            dx.abs() <= 1.0 && dy.abs() <= 1.0
        }
    }
}

/// A dark line through three points, a pen stroke.
struct Stroke {
    points: [(f64, f64); 3],
    half_width: f64,
    ink: u8,
}

impl Stroke {
    fn random(rng: &mut SplitMix64, w: f64, h: f64, scale: f64) -> Stroke {
        let point = |rng: &mut SplitMix64| {
            (
                f64::from(rng.between(5, 95)) / 100.0 * w,
                f64::from(rng.between(5, 95)) / 100.0 * h,
            )
        };
        Stroke {
            points: [point(rng), point(rng), point(rng)],
            half_width: f64::from(rng.between(8, 20)) / 10.0 * scale,
            ink: rng.between(10, 50) as u8,
        }
    }

    fn covers(&self, x: f64, y: f64) -> bool {
        self.points.windows(2).any(|pair| {
            distance_sq_to_segment((x, y), pair[0], pair[1]) <= self.half_width * self.half_width
        })
    }
}

fn distance_sq_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let length_sq = abx * abx + aby * aby;
    let t = if length_sq == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / length_sq).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a.0 + t * abx, a.1 + t * aby);
    let (dx, dy) = (p.0 - cx, p.1 - cy);
    dx * dx + dy * dy
}

// ANCHOR: files
/// A new folder under the system's temporary directory, removed when dropped: at the
/// end of `main`, and also when the program returns early with an error.
pub struct ScratchFolder(tempfile::TempDir);

impl ScratchFolder {
    /// `name` plus a random suffix. The `tempfile` crate creates the folder only if
    /// nothing by that name exists, so no other program's folder is ever reused or
    /// removed, even one that guessed the name.
    pub fn new(name: &str) -> io::Result<ScratchFolder> {
        let folder = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()?;
        Ok(ScratchFolder(folder))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// Draws `count` images of `size` x `size` pixels and writes them as PNG files into
/// `folder`, drawing several at once on rayon's threads. Returns their paths in order.
pub fn write_images(folder: &Path, count: u32, size: u32) -> image::ImageResult<Vec<PathBuf>> {
    (0..count)
        .into_par_iter()
        .map(|index| {
            let path = folder.join(format!("image-{index:04}.png"));
            draw(index, size, size).save_with_format(&path, ImageFormat::Png)?;
            Ok(path)
        })
        .collect()
}
// ANCHOR_END: files
