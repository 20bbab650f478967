// Does not compile: a `Timeout` that holds its future in place, without a box, cannot reach
// that future through `Pin<&mut Self>` as if it were a plain field.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

pub struct Timeout<F> {
    future: F,
    deadline: Instant,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(output) = Pin::new(&mut self.future).poll(cx) {
            return Poll::Ready(Some(output));
        }
        if Instant::now() >= self.deadline {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

fn main() {}
