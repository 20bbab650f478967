//! Chapter 20: the same word count on 1 worker, 2 worker threads and 2 processes that talk
//! over TCP on 127.0.0.1; the time of each, the words and bytes that crossed to another
//! worker, and what crossing between processes cost per word.

mod ch20_common;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use ch20_common::cli::{self, CommandLine};
use ch20_common::cluster::{self, Setup};
use ch20_common::wordcount::{count_words, Counted, WORDS_PER_LINE};
use cpu_time::ProcessTime;
use serde::{Deserialize, Serialize};
use timely::worker::Worker;

const USAGE: &str = "\
usage: ch20_processes [--lines N] [--repeats R]

Times a word count over a generated text of N lines (default 100000, ten words each) on 1
worker, on 2 worker threads and on 2 processes on 127.0.0.1: R timed runs (default 5) after
one warm-up, in each configuration; prints the median time, the words and bytes each
configuration sent to another worker, and the cost per word of crossing between processes.
  --process-index I --hosts ADDR,ADDR   run as process I of a cluster (the program starts
                                        its own copies this way)
";

/// One worker's runs: the seconds of each timed run, the CPU seconds its whole process spent
/// in each (all its threads, timely's network threads included), and the last run's counts.
#[derive(Serialize, Deserialize)]
struct Runs {
    seconds: Vec<f64>,
    cpu_seconds: Vec<f64>,
    last: Counted,
}

// ANCHOR: timed
/// The warm-up, then `repeats` timed runs, each a fresh dataflow on the same workers. The
/// clock runs inside the worker: the processes' start and their connection are not in it.
fn timed_runs(worker: &mut Worker, lines: u64, repeats: usize) -> Runs {
    let mut last = count_words(worker, lines); // warm-up
    let (mut seconds, mut cpu_seconds) = (Vec::new(), Vec::new());
    for _ in 0..repeats {
        let (start, cpu) = (Instant::now(), ProcessTime::now());
        last = count_words(worker, lines);
        seconds.push(start.elapsed().as_secs_f64());
        cpu_seconds.push(cpu.elapsed().as_secs_f64());
    }
    Runs {
        seconds,
        cpu_seconds,
        last,
    }
}
// ANCHOR_END: timed

/// A run lasts until its slowest worker is done: the largest of the workers' times for each
/// run, then the median of the runs.
fn median_time(workers: &[Runs]) -> f64 {
    let runs = workers[0].seconds.len();
    median((0..runs).map(|r| workers.iter().map(|w| w.seconds[r]).fold(0.0, f64::max)))
}

/// The CPU time of a run is the sum over the processes; every worker of one process measures
/// the same process, so one worker per process counts.
fn median_cpu(workers: &[Runs], setup: Setup) -> f64 {
    let one_per_process: Vec<&Runs> = match setup {
        Setup::Processes(_) => workers.iter().collect(),
        Setup::One | Setup::Threads(_) => vec![&workers[0]],
    };
    let runs = workers[0].cpu_seconds.len();
    median((0..runs).map(|r| one_per_process.iter().map(|w| w.cpu_seconds[r]).sum()))
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn settings(args: &CommandLine) -> Result<(u64, usize), ExitCode> {
    let (mut lines, mut repeats) = (100_000, 5);
    args.each_option(|name, value| {
        match name {
            "--lines" => lines = cli::number(name, value, 1, 100_000_000)?,
            "--repeats" => repeats = cli::number(name, value, 1, 100)?,
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    })?;
    Ok((lines, repeats))
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let (lines, repeats) = match settings(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let job = move |worker: &mut Worker| timed_runs(worker, lines, repeats);
    if let Some(place) = &args.place {
        return cluster::serve(place, job);
    }

    let words = lines * WORDS_PER_LINE;
    println!(
        "a word count of {words} words; each time is the median of {repeats} runs after a warm-up"
    );
    println!("machine: {} cores", num_cpus::get());
    println!("setup        time     CPU time   words sent to another worker   their bytes");
    let (mut times, mut cpus) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    let mut sent = Vec::new();
    for setup in [Setup::One, Setup::Threads(2), Setup::Processes(2)] {
        let start = Instant::now();
        let workers = match cluster::run(setup, &args.forward(), job) {
            Ok(workers) => workers,
            Err(e) => {
                eprintln!("error: {setup}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let wall = start.elapsed().as_secs_f64();
        let time = median_time(&workers);
        let cpu = median_cpu(&workers, setup);
        let away: u64 = workers.iter().map(|w| w.last.sent_away).sum();
        let bytes: u64 = workers.iter().map(|w| w.last.bytes_away).sum();
        println!(
            "{:<12} {time:.3} s  {cpu:.3} s  {away:>9} ({:4.1}%)            {bytes:>9}",
            setup.to_string(),
            100.0 * away as f64 / words as f64,
        );
        if setup == Setup::Processes(2) {
            println!("  the 2 processes from start to end, with their start-up and connection: {wall:.3} s");
        }
        let mut all = BTreeMap::new();
        for w in &workers {
            for (word, n) in &w.last.counts {
                *all.entry(word.clone()).or_insert(0) += n;
            }
        }
        answers.push(all);
        times.push(time);
        cpus.push(cpu);
        sent.push(away);
    }
    // ANCHOR: cost
    // The same words crossed in both: the difference is what a process boundary costs.
    let (extra, extra_cpu) = (times[2] - times[1], cpus[2] - cpus[1]);
    println!(
        "2 processes against 2 threads, for {} words sent across: {:.3} s more time, {:.3} µs a word",
        sent[2],
        extra,
        extra / sent[2] as f64 * 1e6,
    );
    println!(
        "                                     and {:.3} s more CPU time, {:.3} µs a word",
        extra_cpu,
        extra_cpu / sent[2] as f64 * 1e6,
    );
    println!(
        "2 threads against 1 worker: {:.2}x as fast",
        times[0] / times[1]
    );
    // ANCHOR_END: cost
    let agree = answers.windows(2).all(|pair| pair[0] == pair[1]);
    println!("every count the same in the three: {agree}");
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
