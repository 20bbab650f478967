//! Exercise: a timeout for any future. `timeout(limit, future)` is ready with `Ok(output)`
//! if the future finishes within the limit, and with `Err(Elapsed)` when the limit comes
//! first, in which case the unfinished future is dropped.
//!
//! Usage: cargo run --release --example ch09_ex_timeout

mod ch09_common;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;
use ch09_common::timer::{sleep, Sleep};

const USAGE: &str = "\
usage: ch09_ex_timeout

Gives a reply that takes 0.1 s a limit of 0.5 s, and a reply that takes 2 s a limit of
0.2 s, and prints what each timeout returned and when.
";

// ANCHOR: solution
/// The limit came before the future finished.
#[derive(Debug, PartialEq)]
pub struct Elapsed;

/// `future`, unless `limit` passes first.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<F> {
    future: Pin<Box<F>>,
    limit: Sleep,
}

pub fn timeout<F: Future>(limit: Duration, future: F) -> Timeout<F> {
    Timeout {
        future: Box::pin(future),
        limit: sleep(limit),
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The future first: if it is ready at the same poll as the limit, it still counts.
        if let Poll::Ready(output) = self.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // `Sleep` is `Unpin` (an `Instant` and an `Option<Waker>`), so `Pin::new` will do.
        // Both register the same waker: whichever comes first wakes the task.
        match Pin::new(&mut self.limit).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}
// ANCHOR_END: solution

/// Stands for a request whose reply takes `delay`; says so if it is dropped unfinished.
async fn reply(delay: Duration) -> &'static str {
    let mut note = DropNote { finished: false };
    sleep(delay).await;
    note.finished = true;
    "a reply"
}

/// Dropped with `finished` still false, the future that held it was cancelled mid-way.
struct DropNote {
    finished: bool,
}

impl Drop for DropNote {
    fn drop(&mut self) {
        if !self.finished {
            println!("  (the unfinished reply was dropped)");
        }
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: test
    for (delay, limit) in [(100, 500), (2000, 200)] {
        let (delay, limit) = (Duration::from_millis(delay), Duration::from_millis(limit));
        println!(
            "a reply in {:.1} s, with a limit of {:.1} s:",
            delay.as_secs_f64(),
            limit.as_secs_f64()
        );
        let start = Instant::now();
        let result = block_on(timeout(limit, reply(delay)));
        let took = start.elapsed();
        println!("  {result:?} after {:.3} s", took.as_secs_f64());
        // Not before the first of the two, and without waiting for the second.
        let (first, second) = (delay.min(limit), delay.max(limit));
        let in_time = took >= first && took < second;
        println!(
            "  returned between {:.1} s and {:.1} s: {in_time}",
            first.as_secs_f64(),
            second.as_secs_f64()
        );
    }
    // ANCHOR_END: test
    ExitCode::SUCCESS
}
