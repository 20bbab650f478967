//! The hand-made `block_on` at work: a future that another thread completes. Polled once, the
//! future starts a thread and returns `Pending`; `block_on` parks the main thread; the other
//! thread stores its result and wakes the waker; the second poll is ready.
//!
//! Usage: cargo run --release --example ch09_block_on

mod ch09_common;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;
use cpu_time::ProcessTime;

const USAGE: &str = "\
usage: ch09_block_on

Runs a future that a second thread completes after 0.3 s, on the hand-made block_on,
and prints how often it was polled, how long main waited and how much CPU time
the process used meanwhile.
";

// ANCHOR: on_thread
/// What the future and its worker thread share.
struct Shared<T> {
    result: Option<T>,
    waker: Option<Waker>,
}

/// A future whose value is computed by `work` on a thread of its own, started at the
/// first poll: until then, nothing happens.
struct OnThread<T, W> {
    work: Option<W>,
    shared: Arc<Mutex<Shared<T>>>,
    polls: u32,
}

fn on_thread<T, W: FnOnce() -> T>(work: W) -> OnThread<T, W> {
    let shared = Shared {
        result: None,
        waker: None,
    };
    OnThread {
        work: Some(work),
        shared: Arc::new(Mutex::new(shared)),
        polls: 0,
    }
}

impl<T, W> Future for OnThread<T, W>
where
    T: Send + 'static,
    W: FnOnce() -> T + Send + 'static + Unpin,
{
    type Output = (T, u32);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(T, u32)> {
        self.polls += 1;
        let mut shared = self.shared.lock().unwrap();
        if let Some(result) = shared.result.take() {
            return Poll::Ready((result, self.polls));
        }
        // Keep the latest waker: the worker wakes whoever polled us last.
        shared.waker = Some(cx.waker().clone());
        drop(shared);
        if let Some(work) = self.work.take() {
            let shared = Arc::clone(&self.shared);
            thread::spawn(move || {
                let result = work();
                let mut shared = shared.lock().unwrap();
                shared.result = Some(result);
                // Wake after the result is stored, so the poll that follows finds it.
                if let Some(waker) = shared.waker.take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}
// ANCHOR_END: on_thread

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let future = on_thread(|| {
        thread::sleep(Duration::from_millis(300)); // stands for a slow reply
        6 * 7
    });
    println!("created the future: no thread started yet");
    let start = Instant::now();
    let cpu = ProcessTime::now();
    let (answer, polls) = block_on(future);
    let waited = start.elapsed().as_secs_f64();
    let busy = cpu.elapsed().as_secs_f64();
    println!("block_on returned {answer} after {waited:.3} s, in {polls} polls");
    println!("CPU time the process used meanwhile: {busy:.3} s");
    // ANCHOR_END: main
    ExitCode::SUCCESS
}
