//! A thread that panics while holding a lock poisons it; the next locker is told.

use std::panic;
use std::sync::Mutex;
use std::thread;

// ANCHOR: poison
fn main() {
    // Replace the default panic report with nothing: main reports the panic itself.
    panic::set_hook(Box::new(|_| {}));

    // Invariant: the list holds the squares 1, 4, 9, ... with none missing.
    let squares = Mutex::new(vec![1, 4, 9]);
    let result = thread::scope(|s| {
        s.spawn(|| {
            let mut list = squares.lock().unwrap();
            list.push(16);
            // Something goes wrong before 25 is added: the guard is dropped while
            // unwinding, and the mutex records that its holder panicked.
            panic!("gave up halfway through an update");
        })
        .join()
    });
    println!("main: the writer panicked: {}", result.is_err());

    match squares.lock() {
        Ok(list) => println!("main: the list is {list:?}"),
        Err(poisoned) => {
            println!("main: the lock is poisoned; the data may be half-updated");
            // The data is still there; whoever takes it decides whether it can be trusted.
            let list = poisoned.into_inner();
            println!("main: recovered {list:?}");
        }
    };
}
// ANCHOR_END: poison
