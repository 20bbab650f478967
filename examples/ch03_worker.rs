//! A worker type that owns its input and starts its own thread: the Rust counterpart of a
//! `threading.Thread` subclass.

use std::thread::{self, JoinHandle};

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

// ANCHOR: worker
/// Everything one check needs, owned by the check itself.
struct PrimeChecker {
    id: usize,
    number: u64,
}

impl PrimeChecker {
    fn new(id: usize, number: u64) -> Self {
        PrimeChecker { id, number }
    }

    /// Moves the checker into a new thread and runs it there. Taking `self` by value
    /// means no other thread can touch the checker's fields once it has started.
    fn start(self) -> JoinHandle<bool> {
        thread::spawn(move || self.run())
    }

    fn run(&self) -> bool {
        // The thread reports its own number, not a loop variable shared with main.
        let is_prime = (2..)
            .take_while(|d| d * d <= self.number)
            .all(|d| !self.number.is_multiple_of(d));
        let what = if is_prime { "prime" } else { "not prime" };
        println!("checker {}: {} is {what}", self.id, self.number);
        is_prime
    }
}

fn main() {
    let handles: Vec<_> = NUMBERS
        .into_iter()
        .enumerate()
        .map(|(i, n)| PrimeChecker::new(i + 1, n).start())
        .collect();
    let primes = handles
        .into_iter()
        .map(|h| h.join().expect("a checker panicked"))
        .filter(|&p| p)
        .count();
    println!("main: finished, {primes} primes");
}
// ANCHOR_END: worker
