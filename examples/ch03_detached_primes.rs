//! Detached threads do not keep a program alive: when `main` returns, they end with it.

use std::sync::{mpsc, Arc, Barrier};
use std::thread;

const NUMBERS: [u64; 5] = [2, 193, 323, 1327, 433785907];

/// The smallest factor of `n` greater than 1, or `None` when `n` is prime.
fn smallest_factor(n: u64) -> Option<u64> {
    (2..)
        .take_while(|d| d * d <= n)
        .find(|&d| n.is_multiple_of(d))
}

fn verdict(n: u64) -> String {
    match smallest_factor(n) {
        None => format!("{n}: prime"),
        Some(d) => format!("{n}: not prime, {d} x {}", n / d),
    }
}

// ANCHOR: detached
fn main() {
    // The checkers may print only once all six parties, main included, have reached
    // this gate. Main never does: it plays the original without its keyboard wait.
    let gate = Arc::new(Barrier::new(NUMBERS.len() + 1));
    let (answered, answers) = mpsc::channel();

    let mut handles = Vec::new();
    for n in NUMBERS {
        let gate = Arc::clone(&gate);
        let answered = answered.clone();
        handles.push(thread::spawn(move || {
            let line = verdict(n);
            answered.send(()).expect("main waits for every answer");
            gate.wait();
            println!("{line}");
        }));
    }

    // Wait until every checker has its answer, so that none is cut off mid-computation.
    let ready = answers.iter().take(NUMBERS.len()).count();
    // They are all blocked at the gate, so none can have finished.
    let running = handles.iter().filter(|h| !h.is_finished()).count();
    println!("main: {ready} checkers have their answers, {running} are still running");
    println!("main: returning without waiting for them");
    // Dropping a `JoinHandle` detaches its thread; returning from `main` ends the
    // process, and every thread still running ends with it.
}
// ANCHOR_END: detached
