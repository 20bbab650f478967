//! Chapter 20: the same word count on 1 worker, 2 worker threads and 2 processes that talk
//! over TCP on 127.0.0.1; the time of each, the words and bytes that crossed to another
//! worker, and what crossing between processes cost per word.

mod ch20_common;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use ch20_common::cli::{self, CommandLine};
use ch20_common::cluster::{self, Setup};
use ch20_common::wordcount::{count_words, Counted, MAX_LINES, WORDS_PER_LINE};
use cpu_time::ProcessTime;
use serde::{Deserialize, Serialize};
use timely::worker::Worker;

const USAGE: &str = "\
usage: ch20_processes [--lines N] [--repeats R]

Times a word count over a generated text of N lines (default 400000, ten words each) on 1
worker, on 2 worker threads and on 2 processes on 127.0.0.1: R timed runs (default 5) after
one warm-up, in each configuration; prints the median time with the fastest and slowest
run, the words and bytes each configuration sent to another worker, and the CPU time per
word of crossing between processes.
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

/// A run lasts until its slowest worker is done: the largest of the workers' times, for each
/// run, sorted.
fn run_times(workers: &[Runs]) -> Vec<f64> {
    let runs = workers[0].seconds.len();
    sorted((0..runs).map(|r| workers.iter().map(|w| w.seconds[r]).fold(0.0, f64::max)))
}

/// The CPU time of a run is the sum over the processes; every worker of one process measures
/// the same process, so one worker per process counts. For each run, sorted.
fn cpu_times(workers: &[Runs], setup: Setup) -> Vec<f64> {
    let one_per_process: Vec<&Runs> = match setup {
        Setup::Processes(_) => workers.iter().collect(),
        Setup::One | Setup::Threads(_) => vec![&workers[0]],
    };
    let runs = workers[0].cpu_seconds.len();
    sorted((0..runs).map(|r| one_per_process.iter().map(|w| w.cpu_seconds[r]).sum()))
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The median of sorted values, and how far apart the fastest and the slowest are.
fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

fn range(sorted: &[f64]) -> f64 {
    sorted[sorted.len() - 1] - sorted[0]
}

/// "0.421 (0.415 to 0.440)": the median, then the fastest and the slowest run.
fn spread(sorted: &[f64]) -> String {
    format!(
        "{:.3} ({:.3} to {:.3})",
        median(sorted),
        sorted[0],
        sorted[sorted.len() - 1]
    )
}

fn settings(args: &CommandLine) -> Result<(u64, usize), ExitCode> {
    let (mut lines, mut repeats) = (400_000, 5);
    args.each_option(|name, value| {
        match name {
            "--lines" => lines = cli::number(name, value, 1, MAX_LINES)?,
            "--repeats" => repeats = cli::number(name, value, 3, 100)?,
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
        "a word count of {words} words; each time in seconds: the median of {repeats} runs after a \
         warm-up, then the fastest and the slowest"
    );
    println!("machine: {} cores", num_cpus::get());
    println!("setup        time                    CPU time                cores busy  words sent across   their bytes");
    let (mut times, mut cpus) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    let mut sent = Vec::new();
    let mut walls = Vec::new();
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
        let time = run_times(&workers);
        let cpu = cpu_times(&workers, setup);
        let away: u64 = workers.iter().map(|w| w.last.sent_away).sum();
        let bytes: u64 = workers.iter().map(|w| w.last.bytes_away).sum();
        // CPU time over time: the cores the configuration kept busy. A waiting worker parks,
        // so with two workers a value near 1 says they did not run at once.
        println!(
            "{:<12} {}  {}  {:>10.2}  {away:>9} ({:4.1}%)  {bytes:>11}",
            setup.to_string(),
            spread(&time),
            spread(&cpu),
            median(&cpu) / median(&time),
            100.0 * away as f64 / words as f64,
        );
        walls.push(wall);
        if setup == Setup::Processes(2) {
            // The same six runs, from the call to its end: for the processes, with starting
            // them and their connection.
            println!(
                "  from start to end, the warm-up and {repeats} runs: 2 threads {:.3} s, 2 processes \
                 {wall:.3} s ({:.3} s more)",
                walls[1],
                wall - walls[1],
            );
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
    // The same words crossed in both: the difference is what a process boundary costs. It
    // means something only when it is larger than the spread between runs. Waiting workers
    // park, so the CPU time counts work (serializing, copying, the system calls), where the
    // time also counts waiting for a core. The two extreme pairings of runs bound it.
    let differ = |what: &str, of: &[Vec<f64>]| {
        let (threads, processes) = (&of[1], &of[2]);
        let extra = median(processes) - median(threads);
        let noise = range(threads).max(range(processes));
        let per_word = |s: f64| s / sent[2] as f64 * 1e6;
        println!(
            "  {what}, processes minus threads: {extra:.3} s, {:.1} times the wider range of the \
             two; {:.3} µs a word (from {:.3} to {:.3})",
            extra.abs() / noise,
            per_word(extra),
            per_word(processes[0] - threads[threads.len() - 1]),
            per_word(processes[processes.len() - 1] - threads[0]),
        );
    };
    println!(
        "2 processes against 2 threads, for {} words sent across:",
        sent[2]
    );
    differ("time", &times);
    differ("CPU time", &cpus);
    println!(
        "2 threads against 1 worker: {:.2}x as fast, {:.2}x the CPU time",
        median(&times[0]) / median(&times[1]),
        median(&cpus[1]) / median(&cpus[0]),
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
