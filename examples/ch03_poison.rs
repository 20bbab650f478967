//! A thread that panics while holding a lock poisons it; the next locker is told.

use std::panic;
use std::sync::Mutex;
use std::thread;

// ANCHOR: poison
fn main() {
    // Replace the default panic report with nothing: main reports the panic itself.
    panic::set_hook(Box::new(|_| {}));

    // Invariant: the two balances add up to 100.
    let balances = Mutex::new([60, 40]);
    let result = thread::scope(|s| {
        s.spawn(|| {
            let mut b = balances.lock().unwrap();
            // The first half of a transfer of 10 from one balance to the other...
            b[0] -= 10;
            // ...and a panic before the second half: the guard is dropped while
            // unwinding, and the mutex records that its holder panicked.
            panic!("transfer interrupted");
        })
        .join()
    });
    println!("main: the writer panicked: {}", result.is_err());

    let b = match balances.lock() {
        Ok(b) => b,
        Err(poisoned) => {
            println!("main: the lock is poisoned; the data may be half-updated");
            // The data is still there; whoever takes it decides if it can be trusted.
            poisoned.into_inner()
        }
    };
    let total: i32 = b.iter().sum();
    println!("main: the balances are {:?}, which add up to {total}", *b);
}
// ANCHOR_END: poison
