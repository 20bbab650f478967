//! How many threads can this machine run at the same time?

use std::thread;

fn main() {
    // ANCHOR: parallelism
    match thread::available_parallelism() {
        Ok(n) => println!("machine: {n} threads can run at once"),
        // The count is an estimate the system may refuse to give; 1 is a safe guess.
        Err(err) => println!("machine: unknown ({err}), assuming 1"),
    }
    // ANCHOR_END: parallelism
}
