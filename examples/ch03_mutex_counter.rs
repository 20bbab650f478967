//! Four threads add to one counter, taking turns through a `Mutex`.

use std::sync::{Arc, Mutex};
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 100_000;

// ANCHOR: mutex
fn main() {
    // The mutex owns the counter; the Arc lets every thread own the mutex.
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let counter = Arc::clone(&counter);
        handles.push(thread::spawn(move || {
            for _ in 0..INCREMENTS {
                // The guard is the only way to the counter: no lock, no access.
                let mut guard = counter.lock().unwrap();
                *guard += 1;
            } // The guard is dropped here, so each increment is a critical section.
        }));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    println!("counter = {total} (expected {})", THREADS * INCREMENTS);
}
// ANCHOR_END: mutex
