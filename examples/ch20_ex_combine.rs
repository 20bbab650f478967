//! Exercise 1 of chapter 20: count before you send. Each worker counts the words of its own
//! lines first and sends one `(word, count)` record per word it saw, instead of one record
//! per word; on two processes, how much less crosses between them, and is the answer the same?

mod ch20_common;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::rc::Rc;

use ch20_common::cli::{self, CommandLine};
use ch20_common::cluster::{self, Setup};
use ch20_common::wordcount::{count_words, fnv1a, line, Counted, MAX_LINES, WORDS_PER_LINE};
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandleVec, ProbeHandle};
use timely::worker::Worker;

const USAGE: &str = "\
usage: ch20_ex_combine [--lines N]

Counts the words of a generated text of N lines (default 20000) on 2 processes, once sending
every word to its owner and once counting each worker's words first, and compares what crossed
between the processes.
  --combined 0|1                        which of the two a copy runs (the program passes it)
  --process-index I --hosts ADDR,ADDR   run as process I of a cluster (the program starts
                                        its own copies this way)
";

// ANCHOR: solution
/// The word count with a combiner: a worker counts its own lines' words, then sends each
/// (word, count) pair to the word's owner, which adds the pairs up.
fn count_words_combined(worker: &mut Worker, lines: u64) -> Counted {
    let (index, peers) = (worker.index() as u64, worker.peers() as u64);
    let mut input = InputHandleVec::<u64, (String, u64)>::new();
    let probe = ProbeHandle::new();
    let counts = Rc::new(RefCell::new(HashMap::<String, u64>::new()));
    let (sent_away, bytes_away) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let (counts_in, sent_in, bytes_in) = (counts.clone(), sent_away.clone(), bytes_away.clone());

    worker.dataflow::<u64, _, _>(|scope| {
        scope
            .input_from(&mut input)
            .inspect(move |(word, _): &(String, u64)| {
                if fnv1a(word) % peers != index {
                    sent_in.set(sent_in.get() + 1);
                    // bincode: 8 bytes of length, the word, 8 bytes of count.
                    bytes_in.set(bytes_in.get() + 16 + word.len() as u64);
                }
            })
            .exchange(|(word, _): &(String, u64)| fnv1a(word))
            .inspect(move |(word, n): &(String, u64)| {
                *counts_in.borrow_mut().entry(word.clone()).or_insert(0) += n;
            })
            .probe_with(&probe);
    });

    // The combiner: count this worker's share of the text before anything is sent.
    let mut local = HashMap::<String, u64>::new();
    let mut read = 0;
    for i in (index..lines).step_by(peers as usize) {
        for word in line(i).split_whitespace() {
            *local.entry(word.to_owned()).or_insert(0) += 1;
            read += 1;
        }
    }
    for pair in local {
        input.send(pair);
    }
    input.close();
    worker.step_or_park_while(None, || !probe.done());

    let mut counts: Vec<(String, u64)> = counts.take().into_iter().collect();
    counts.sort();
    Counted {
        counts,
        read,
        sent_away: sent_away.get(),
        bytes_away: bytes_away.get(),
    }
}
// ANCHOR_END: solution

fn settings(args: &CommandLine) -> Result<(u64, bool), ExitCode> {
    let (mut lines, mut combined) = (20_000, false);
    args.each_option(|name, value| {
        match name {
            "--lines" => lines = cli::number(name, value, 1, MAX_LINES)?,
            // Which of the two dataflows a copy started by `cluster::run` runs.
            "--combined" => combined = cli::number::<u8>(name, value, 0, 1)? == 1,
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    })?;
    Ok((lines, combined))
}

fn merged(workers: &[Counted]) -> BTreeMap<String, u64> {
    let mut all = BTreeMap::new();
    for counted in workers {
        for (word, n) in &counted.counts {
            *all.entry(word.clone()).or_insert(0) += n;
        }
    }
    all
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let (lines, combined) = match settings(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let job = move |worker: &mut Worker| {
        if combined {
            count_words_combined(worker, lines)
        } else {
            count_words(worker, lines)
        }
    };
    if let Some(place) = &args.place {
        return cluster::serve(place, job);
    }

    println!("{} words on 2 processes", lines * WORDS_PER_LINE);
    let mut tables = Vec::new();
    for (name, flag) in [("every word sent", "0"), ("counted first", "1")] {
        let mut forward = vec!["--lines".to_owned(), lines.to_string()];
        forward.extend(["--combined".to_owned(), flag.to_owned()]);
        let workers = match cluster::run(Setup::Processes(2), &forward, job) {
            Ok(workers) => workers,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let sent: u64 = workers.iter().map(|w| w.sent_away).sum();
        let bytes: u64 = workers.iter().map(|w| w.bytes_away).sum();
        println!("{name:<16} {sent:>7} records crossed, {bytes:>8} bytes");
        tables.push(merged(&workers));
    }
    let agree = tables[0] == tables[1];
    println!("every count the same both ways: {agree}");
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
