//! Exercise: a timer whose `Sleep` leaves it when dropped. Each waiting `Sleep` knows its
//! entry's key; dropped before its deadline, it tells the timer thread to remove the entry,
//! so a cancelled sleep keeps no waker alive and wakes nobody later.
//!
//! Usage: cargo run --release --example ch09_ex_cancel_sleep

mod ch09_common;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch09_ex_cancel_sleep

Starts 1000 sleeps of 30 s, polls each once so that the timer holds them, drops them, and
prints how many entries the timer still holds; then sleeps 0.1 s to show the timer still
works.
";

// ANCHOR: solution
/// An entry's key: its deadline, and a number that makes equal deadlines distinct.
type Key = (Instant, u64);

/// What the timer thread is asked to do.
enum Request {
    Add(Key, Waker),
    /// A `Sleep` was dropped before its deadline: forget its entry.
    Remove(Key),
    /// Report how many entries are held (for the demonstration).
    Count(Sender<usize>),
}

#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    // The key of our entry and the waker in it, once we have one.
    registered: Option<(Key, Waker)>,
}

pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        registered: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            // The timer removes the entry when it fires; nothing to cancel any more.
            self.registered = None;
            return Poll::Ready(());
        }
        let known = self
            .registered
            .as_ref()
            .is_some_and(|(_, waker)| waker.will_wake(cx.waker()));
        if !known {
            // Another task polls us now: replace the old entry rather than add a second.
            if let Some((key, _)) = self.registered.take() {
                send(Request::Remove(key));
            }
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let key = (self.deadline, NEXT.fetch_add(1, Ordering::Relaxed));
            send(Request::Add(key, cx.waker().clone()));
            self.registered = Some((key, cx.waker().clone()));
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    /// Dropped while waiting (cancelled): take our entry out of the timer.
    fn drop(&mut self) {
        if let Some((key, _)) = self.registered.take() {
            send(Request::Remove(key));
        }
    }
}

fn send(request: Request) {
    static TIMER: OnceLock<Sender<Request>> = OnceLock::new();
    let timer = TIMER.get_or_init(|| {
        let (sender, requests) = mpsc::channel();
        thread::Builder::new()
            .name("timer".into())
            .spawn(move || run_timer(requests))
            .expect("could not start the timer thread");
        sender
    });
    // The timer thread never ends, so the channel never closes.
    let _ = timer.send(request);
}

fn run_timer(requests: mpsc::Receiver<Request>) {
    // Ordered by deadline, like the heap, but any entry can be removed by its key.
    let mut entries: BTreeMap<Key, Waker> = BTreeMap::new();
    loop {
        let now = Instant::now();
        while let Some(entry) = entries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().wake();
        }
        let request = match entries.keys().next() {
            Some(&(deadline, _)) => requests.recv_timeout(deadline - now),
            None => requests.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match request {
            Ok(Request::Add(key, waker)) => {
                entries.insert(key, waker);
            }
            Ok(Request::Remove(key)) => {
                entries.remove(&key);
            }
            Ok(Request::Count(reply)) => {
                let _ = reply.send(entries.len());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
// ANCHOR_END: solution

/// How many entries the timer holds now.
fn timer_entries() -> usize {
    let (reply, answer) = mpsc::channel();
    send(Request::Count(reply));
    answer.recv().unwrap_or(usize::MAX)
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: test
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut sleeps: Vec<Sleep> = (0..1000).map(|_| sleep(Duration::from_secs(30))).collect();
    for sleep in &mut sleeps {
        assert!(Pin::new(sleep).poll(&mut cx).is_pending());
    }
    println!(
        "1000 sleeps of 30 s polled once: the timer holds {} entries",
        timer_entries()
    );
    drop(sleeps); // cancelled, as a timeout cancels a reply that came in time
    println!(
        "after dropping them: the timer holds {} entries",
        timer_entries()
    );

    let start = Instant::now();
    block_on(sleep(Duration::from_millis(100)));
    println!(
        "a sleep of 0.1 s still took {:.3} s",
        start.elapsed().as_secs_f64()
    );
    println!("and left {} entries behind", timer_entries());
    // ANCHOR_END: test
    ExitCode::SUCCESS
}
