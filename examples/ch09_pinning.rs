//! Pinning, for a future that holds another future: `Timeout` written without a box, its
//! pinned field reached through a projection made by `pin-project-lite`, a pinned `Sleep`
//! replaced in place with `Pin::set`, and what the box of Exercise 2's `Timeout` costs.
//!
//! Usage: cargo run --release --example ch09_pinning [-- N]

mod ch09_common;

use std::future::Future;
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use ch09_common::block_on::block_on;
use ch09_common::cli::optional_number;
use ch09_common::timer::{sleep, Sleep};
use pin_project_lite::pin_project;

const USAGE: &str = "\
usage: ch09_pinning [N]

Runs an unboxed Timeout around a future that borrows from itself, replaces a pinned Sleep
in place three times, prints the sizes of the unboxed and the boxed Timeout, and times N
timeouts of each kind (default 1000000, from 1 to 100000000), best of 5 runs of each,
taken in turn.
";

// Timed runs of each kind.
const RUNS: usize = 5;

// ANCHOR: timeout
/// The limit came before the future finished.
#[derive(Debug, PartialEq)]
pub struct Elapsed;

pin_project! {
    /// `future`, unless `limit` passes first. Both live inside the `Timeout`: no box.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        // Structurally pinned: when the `Timeout` is pinned, so is `future`, and `project`
        // hands it out as `Pin<&mut F>`.
        #[pin]
        future: F,
        // Not pinned: `project` hands it out as a plain `&mut Sleep`.
        limit: Sleep,
    }
}

pub fn timeout<F: Future>(limit: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        limit: sleep(limit),
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // One `Pin<&mut Self>` becomes a pinned reference to `future` and a plain one to
        // `limit`, without `unsafe` here and without `F: Unpin`.
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(this.limit).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}
// ANCHOR_END: timeout

/// Exercise 2's `Timeout`, for comparison: the future in a box of its own.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct BoxedTimeout<F> {
    future: Pin<Box<F>>,
    limit: Sleep,
}

pub fn boxed_timeout<F: Future>(limit: Duration, future: F) -> BoxedTimeout<F> {
    BoxedTimeout {
        future: Box::pin(future),
        limit: sleep(limit),
    }
}

impl<F: Future> Future for BoxedTimeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(output) = self.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut self.limit).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

// ANCHOR: self_borrowing
/// A future that is not `Unpin`: across its `.await` it holds a reference into its own
/// state, to `buffer`, which lives inside the future.
async fn sum_later(delay: Duration) -> u32 {
    let buffer = [1u8; 16];
    let first_half = &buffer[..8];
    sleep(delay).await;
    first_half.iter().map(|&byte| u32::from(byte)).sum()
}
// ANCHOR_END: self_borrowing

/// Creates, polls once and drops `count` timeouts made by `make`; returns the seconds taken.
fn time_timeouts<T: Future>(count: u64, make: impl Fn() -> T) -> f64 {
    let mut cx = Context::from_waker(Waker::noop());
    let start = Instant::now();
    for _ in 0..count {
        let mut timeout = pin!(make());
        // `black_box`: the compiler may not optimise the future, or its box, away.
        let _ = black_box(black_box(timeout.as_mut()).poll(&mut cx));
    }
    start.elapsed().as_secs_f64()
}

fn main() -> ExitCode {
    let count = match optional_number(USAGE, 1_000_000, 1, 100_000_000) {
        Ok(count) => count,
        Err(status) => return status,
    };
    // ANCHOR: main
    let fast = block_on(timeout(
        Duration::from_millis(500),
        sum_later(Duration::from_millis(50)),
    ));
    println!("a self-borrowing future in an unboxed Timeout: {fast:?}");
    let slow = block_on(timeout(
        Duration::from_millis(50),
        sum_later(Duration::from_secs(5)),
    ));
    println!("the same with a shorter limit: {slow:?}");

    // `Pin::set` drops the pinned value in place and puts a new one in the same spot: a
    // pinned future is replaced without ever being moved.
    let ticks = block_on(async {
        let mut tick = pin!(sleep(Duration::from_millis(20)));
        for _ in 0..3 {
            tick.as_mut().await;
            tick.set(sleep(Duration::from_millis(20)));
        }
        3
    });
    println!("one pinned Sleep, replaced in place: {ticks} ticks");
    // ANCHOR_END: main

    // ANCHOR: cost
    // A future that holds 64 bytes and is ready at its first poll, so that only making,
    // polling and dropping the timeouts is timed (the timer never hears of them).
    let inner = || {
        let data = [1u8; 64];
        async move { data.len() }
    };
    let limit = Duration::from_secs(1);
    println!("the future inside: {} bytes", size_of_val(&inner()));
    println!(
        "  Timeout:       {} bytes, the future inside it",
        size_of_val(&timeout(limit, inner()))
    );
    println!(
        "  BoxedTimeout:  {} bytes, and one allocation of {} bytes",
        size_of_val(&boxed_timeout(limit, inner())),
        size_of_val(&inner())
    );
    // RUNS runs of each, taking turns; the best of each is the figure to compare.
    let (mut unboxed, mut boxed) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..RUNS {
        unboxed = unboxed.min(time_timeouts(count, || timeout(limit, inner())));
        boxed = boxed.min(time_timeouts(count, || boxed_timeout(limit, inner())));
    }
    println!("{count} timeouts, each made, polled once and dropped, best of {RUNS} runs:");
    let each = |seconds: f64| seconds * 1e9 / count as f64;
    println!(
        "  Timeout       {unboxed:.4} s, {:.1} ns each",
        each(unboxed)
    );
    println!("  BoxedTimeout  {boxed:.4} s, {:.1} ns each", each(boxed));
    println!(
        "the box adds {:.1} ns per timeout",
        each(boxed) - each(unboxed)
    );
    // ANCHOR_END: cost
    ExitCode::SUCCESS
}
