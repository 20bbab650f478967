//! A future written by hand, without `async`: a countdown that makes one step each time it is
//! polled. We poll it ourselves, with a waker that only counts how often it is woken.
//!
//! Usage: cargo run --release --example ch09_countdown

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

const USAGE: &str = "\
usage: ch09_countdown

Polls a hand-written countdown future from 3 until it is ready, with a waker that counts
how often the future wakes it, and prints each step.
";

// ANCHOR: countdown
/// Counts down one step per poll, then is ready with a message.
#[must_use = "futures do nothing unless you `.await` or poll them"]
struct Countdown {
    remaining: u32,
}

impl Future for Countdown {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        if self.remaining == 0 {
            return Poll::Ready("liftoff");
        }
        println!("  countdown: {}", self.remaining);
        self.remaining -= 1;
        // There is more to do, and nothing else will wake us: ask to be polled again.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
// ANCHOR_END: countdown

// ANCHOR: counting_waker
/// A waker that does nothing but count its wakes.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);

    let mut countdown = Countdown { remaining: 3 };
    let mut polls = 0;
    loop {
        polls += 1;
        println!("poll {polls}:");
        // `Countdown` holds no references into itself, so it is `Unpin` and `Pin::new` will
        // pin a plain `&mut` to it.
        match Pin::new(&mut countdown).poll(&mut cx) {
            Poll::Pending => {
                let wakes = counter.wakes.load(Ordering::Relaxed);
                println!("  pending (wakes so far: {wakes})");
            }
            Poll::Ready(message) => {
                println!("  ready: {message}");
                break;
            }
        }
    }
    let wakes = counter.wakes.load(Ordering::Relaxed);
    println!("{polls} polls, {wakes} wakes");
    ExitCode::SUCCESS
}
// ANCHOR_END: counting_waker

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
