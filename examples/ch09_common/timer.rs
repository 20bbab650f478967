// A timer for futures: `sleep(duration).await` without blocking the thread. One background
// thread keeps the deadlines in a heap and wakes each waiting task when its time has come.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// A future that is ready once `deadline` has passed.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    // The waker the timer thread holds for us, so that we register again only when the
    // task polling us has changed.
    registered: Option<Waker>,
}

/// Waits for `duration` without holding up the thread: the task is parked, not the thread.
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
            return Poll::Ready(());
        }
        let known = self
            .registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()));
        if !known {
            // The timer thread never ends, so the channel never closes.
            let _ = timer_thread().send((self.deadline, cx.waker().clone()));
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A deadline in the heap; ties are broken by arrival, so equal deadlines wake in order.
struct Entry {
    deadline: Instant,
    arrival: u64,
    waker: Waker,
}

impl Entry {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.arrival)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// The sending end of the channel to the timer thread, which starts the first time a
/// `Sleep` has to wait. (`Sender` may be shared between threads since Rust 1.72.)
fn timer_thread() -> &'static Sender<(Instant, Waker)> {
    static TIMER: OnceLock<Sender<(Instant, Waker)>> = OnceLock::new();
    TIMER.get_or_init(|| {
        let (sender, requests) = mpsc::channel();
        thread::Builder::new()
            .name("timer".into())
            .spawn(move || run_timer(requests))
            .expect("could not start the timer thread");
        sender
    })
}

fn run_timer(requests: mpsc::Receiver<(Instant, Waker)>) {
    let mut deadlines = BinaryHeap::new();
    let mut arrivals = 0;
    loop {
        let now = Instant::now();
        while deadlines
            .peek()
            .is_some_and(|Reverse(entry): &Reverse<Entry>| entry.deadline <= now)
        {
            let Reverse(entry) = deadlines.pop().expect("peeked above");
            entry.waker.wake();
        }
        // Wait for a new deadline, but no longer than until the earliest one we hold.
        let request = match deadlines.peek() {
            Some(Reverse(first)) => requests.recv_timeout(first.deadline - now),
            None => requests.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match request {
            Ok((deadline, waker)) => {
                arrivals += 1;
                deadlines.push(Reverse(Entry {
                    deadline,
                    arrival: arrivals,
                    waker,
                }));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
