//! Back-pressure, measured: a fast producer and a slow consumer joined by a bounded mpsc
//! channel of several capacities, on tokio's paused clock, so every figure is exact: how
//! long the producer waited in `send`, how full the channel got, and when each side ended.

mod ch11_common;

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep, Instant};

use ch11_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch11_backpressure

A producer makes 30 items, one every 1 ms; a consumer takes 5 ms over each. They are
joined by a bounded channel of capacity 1, 4, 16 and 64 in turn. On a paused clock, prints
how long the producer waited for room, when each side finished, and the most items the
channel held.
";

const ITEMS: u32 = 30;
const MAKE: Duration = Duration::from_millis(1);
const HANDLE: Duration = Duration::from_millis(5);

// ANCHOR: measure
/// What one run measured.
struct Run {
    waited: Duration,
    producer_done: Duration,
    consumer_done: Duration,
    most_queued: usize,
}

async fn produce(queue: mpsc::Sender<u32>, start: Instant) -> (Duration, Duration, usize) {
    let mut waited = Duration::ZERO;
    let mut most_queued = 0;
    for item in 1..=ITEMS {
        sleep(MAKE).await; // making an item
        let before = Instant::now();
        // `send` waits while the channel is full: this wait is the back-pressure.
        queue.send(item).await.expect("the consumer is gone");
        waited += before.elapsed();
        // Items in the channel now: its capacity minus the free slots.
        most_queued = most_queued.max(queue.max_capacity() - queue.capacity());
    }
    (waited, start.elapsed(), most_queued)
}

async fn consume(mut queue: mpsc::Receiver<u32>, start: Instant) -> Duration {
    while let Some(_item) = queue.recv().await {
        sleep(HANDLE).await; // handling an item
    }
    start.elapsed() // `recv` returned None: the producer is done and the channel empty
}

async fn run(capacity: usize) -> Run {
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(capacity);
    let producer = tokio::spawn(produce(sender, start));
    let consumer = tokio::spawn(consume(receiver, start));
    let (waited, producer_done, most_queued) = producer.await.expect("the producer panicked");
    let consumer_done = consumer.await.expect("the consumer panicked");
    Run {
        waited,
        producer_done,
        consumer_done,
        most_queued,
    }
}
// ANCHOR_END: measure

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "{ITEMS} items, made every {} ms, handled in {} ms each",
        MAKE.as_millis(),
        HANDLE.as_millis()
    );
    println!("capacity  producer waited  producer done  consumer done  most queued");
    for capacity in [1, 4, 16, 64] {
        let run = run(capacity).await;
        println!(
            "{capacity:>8}  {:>13.3} s  {:>11.3} s  {:>11.3} s  {:>11}",
            run.waited.as_secs_f64(),
            run.producer_done.as_secs_f64(),
            run.consumer_done.as_secs_f64(),
            run.most_queued
        );
    }
    ExitCode::SUCCESS
}
