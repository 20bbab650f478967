//! Chapter 8: reading input while computing. Processes N generated images on a
//! rayon pool two ways: reading every file first and then working on them, and a
//! pipeline in which a reader thread sends each file through a bounded channel
//! to the workers as soon as it has read it. Storage may be made slow on purpose.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rayon::prelude::*;

// The chapter's shared code: the module folder `examples/ch08_common/`.
mod ch08_common;

use ch08_common::cli::{self, Opt};
use ch08_common::work::{self, Failure};
use ch08_common::{input, thresholds};

const USAGE: &str = "\
usage: ch08_pipeline [--count N] [--size PIXELS] [--threads T] [--latency MS] [--readers R]

Draws N images (default 400) of PIXELS x PIXELS (default 256) and processes
them on a pool of T threads (default 2): reading every file, then working on
all of them; and a pipeline, reader threads that send each file through a
channel of 8 places to the workers as soon as they have read it, with one
reader and with R readers (default 4). Runs all three on the disk as it is,
then with each read made MS milliseconds slower (default 2), as if the files
were on a slow network drive, and times the reading alone too. Prints the best
time of each over three runs.
";

/// How many files the reader may get ahead of the workers.
const CHANNEL_PLACES: usize = 8;

/// Each time is the best of this many runs.
const ROUNDS: usize = 3;

const LATENCY: Opt = Opt {
    name: "latency",
    default: 2,
    min: 0,
    max: 1000,
};

const READERS: Opt = Opt {
    name: "readers",
    default: 4,
    min: 1,
    max: 64,
};

fn main() -> ExitCode {
    let opts = [
        cli::count(400),
        cli::size(256),
        cli::threads(2),
        LATENCY,
        READERS,
    ];
    let [count, size, threads, latency, readers] = match cli::parse(USAGE, opts) {
        Ok(values) => values,
        Err(status) => return status,
    };
    match run(count, size, threads as usize, latency, readers as usize) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads one file from storage that takes `latency` longer than this disk. The
/// sleep stands for the wait on a slow device; it orders nothing.
fn read_slowly(path: &Path, latency: Duration) -> Result<Vec<u8>, Failure> {
    thread::sleep(latency);
    work::read(path)
}

/// The rest of the job for a file already read.
fn work_on(png: &[u8], path: &Path, out: &Path) -> Result<u64, Failure> {
    let image = work::decode(png).map_err(|e| work::in_file(path, e))?;
    let binary = work::threshold(&work::convert(&image));
    let encoded = work::encode(&binary).map_err(|e| work::in_file(path, e))?;
    work::write(path, out, &encoded)?;
    Ok(thresholds::white_pixels(&binary))
}

// ANCHOR: read_first
/// One reader reads every file; then the pool works on all of them.
fn read_then_work(paths: &[PathBuf], out: &Path, latency: Duration) -> Result<u64, Failure> {
    let files: Vec<Vec<u8>> = paths
        .iter()
        .map(|path| read_slowly(path, latency))
        .collect::<Result<_, _>>()?;
    files
        .par_iter()
        .zip(paths)
        .map(|(png, path)| work_on(png, path, out))
        .sum()
}
// ANCHOR_END: read_first

// ANCHOR: pipeline
/// `readers` threads, each reading every `readers`-th file, send each file down a
/// bounded channel as soon as it is read; the pool's workers take files from the
/// channel while the readers go on.
fn pipeline(
    paths: &[PathBuf],
    out: &Path,
    latency: Duration,
    readers: usize,
) -> Result<u64, Failure> {
    let (files, received) = mpsc::sync_channel::<(Vec<u8>, &Path)>(CHANNEL_PLACES);
    thread::scope(|scope| {
        let reading: Vec<_> = (0..readers)
            .map(|first| {
                let files = files.clone();
                scope.spawn(move || -> Result<(), Failure> {
                    for path in paths.iter().skip(first).step_by(readers) {
                        let png = read_slowly(path, latency)?;
                        // `send` waits while the channel is full, so the readers never
                        // run more than CHANNEL_PLACES files ahead of the workers. It
                        // fails only when the workers have stopped, after an error.
                        if files.send((png, path)).is_err() {
                            break;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        // Only the readers hold senders now: the channel ends when the last one ends.
        drop(files);
        // `try_reduce`, unlike `sum`, stops taking files at the first error; the
        // receiver is then dropped, and the readers' next `send` fails.
        let white = received
            .into_iter()
            .par_bridge()
            .map(|(png, path)| work_on(&png, path, out))
            .try_reduce(|| 0, |a, b| Ok(a + b));
        for reader in reading {
            reader.join().expect("a reader thread panicked")?;
        }
        white
    })
}
// ANCHOR_END: pipeline

/// The reading alone, by one thread: what a pipeline with one reader cannot beat.
fn read_only(paths: &[PathBuf], latency: Duration) -> Result<(), Failure> {
    for path in paths {
        std::hint::black_box(read_slowly(path, latency)?);
    }
    Ok(())
}

type Way<'a> = Box<dyn Fn(&[PathBuf], &Path, Duration) -> Result<u64, Failure> + Sync + 'a>;

fn way<'a>(f: impl Fn(&[PathBuf], &Path, Duration) -> Result<u64, Failure> + Sync + 'a) -> Way<'a> {
    Box::new(f)
}

fn run(
    count: u32,
    size: u32,
    threads: usize,
    latency_ms: u32,
    readers: usize,
) -> Result<(), Failure> {
    let inputs = input::ScratchFolder::new("ch08-pipeline-in")?;
    let paths = input::write_images(inputs.path(), count, size)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    println!(
        "{count} images of {size}x{size} pixels on {threads} threads; a pipeline with \
         R readers holds at most {} + R files at once",
        CHANNEL_PLACES + threads
    );
    let many = format!("pipeline, {readers} readers");
    let ways: [(&str, Way); 3] = [
        ("read all, then work", way(read_then_work)),
        ("pipeline, 1 reader", way(|p, o, l| pipeline(p, o, l, 1))),
        (&many, way(|p, o, l| pipeline(p, o, l, readers))),
    ];
    // Each way runs ROUNDS times, the ways taking turns, and keeps its best time: a
    // run that came first, into a cold pool and allocator, or that something else on
    // the machine slowed down, does not decide the comparison.
    for latency_ms in [0, latency_ms] {
        let latency = Duration::from_millis(u64::from(latency_ms));
        let mut best = [f64::INFINITY; 3];
        let mut whites = [0; 3];
        let mut reading = f64::INFINITY;
        for round in 0..ROUNDS {
            let start = Instant::now();
            read_only(&paths, latency)?;
            reading = reading.min(start.elapsed().as_secs_f64());
            for (number, (_, way)) in ways.iter().enumerate() {
                let outputs = input::ScratchFolder::new(&format!(
                    "ch08-pipeline-out-{latency_ms}-{round}-{number}"
                ))?;
                let start = Instant::now();
                whites[number] = pool.install(|| way(&paths, outputs.path(), latency))?;
                best[number] = best[number].min(start.elapsed().as_secs_f64());
            }
        }
        println!("latency {latency_ms:>2} ms, reading alone, 1 reader {reading:.3} s");
        for (number, (name, _)) in ways.iter().enumerate() {
            println!(
                "latency {latency_ms:>2} ms, {name:<22} {:.3} s, {} white pixels",
                best[number], whites[number]
            );
        }
    }
    Ok(())
}
