//! What a timely computation on worker threads does when one worker panics: timely does not
//! tell the other threads, so the program must notice it itself.

mod ch20_common;

use std::panic;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use timely::dataflow::operators::{Exchange, Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use ch20_common::cli;
use ch20_common::cluster::{self, Setup};

const USAGE: &str = "\
usage: ch20_thread_panic

Runs a job that exchanges records epoch after epoch on two worker threads of this process,
makes worker 1 panic once its first epoch is complete, and shows what `cluster::run` reports
and what worker 0 does then.
";

/// How long `cluster::run` may wait for the workers before it gives up.
const LIMIT: Duration = Duration::from_secs(30);

// ANCHOR: job
/// Epoch after epoch, numbers exchanged between the workers by value; worker 1 panics once
/// its first epoch is complete, and worker 0 counts the epochs it completes.
fn job(worker: &mut Worker, completed: &AtomicU64) -> u64 {
    let (index, peers) = (worker.index(), worker.peers());
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    worker.dataflow(|scope| {
        scope
            .input_from(&mut input)
            .container::<Vec<u64>>()
            .exchange(|x| *x)
            .probe_with(&probe);
    });
    for epoch in 0..u64::MAX {
        for x in (0..10_000).filter(|x| x % peers as u64 == index as u64) {
            input.send(x);
        }
        input.advance_to(epoch + 1);
        worker.step_or_park_while(None, || probe.less_than(input.time()));
        if index == 0 {
            completed.store(epoch + 1, Ordering::SeqCst);
        } else {
            panic!("worker 1 fails on purpose after epoch {epoch}");
        }
    }
    u64::MAX
}
// ANCHOR_END: job

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if let Err(status) = args.each_option(|name, _| Err(format!("unexpected option `{name}`"))) {
        return status;
    }
    // ANCHOR: watch
    let completed = Arc::new(AtomicU64::new(0));
    let counter = completed.clone();
    // `cluster::run` reports a worker's panic; the usual report on standard error would
    // repeat it. Other threads' panics (a closed output pipe) go to the hook as before.
    let before = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let name = thread::current().name().map(str::to_owned);
        if !name.is_some_and(|n| n.starts_with("timely:work")) {
            before(info);
        }
    }));
    let started = Instant::now();
    let outcome = cluster::run_with_limit(Setup::Threads(2), &[], LIMIT, move |worker| {
        job(worker, &counter)
    });
    let Err(error) = outcome else {
        eprintln!("error: the job ended without a failure");
        return ExitCode::FAILURE;
    };
    println!(
        "run returned {:.3} s after the start: {error}",
        started.elapsed().as_secs_f64()
    );
    // Worker 0 is still inside timely, parked. Does it get any further? Look a second later.
    thread::sleep(Duration::from_secs(1));
    match completed.load(Ordering::SeqCst) {
        1 => println!("1 s later, worker 0 has completed epoch 0 and still waits in epoch 1"),
        n => println!("1 s later, worker 0 has completed {n} epochs"),
    }
    // ANCHOR_END: watch
    // Returning from `main` ends the process, and worker 0's thread with it.
    ExitCode::SUCCESS
}
