//! Starvation in async Rust. A `select!` with `biased;` whose first branch is always ready
//! never takes the second. A task that does not yield keeps a heartbeat task on the same
//! thread from running; tokio's cooperative budget makes tokio's own futures yield, and does
//! nothing for a loop of plain computation or for another crate's channel unless it is
//! wrapped in `tokio::task::coop::cooperative`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::mpsc;

mod ch13_common;

use ch13_common::cli;

const USAGE: &str = "\
usage: ch13_async_starvation

Counts which branch a biased and an unbiased select! take when both are always
ready, then runs five busy tasks beside a heartbeat on one thread and prints
the heartbeat's longest silence during each.
";

const ROUNDS: usize = 10_000;
const HOG_TIME: Duration = Duration::from_millis(500);

// ANCHOR: select
/// Runs `ROUNDS` rounds of a `select!` over two channels that always hold a message, and
/// returns how many rounds each branch won.
async fn race(biased: bool) -> (usize, usize) {
    let (first_tx, mut first) = mpsc::unbounded_channel();
    let (second_tx, mut second) = mpsc::unbounded_channel();
    for n in 0..ROUNDS {
        first_tx.send(n).unwrap();
        second_tx.send(n).unwrap();
    }
    let (mut a, mut b) = (0, 0);
    for _ in 0..ROUNDS {
        if biased {
            tokio::select! {
                biased;
                Some(_) = first.recv() => a += 1,
                Some(_) = second.recv() => b += 1,
            }
        } else {
            tokio::select! {
                Some(_) = first.recv() => a += 1,
                Some(_) = second.recv() => b += 1,
            }
        }
    }
    (a, b)
}
// ANCHOR_END: select

// ANCHOR: hogs
/// Ways to stay busy for `HOG_TIME` on the runtime's only thread.
#[derive(Clone, Copy)]
enum Hog {
    /// Plain computation: no `.await` at all.
    Compute,
    /// The same, with `tokio::task::yield_now().await` every 1000 rounds.
    ComputeAndYield,
    /// Receiving from a tokio channel that always has a message.
    TokioChannel,
    /// Receiving from a `futures` channel that always has a message.
    FuturesChannel,
    /// The same, with each receive wrapped so that it spends tokio's budget.
    FuturesCooperative,
}

async fn hog(kind: Hog) -> u64 {
    let start = Instant::now();
    let mut rounds = 0u64;
    let (tokio_tx, mut tokio_rx) = mpsc::unbounded_channel::<u64>();
    let (futures_tx, mut futures_rx) = futures::channel::mpsc::unbounded::<u64>();
    while start.elapsed() < HOG_TIME {
        rounds += 1;
        match kind {
            Hog::Compute => {
                std::hint::black_box(rounds);
            }
            Hog::ComputeAndYield => {
                if rounds.is_multiple_of(1000) {
                    tokio::task::yield_now().await;
                }
            }
            Hog::TokioChannel => {
                tokio_tx.send(rounds).unwrap();
                tokio_rx.recv().await;
            }
            Hog::FuturesChannel => {
                futures_tx.unbounded_send(rounds).unwrap();
                futures_rx.next().await;
            }
            Hog::FuturesCooperative => {
                futures_tx.unbounded_send(rounds).unwrap();
                tokio::task::coop::cooperative(futures_rx.next()).await;
            }
        }
    }
    rounds
}

/// Runs `kind` beside a heartbeat that ticks every millisecond, and returns the
/// heartbeat's longest gap between two beats.
async fn longest_silence(kind: Hog) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let heartbeat = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move {
            let mut ticks = tokio::time::interval(Duration::from_millis(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick completes at once.
            ticks.tick().await;
            let _ = started_tx.send(());
            let mut last = Instant::now();
            let mut longest = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                ticks.tick().await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        }
    });
    // The hog starts once the heartbeat beats.
    started
        .await
        .expect("the heartbeat stopped before its first beat");
    tokio::spawn(hog(kind)).await.expect("the hog panicked");
    stop.store(true, Ordering::Relaxed);
    heartbeat.await.expect("the heartbeat panicked")
}
// ANCHOR_END: hogs

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    // One thread: every task takes turns on it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("cannot start the tokio runtime");
    runtime.block_on(async {
        let (a, b) = race(true).await;
        println!("biased select!, {ROUNDS} rounds: first branch {a}, second branch {b}");
        let (a, b) = race(false).await;
        println!(
            "unbiased select!, {ROUNDS} rounds: first branch {:.1}%, second branch {:.1}%",
            100.0 * a as f64 / ROUNDS as f64,
            100.0 * b as f64 / ROUNDS as f64
        );
        for (name, kind) in [
            ("computation, no .await", Hog::Compute),
            ("computation, yield_now", Hog::ComputeAndYield),
            ("tokio channel", Hog::TokioChannel),
            ("futures channel", Hog::FuturesChannel),
            ("futures, cooperative", Hog::FuturesCooperative),
        ] {
            let silence = longest_silence(kind).await;
            // The hog runs for 500 ms: a silence of half that is no scheduling hiccup.
            let verdict = if silence >= HOG_TIME / 2 {
                "starved"
            } else {
                "kept beating"
            };
            println!(
                "{name:<24} heartbeat's longest silence {:>8.3} ms: {verdict}",
                silence.as_secs_f64() * 1e3
            );
        }
    });
    // ANCHOR_END: main
    ExitCode::SUCCESS
}
