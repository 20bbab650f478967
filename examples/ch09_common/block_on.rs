// The smallest useful executor: run one future on the current thread, and sleep (park)
// whenever the future says it cannot make progress yet.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: block_on
/// The waker of `block_on`: waking it marks the future as worth polling again and unparks
/// the thread that waits for it.
struct ThreadWaker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: whatever the waking thread wrote before this (a result, say) is visible to
        // the thread that sees `woken` set with Acquire.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread and returns its output.
pub fn block_on<F: Future>(future: F) -> F::Output {
    // `poll` takes `Pin<&mut F>`: the future stays in this stack frame until it is done.
    let mut future = pin!(future);
    let signal = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // `park` may also return without any `unpark` (a spurious wakeup), so only the flag
        // says that the future was woken. An `unpark` that came before the `park` is not
        // lost: the thread's token makes the next `park` return at once.
        while !signal.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}
// ANCHOR_END: block_on
