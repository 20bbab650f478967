//! Exercise solution: the factor pool of workers A, B and C, with the results printed by
//! main in the order of the input, whichever worker finished first.

use crossbeam::channel;
use std::thread;

const NUMBERS: [u32; 4] = [1, 10, 4, 3];

fn factors(n: u32) -> Vec<u32> {
    (1..=n).filter(|&d| n.is_multiple_of(d)).collect()
}

// ANCHOR: solution
fn main() {
    let (task_tx, task_rx) = channel::unbounded();
    // Each task carries its position, so that its result can be put back in place.
    for (i, n) in NUMBERS.into_iter().enumerate() {
        task_tx.send((i, n)).unwrap();
    }
    drop(task_tx);

    let (result_tx, result_rx) = channel::unbounded();
    thread::scope(|s| {
        for name in ["A", "B", "C"] {
            let task_rx = task_rx.clone();
            let result_tx = result_tx.clone();
            // The name only labels the thread: which worker takes which number changes
            // from run to run, so it has no place in the output.
            thread::Builder::new()
                .name(name.to_string())
                .spawn_scoped(s, move || {
                    for (i, n) in task_rx {
                        result_tx.send((i, factors(n))).unwrap();
                    }
                })
                .expect("could not start a worker");
        }
    });
    // The workers are joined and their senders gone; drop main's too, or the loop
    // below would wait forever.
    drop(result_tx);

    // Results arrive in the order the workers finished; each goes back to its place.
    let mut results = vec![Vec::new(); NUMBERS.len()];
    for (i, factors) in result_rx {
        results[i] = factors;
    }
    for (n, factors) in NUMBERS.iter().zip(&results) {
        println!("{n}: {factors:?}");
    }
}
// ANCHOR_END: solution
