//! Exercise: a producer and a slower consumer joined by a bounded tokio channel, the
//! counterpart of an `asyncio.Queue(maxsize=2)`; the full channel makes the producer wait.

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep, Instant};

const USAGE: &str = "\
usage: ch10_ex_queue

A producer makes an item every 100 ms and a consumer takes 250 ms over each, through a
channel that holds two items; prints, on a paused clock, when each item was sent and
handled, and when the producer had to wait for room.
";

// ANCHOR: solution
const ITEMS: u32 = 5;

async fn produce(queue: mpsc::Sender<u32>, start: Instant) {
    for item in 1..=ITEMS {
        sleep(Duration::from_millis(100)).await; // making an item takes 100 ms
        if queue.capacity() == 0 {
            println!(
                "producer: queue full at {:.3} s, waiting",
                start.elapsed().as_secs_f64()
            );
        }
        // `send` waits while the channel is full: the producer slows to the consumer's pace.
        queue.send(item).await.expect("the consumer is gone");
        println!(
            "producer: sent {item} at {:.3} s",
            start.elapsed().as_secs_f64()
        );
    }
    // Dropping the sender closes the channel: the consumer's `recv` then returns `None`.
}

async fn consume(mut queue: mpsc::Receiver<u32>, start: Instant) -> u32 {
    let mut handled = 0;
    while let Some(item) = queue.recv().await {
        sleep(Duration::from_millis(250)).await; // handling an item takes 250 ms
        println!(
            "consumer: handled {item} at {:.3} s",
            start.elapsed().as_secs_f64()
        );
        handled += 1;
    }
    handled
}

async fn pipeline() {
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(2);
    let producer = tokio::spawn(produce(sender, start));
    let consumer = tokio::spawn(consume(receiver, start));
    producer.await.expect("the producer panicked");
    let handled = consumer.await.expect("the consumer panicked");
    println!(
        "{handled} items handled by {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
// ANCHOR_END: solution

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    pipeline().await;
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

// ANCHOR: test
// `cargo test` runs this test on a paused clock: the pipeline's 1.35 s of sleeps take no
// time at all, and the times it checks are exact.
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_consumer_sets_the_pace() {
        let start = Instant::now();
        let (sender, receiver) = mpsc::channel(2);
        let producer = tokio::spawn(produce(sender, start));
        let handled = consume(receiver, start).await;
        producer.await.expect("the producer panicked");
        assert_eq!(handled, ITEMS);
        // The first item is made at 100 ms; from then on the consumer, at 250 ms an item,
        // is the bottleneck.
        let expected = Duration::from_millis(100 + 250 * u64::from(ITEMS));
        assert_eq!(start.elapsed(), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn advance_moves_the_clock_by_hand() {
        let start = Instant::now();
        tokio::time::advance(Duration::from_millis(250)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(250));
    }
}
// ANCHOR_END: test
