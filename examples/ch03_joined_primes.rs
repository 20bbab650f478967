//! The same five checks, joined: main waits for every checker before it returns.

use std::thread;

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

/// The smallest factor of `n` greater than 1, or `None` when `n` is prime.
fn smallest_factor(n: u64) -> Option<u64> {
    (2..)
        .take_while(|d| d * d <= n)
        .find(|&d| n.is_multiple_of(d))
}

// ANCHOR: joined
fn main() {
    let handles: Vec<_> = NUMBERS
        .into_iter()
        .map(|n| {
            thread::spawn(move || {
                let factor = smallest_factor(n);
                match factor {
                    None => println!("{n}: prime"),
                    Some(d) => println!("{n}: not prime, {d} x {}", n / d),
                }
                factor.is_none()
            })
        })
        .collect();

    // `join` waits for the thread and hands back what its closure returned.
    let primes = handles
        .into_iter()
        .map(|h| h.join().expect("a checker panicked"))
        .filter(|&is_prime| is_prime)
        .count();
    println!("main: {primes} of {} numbers are prime", NUMBERS.len());
}
// ANCHOR_END: joined
