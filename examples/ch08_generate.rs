//! Chapter 8: draws the chapter's images from a fixed seed into a temporary
//! folder, prints a few facts about each, and removes the folder.

use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::{cli, input};

const USAGE: &str = "\
usage: ch08_generate [--count N] [--size PIXELS]

Draws N images (default 4) of PIXELS x PIXELS (default 256) from the chapter's
fixed seed, writes them as PNG files into a temporary folder, prints the size
of each file and the sum of its gray levels, and removes the folder.
";

fn main() -> ExitCode {
    let [count, size] = match cli::parse(USAGE, [cli::count(4), cli::size(256)]) {
        Ok(values) => values,
        Err(status) => return status,
    };
    match run(count, size) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: run
fn run(count: u32, size: u32) -> Result<(), Box<dyn std::error::Error>> {
    let folder = input::ScratchFolder::new("ch08-generate")?;
    let paths = input::write_images(folder.path(), count, size)?;
    for path in &paths {
        let bytes = std::fs::metadata(path)?.len();
        let gray = image::open(path)?.to_luma8();
        let levels: u64 = gray.pixels().map(|p| u64::from(p[0])).sum();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!("{name}: {size}x{size}, {bytes} bytes of PNG, gray levels sum to {levels}");
    }
    println!(
        "{} images written, and removed with their folder",
        paths.len()
    );
    Ok(())
}
// ANCHOR_END: run
