//! Parking a thread until another thread unparks it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

fn main() {
    // ANCHOR: park
    let go = AtomicBool::new(false);
    thread::scope(|s| {
        let waiter = s.spawn(|| {
            println!("waiter: parking until main says go");
            // `park` may return without an `unpark` (a spurious wake-up), so the flag,
            // not the return from `park`, says whether it is time to go on.
            while !go.load(Ordering::Acquire) {
                thread::park();
            }
            println!("waiter: unparked, and go is set");
        });

        println!("main: setting go and unparking the waiter");
        go.store(true, Ordering::Release);
        // If the waiter has not parked yet, this leaves it a token and its next
        // `park` returns at once: the wake-up cannot be lost.
        waiter.thread().unpark();
    });
    println!("main: the waiter has finished");
    // ANCHOR_END: park
}
