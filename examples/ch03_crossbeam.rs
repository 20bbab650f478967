//! A bounded crossbeam channel shared by several consumers, and an unbounded one for results.

use crossbeam::channel;
use std::thread;

const ITEMS: u64 = 20;
const CONSUMERS: usize = 3;

// ANCHOR: crossbeam
fn main() {
    // At most 2 items wait in the channel: a producer that gets ahead is made to wait.
    let (task_tx, task_rx) = channel::bounded::<u64>(2);
    // Results never wait for room: a consumer's `send` here never blocks.
    let (result_tx, result_rx) = channel::unbounded::<u64>();

    thread::scope(|s| {
        for _ in 0..CONSUMERS {
            // Unlike std's `Receiver`, a crossbeam receiver can be cloned: each item
            // goes to exactly one of the consumers.
            let task_rx = task_rx.clone();
            let result_tx = result_tx.clone();
            s.spawn(move || {
                for n in task_rx {
                    result_tx.send(n * n).unwrap();
                }
            });
        }
        s.spawn(move || {
            for n in 1..=ITEMS {
                task_tx.send(n).unwrap();
            }
            // `task_tx` is dropped here: once the consumers have emptied the channel,
            // their loops end.
        });
    });
    drop(result_tx);

    // The squares arrive in the order the consumers finished them; sort to compare.
    let mut squares: Vec<u64> = result_rx.iter().collect();
    squares.sort_unstable();
    let expected: Vec<u64> = (1..=ITEMS).map(|n| n * n).collect();
    println!(
        "{} squares received, sum {}",
        squares.len(),
        squares.iter().sum::<u64>()
    );
    println!("each item squared exactly once: {}", squares == expected);
}
// ANCHOR_END: crossbeam
