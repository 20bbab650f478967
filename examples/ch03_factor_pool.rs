//! Workers A, B and C drain a shared task queue, printing the positive factors of each number.

use crossbeam::channel;
use std::thread;
use std::time::Duration;

// Pacing so that the workers visibly take turns; the original waited a whole second.
const PAUSE: Duration = Duration::from_millis(100);

fn factors(n: u32) -> Vec<u32> {
    (1..=n).filter(|&d| n.is_multiple_of(d)).collect()
}

// ANCHOR: pool
fn main() {
    let (tasks, queue) = channel::unbounded();
    for n in [1, 10, 4, 3] {
        tasks.send(n).unwrap();
    }
    // No more tasks: once the queue is empty, the workers' loops end.
    drop(tasks);

    let workers: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|name| {
            let queue = queue.clone();
            thread::spawn(move || {
                for n in queue {
                    println!("{n}: positive factors {:?}", factors(n));
                    thread::sleep(PAUSE);
                }
                println!("{name}: the queue is empty, stopping");
            })
        })
        .collect();

    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    println!("main: every task is done");
}
// ANCHOR_END: pool
