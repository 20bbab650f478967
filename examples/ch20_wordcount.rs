//! Chapter 20: a word count over a generated text, as a timely dataflow with an exchange by
//! key, on one worker, two worker threads and two processes, with the same counts from each.

mod ch20_common;

use std::collections::BTreeMap;
use std::process::ExitCode;

use ch20_common::cli::{self, CommandLine};
use ch20_common::cluster::{self, Setup};
use ch20_common::wordcount::{count_words, MAX_LINES, WORDS_PER_LINE};
use timely::worker::Worker;

const USAGE: &str = "\
usage: ch20_wordcount [--lines N]

Counts the words of a generated text of N lines (default 20000, ten words each) on 1 worker,
on 2 worker threads and on 2 processes on 127.0.0.1, and checks that the three give the same
counts.
  --process-index I --hosts ADDR,ADDR   run as process I of a cluster (the program starts
                                        its own copies this way)
";

fn settings(args: &CommandLine) -> Result<u64, ExitCode> {
    let mut lines = 20_000;
    args.each_option(|name, value| {
        match name {
            "--lines" => lines = cli::number(name, value, 1, MAX_LINES)?,
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    })?;
    Ok(lines)
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let lines = match settings(&args) {
        Ok(lines) => lines,
        Err(code) => return code,
    };
    let job = move |worker: &mut Worker| count_words(worker, lines);
    if let Some(place) = &args.place {
        return cluster::serve(place, job);
    }

    // ANCHOR: three
    println!(
        "a generated text of {lines} lines, {} words",
        lines * WORDS_PER_LINE
    );
    let mut answers = Vec::new();
    for setup in [Setup::One, Setup::Threads(2), Setup::Processes(2)] {
        let workers = match cluster::run(setup, &args.forward(), job) {
            Ok(workers) => workers,
            Err(e) => {
                eprintln!("error: {setup}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Each word is owned by one worker: put the workers' tables together.
        let mut all = BTreeMap::new();
        for counted in &workers {
            for (word, n) in &counted.counts {
                *all.entry(word.clone()).or_insert(0) += n;
            }
        }
        let mut top: Vec<(&String, &u64)> = all.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(3)
            .map(|(w, n)| format!("{w} {n}"))
            .collect();
        // Two measures of each worker's share: the different words it owns, and the words
        // it counted, which is its load.
        let owned: Vec<usize> = workers.iter().map(|c| c.counts.len()).collect();
        let load: Vec<u64> = workers
            .iter()
            .map(|c| c.counts.iter().map(|(_, n)| n).sum())
            .collect();
        println!(
            "{:<12} {} words, {} different; most common: {}",
            format!("{setup}:"),
            all.values().sum::<u64>(),
            all.len(),
            top.join(", "),
        );
        println!(
            "{:<12} different words owned by each worker {owned:?}; words counted by each {load:?}",
            ""
        );
        answers.push(all);
    }
    let agree = answers.windows(2).all(|pair| pair[0] == pair[1]);
    println!("every count the same in the three runs: {agree}");
    // ANCHOR_END: three
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
