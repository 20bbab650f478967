//! Chapter 20: the book's running example, counting the primes below a limit, as a timely
//! dataflow; run on one worker, on two worker threads and on two processes, with the same
//! answer from each.

mod ch20_common;

use std::cell::{Cell, RefCell};
use std::process::ExitCode;
use std::rc::Rc;

use ch20_common::cli::{self, CommandLine};
use ch20_common::cluster::{self, Setup};
use serde::{Deserialize, Serialize};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Map;
use timely::dataflow::operators::{Capability, Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle, Stream};
use timely::worker::Worker;

const USAGE: &str = "\
usage: ch20_primes [--limit N] [--epochs E] [--in-flight K]

Counts the primes below N (default 1000000) with a timely dataflow, fed in E epochs (default
4), on 1 worker, on 2 worker threads and on 2 processes on 127.0.0.1, and checks that the three
give the same counts. With K > 1 (default 1), the input runs up to K epochs ahead of the
epochs the dataflow has finished, instead of waiting for each.
  --process-index I --hosts ADDR,ADDR   run as process I of a cluster (the program starts
                                        its own copies this way)
";

/// The numbers travel in blocks of this many: a block is one record.
const BLOCK: u64 = 10_000;

/// What one worker reports: the primes of each epoch (worker 0 has them; the others report
/// none) and how many blocks this worker tested itself.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Report {
    per_epoch: Vec<u64>,
    blocks: u64,
}

// ANCHOR: operator
/// An operator of our own: adds up the counts of each epoch, and sends `(epoch, total)` when
/// its input's frontier has passed the epoch, that is, when no count of it can still arrive.
fn sum_per_epoch<'s>(counts: Stream<'s, u64, Vec<u64>>) -> Stream<'s, u64, Vec<(u64, u64)>> {
    counts.unary_frontier::<CapacityContainerBuilder<_>, _, _, _>(
        Pipeline,
        "SumPerEpoch",
        |_capability, _info| {
            // One running total per epoch, under a capability: the right to send at that time.
            let mut totals: Vec<(Capability<u64>, u64)> = Vec::new();
            move |(input, frontier), output| {
                input.for_each_stamp(|stamp, batches| {
                    // Every count here comes from the input with its epoch, so the stamp holds
                    // a time; a stamp without one would make no claim, and its counts no total.
                    let capability = stamp
                        .retain_least(output.output_index())
                        .expect("every count carries its epoch");
                    let sum: u64 = batches.map(|b| b.drain(..).sum::<u64>()).sum();
                    match totals
                        .iter_mut()
                        .find(|(c, _)| c.time() == capability.time())
                    {
                        Some((_, total)) => *total += sum,
                        None => totals.push((capability, sum)),
                    }
                });
                // An epoch the frontier has passed is complete: send its total, and drop the
                // capability, which lets the frontier after this operator pass it too.
                totals.retain(|(capability, total)| {
                    if frontier.less_equal(capability.time()) {
                        true
                    } else {
                        output
                            .session(capability)
                            .give((*capability.time(), *total));
                        false
                    }
                });
            }
        },
    )
}
// ANCHOR_END: operator

// ANCHOR: dataflow
fn count_primes(worker: &mut Worker, limit: u64, epochs: u64, in_flight: u64) -> Report {
    let index = worker.index();
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    let (totals, tested) = (Rc::new(RefCell::new(Vec::new())), Rc::new(Cell::new(0)));
    let (totals_in, tested_in) = (totals.clone(), tested.clone());

    worker.dataflow::<u64, _, _>(|scope| {
        let counts = scope
            .input_from(&mut input) // records: blocks (start, end), each with its epoch
            .exchange(|&(start, _): &(u64, u64)| start / BLOCK) // block k to worker k % peers
            .map(move |(start, end)| {
                tested_in.set(tested_in.get() + 1);
                (start..end).filter(|&n| is_prime(n)).count() as u64
            })
            .exchange(|_| 0); // every block's count to worker 0
        sum_per_epoch(counts)
            .inspect(move |&(epoch, total)| totals_in.borrow_mut().push((epoch, total)))
            .probe_with(&probe);
    });

    let span = limit.div_ceil(epochs);
    for epoch in 0..epochs {
        if index == 0 {
            // Worker 0 reads the input; the exchange spreads it over the workers.
            let (from, to) = (epoch * span, ((epoch + 1) * span).min(limit));
            for start in (from..to).step_by(BLOCK as usize) {
                input.send((start, (start + BLOCK).min(to)));
            }
        }
        // No more records for this epoch from this worker ...
        input.advance_to(epoch + 1);
        // ... and we wait while `in_flight` epochs are unfinished, everywhere, so that feeding
        // the next one never makes more than `in_flight`: with 1, until the probe's frontier
        // has passed this epoch.
        let finished = (epoch + 2).saturating_sub(in_flight);
        // While it waits, the worker parks its thread until there is work, instead of spinning.
        worker.step_or_park_while(None, || probe.less_than(&finished));
    }
    input.close();
    worker.step_or_park_while(None, || !probe.done());
    let mut totals = totals.take();
    totals.sort();
    Report {
        per_epoch: totals.into_iter().map(|(_epoch, total)| total).collect(),
        blocks: tested.get(),
    }
}
// ANCHOR_END: dataflow

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

fn settings(args: &CommandLine) -> Result<(u64, u64, u64), ExitCode> {
    let (mut limit, mut epochs, mut in_flight) = (1_000_000, 4, 1);
    args.each_option(|name, value| {
        match name {
            "--limit" => limit = cli::number(name, value, 1, 1_000_000_000_000)?,
            "--epochs" => epochs = cli::number(name, value, 1, 1000)?,
            "--in-flight" => in_flight = cli::number(name, value, 1, 1000)?,
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    })?;
    Ok((limit, epochs, in_flight))
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let (limit, epochs, in_flight) = match settings(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let job = move |worker: &mut Worker| count_primes(worker, limit, epochs, in_flight);
    // A copy this program started as one process of a cluster runs its part and ends.
    if let Some(place) = &args.place {
        return cluster::serve(place, job);
    }

    // ANCHOR: three
    println!(
        "primes below {limit}, fed in {epochs} epochs, at most {in_flight} in flight, in blocks of {BLOCK} numbers"
    );
    let mut answers = Vec::new();
    for setup in [Setup::One, Setup::Threads(2), Setup::Processes(2)] {
        let reports = match cluster::run(setup, &args.forward(), job) {
            Ok(reports) => reports,
            Err(e) => {
                eprintln!("error: {setup}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let per_epoch = reports[0].per_epoch.clone();
        let blocks: Vec<u64> = reports.iter().map(|r| r.blocks).collect();
        println!(
            "{:<12} {} primes; per epoch {per_epoch:?}; blocks tested by each worker {blocks:?}",
            format!("{setup}:"),
            per_epoch.iter().sum::<u64>(),
        );
        answers.push(per_epoch);
    }
    let agree = answers.windows(2).all(|pair| pair[0] == pair[1]);
    println!("the three runs agree: {agree}");
    // ANCHOR_END: three
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
