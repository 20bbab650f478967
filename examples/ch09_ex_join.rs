//! Exercise: a `join` of two futures, written by hand. The joined future polls both and is
//! ready, with both outputs, once both are.
//!
//! Usage: cargo run --release --example ch09_ex_join

mod ch09_common;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;
use ch09_common::executor::yield_now;
use ch09_common::timer::sleep;

const USAGE: &str = "\
usage: ch09_ex_join

Joins two counting futures and shows that their steps interleave, then joins a wait of
0.2 s with a wait of 0.3 s and shows that together they take 0.3 s, not 0.5 s.
";

// ANCHOR: solution
/// Both futures, boxed so that they stay pinned in place while `Join` itself moves, and the
/// output of each once it is ready.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join<A: Future, B: Future> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_output: Option<A::Output>,
    b_output: Option<B::Output>,
}

// The futures are pinned in their boxes, and the outputs are never pinned, so `Join` may be
// moved between polls whatever the types inside it. (Implementing `Unpin` needs no `unsafe`.)
impl<A: Future, B: Future> Unpin for Join<A, B> {}

pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: Box::pin(a),
        b: Box::pin(b),
        a_output: None,
        b_output: None,
    }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // A future must not be polled again once it has returned `Ready`: poll each only
        // while its output is still missing. Both get the same waker, so whichever of them
        // makes progress possible wakes the task, and the next poll looks at both.
        if this.a_output.is_none() {
            if let Poll::Ready(output) = this.a.as_mut().poll(cx) {
                this.a_output = Some(output);
            }
        }
        if this.b_output.is_none() {
            if let Poll::Ready(output) = this.b.as_mut().poll(cx) {
                this.b_output = Some(output);
            }
        }
        if this.a_output.is_some() && this.b_output.is_some() {
            let a = this.a_output.take().expect("checked above");
            let b = this.b_output.take().expect("checked above");
            return Poll::Ready((a, b));
        }
        Poll::Pending
    }
}
// ANCHOR_END: solution

async fn count(name: &str, steps: u32) -> u32 {
    for step in 1..=steps {
        println!("  {name}: step {step} of {steps}");
        yield_now().await;
    }
    steps
}

async fn wait(duration: Duration) -> Duration {
    sleep(duration).await;
    duration
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: test
    println!("joining two counts:");
    let (a, b) = block_on(join(count("a", 3), count("b", 2)));
    println!("  outputs: ({a}, {b})");

    println!("joining a wait of 0.2 s and a wait of 0.3 s:");
    let start = Instant::now();
    let (short, long) = block_on(join(
        wait(Duration::from_millis(200)),
        wait(Duration::from_millis(300)),
    ));
    let took = start.elapsed();
    println!("  took {:.3} s", took.as_secs_f64());
    let overlapped = took < short + long && took >= long;
    println!("  the waits overlapped: {overlapped}");
    // ANCHOR_END: test
    ExitCode::SUCCESS
}
