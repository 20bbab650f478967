//! The hand-made `block_on` at work: a future that another thread completes. Polled once, the
//! future starts a thread and returns `Pending`; `block_on` parks the main thread; the other
//! thread stores its result and wakes the waker; the second poll is ready. A worker that
//! panics hands its panic back the same way, so the caller never waits forever.
//!
//! Usage: cargo run --release --example ch09_block_on

mod ch09_common;

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
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
the process used meanwhile; then runs one whose thread panics, and shows that
block_on still returns.
";

// ANCHOR: on_thread
/// What the future and its worker thread share: the worker's result, `Err` holding the
/// panic if `work` panicked, and the waker of whoever polled last.
struct Shared<T> {
    result: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// A future whose value is computed by `work` on a thread of its own, started at the
/// first poll: until then, nothing happens.
#[must_use = "futures do nothing unless you `.await` or poll them"]
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
    /// The work's value, or the panic that ended it, and how often we were polled.
    type Output = (thread::Result<T>, u32);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
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
                // A panic in `work` must still end in a result and a wake, or the task
                // that awaits it would wait forever: catch it and hand it over as `Err`.
                let result = panic::catch_unwind(AssertUnwindSafe(work));
                let waker = {
                    let mut shared = shared.lock().unwrap();
                    shared.result = Some(result);
                    shared.waker.take()
                };
                // Wake after the result is stored, so the poll that follows finds it, and
                // after the lock is released: a waker runs the executor's code, which may
                // poll this future at once and take the same lock.
                if let Some(waker) = waker {
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
    match answer {
        Ok(answer) => println!("block_on returned {answer} after {waited:.3} s, in {polls} polls"),
        Err(_) => println!("the worker panicked"),
    }
    println!("CPU time the process used meanwhile: {busy:.3} s");

    // A worker that panics: its panic comes back as `Err`, and `block_on` returns. (The
    // panic report is silenced meanwhile: main reports the panic below.)
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let failing = on_thread(|| -> u32 { panic!("the reply could not be parsed") });
    let (answer, polls) = block_on(failing);
    panic::set_hook(report);
    match answer {
        Ok(answer) => println!("block_on returned {answer}"),
        Err(panic) => {
            let why = panic.downcast_ref::<&str>().unwrap_or(&"(no message)");
            println!("the worker panicked (\"{why}\"); block_on returned after {polls} polls");
        }
    }
    // ANCHOR_END: main
    ExitCode::SUCCESS
}
