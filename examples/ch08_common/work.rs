// What the batch does to one image, in stages that the programs can time, run
// in different places, or hand from one thread to another: read the file, decode
// the PNG, convert to grayscale, threshold, encode the result as PNG, write it.

use std::error::Error;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageFormat};

use super::thresholds;

/// Any failure of a stage, sendable between threads.
pub type Failure = Box<dyn Error + Send + Sync>;

// ANCHOR: stages
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| in_file(path, e))
}

pub fn decode(png: &[u8]) -> Result<DynamicImage, Failure> {
    Ok(image::load_from_memory_with_format(png, ImageFormat::Png)?)
}

pub fn convert(image: &DynamicImage) -> GrayImage {
    image.to_luma8()
}

pub fn threshold(gray: &GrayImage) -> GrayImage {
    thresholds::adaptive_gaussian(gray)
}

pub fn encode(binary: &GrayImage) -> Result<Vec<u8>, Failure> {
    let mut png = Vec::new();
    binary.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

/// Where the result of `input` goes: the same file name in `output_folder`.
pub fn write(input: &Path, output_folder: &Path, png: &[u8]) -> Result<(), Failure> {
    let name = input
        .file_name()
        .ok_or("an input path without a file name")?;
    let output = output_folder.join(name);
    fs::write(&output, png).map_err(|e| in_file(&output, e))
}

/// An error that says which file it is about: out of 400, the user needs to know.
pub fn in_file(path: &Path, error: impl std::fmt::Display) -> Failure {
    format!("{}: {error}", path.display()).into()
}
// ANCHOR_END: stages

// ANCHOR: process
/// The whole job for one file. Returns the checksum of the result: its white pixels.
pub fn process(input: &Path, output_folder: &Path) -> Result<u64, Failure> {
    let image = decode(&read(input)?).map_err(|e| in_file(input, e))?;
    process_decoded(&image, input, output_folder)
}

/// The job for an image that someone else has already read and decoded.
pub fn process_decoded(
    image: &DynamicImage,
    input: &Path,
    output_folder: &Path,
) -> Result<u64, Failure> {
    let binary = threshold(&convert(image));
    let png = encode(&binary).map_err(|e| in_file(input, e))?;
    write(input, output_folder, &png)?;
    Ok(thresholds::white_pixels(&binary))
}
// ANCHOR_END: process

/// The input paths with the results' folder: what every batch program starts from.
pub struct Batch {
    pub inputs: Vec<PathBuf>,
    pub output_folder: PathBuf,
}
