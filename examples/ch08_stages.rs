//! Chapter 8: where the batch's time goes. Processes N generated images on one
//! thread and times each stage (read, decode, convert, threshold, encode, write)
//! on its own.

use std::process::ExitCode;
use std::time::{Duration, Instant};

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::work::{self, Failure};
use ch08_common::{cli, input, thresholds};

const USAGE: &str = "\
usage: ch08_stages [--count N] [--size PIXELS]

Draws N images (default 400) of PIXELS x PIXELS (default 256), processes them
one after another on one thread, and prints the time each stage took in total
and its share of the whole.
";

const STAGES: [&str; 6] = ["read", "decode", "convert", "threshold", "encode", "write"];

fn main() -> ExitCode {
    let [count, size] = match cli::parse(USAGE, [cli::count(400), cli::size(256)]) {
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

// ANCHOR: time
/// Runs `stage`, adds the time it took to `total`, and returns its result.
fn timed<T>(total: &mut Duration, stage: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = stage();
    *total += start.elapsed();
    result
}

fn run(count: u32, size: u32) -> Result<(), Failure> {
    let inputs = input::ScratchFolder::new("ch08-stages-in")?;
    let outputs = input::ScratchFolder::new("ch08-stages-out")?;
    let paths = input::write_images(inputs.path(), count, size)?;

    let mut spent = [Duration::ZERO; STAGES.len()];
    let mut white = 0;
    for path in &paths {
        let [read, decode, convert, threshold, encode, write] = &mut spent;
        let png = timed(read, || work::read(path))?;
        let image = timed(decode, || work::decode(&png))?;
        let gray = timed(convert, || work::convert(&image));
        let binary = timed(threshold, || work::threshold(&gray));
        let result = timed(encode, || work::encode(&binary))?;
        timed(write, || work::write(path, outputs.path(), &result))?;
        white += thresholds::white_pixels(&binary);
    }
    // ANCHOR_END: time

    let total: Duration = spent.iter().sum();
    println!("{count} images of {size}x{size} pixels on one thread, {white} white pixels");
    for (stage, time) in STAGES.iter().zip(spent) {
        println!(
            "{stage:<10} {:>9.1} ms  {:>5.1}%  {:>7.1} µs per image",
            time.as_secs_f64() * 1e3,
            100.0 * time.as_secs_f64() / total.as_secs_f64(),
            time.as_secs_f64() * 1e6 / f64::from(count)
        );
    }
    println!("all stages {:>9.1} ms", total.as_secs_f64() * 1e3);
    Ok(())
}
