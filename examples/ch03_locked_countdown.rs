//! A and B count down again, but each holds one lock for its whole countdown.

use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::Duration;

// Pacing only, as in the first countdown; the lock, not the delay, orders the output.
const DELAY: Duration = Duration::from_millis(100);

// ANCHOR: locked
fn count_down(name: &str, from: u32) {
    for n in (1..=from).rev() {
        println!("{name}: {n}");
        thread::sleep(DELAY);
    }
}

fn main() {
    let lock = Mutex::new(());
    let (a_has_lock, a_has_lock_rx) = mpsc::channel();
    thread::scope(|s| {
        s.spawn(|| {
            let _guard = lock.lock().unwrap();
            a_has_lock.send(()).unwrap();
            println!("A: has the lock");
            count_down("A", 5);
            println!("A: releasing the lock");
        }); // `_guard` lives to the end of the closure: the lock covers the countdown.

        // Start B only once A holds the lock, so that A goes first on every run.
        a_has_lock_rx.recv().unwrap();
        s.spawn(|| {
            let _guard = lock.lock().unwrap();
            println!("B: has the lock");
            count_down("B", 5);
            println!("B: releasing the lock");
        });
    });
    println!("main: both countdowns are over");
}
// ANCHOR_END: locked
