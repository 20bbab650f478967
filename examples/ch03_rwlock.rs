//! Read-mostly data behind an `RwLock`: many readers at once, one writer at a time.

use std::sync::RwLock;
use std::thread;

const READERS: usize = 3;
const READS: usize = 20_000;
const TRANSFERS: usize = 1_000;
const TOTAL: u64 = 1_000;

// ANCHOR: rwlock
fn main() {
    // Four balances that always add up to TOTAL: a transfer changes two of them, and a
    // reader must never see one change without the other.
    let balances = RwLock::new(vec![TOTAL / 4; 4]);

    thread::scope(|s| {
        for r in 1..=READERS {
            let balances = &balances;
            s.spawn(move || {
                let mut wrong = 0;
                for _ in 0..READS {
                    // Any number of readers may hold `read` guards at the same time.
                    let sum: u64 = balances.read().unwrap().iter().sum();
                    if sum != TOTAL {
                        wrong += 1;
                    }
                }
                println!("reader {r}: {READS} reads, {wrong} with a wrong total");
            });
        }

        s.spawn(|| {
            for i in 0..TRANSFERS {
                // A `write` guard waits until no reader and no writer holds the lock.
                let mut b = balances.write().unwrap();
                let (from, to) = (i % 4, (i + 1) % 4);
                if b[from] > 0 {
                    b[from] -= 1;
                    b[to] += 1;
                }
            }
            println!("writer: {TRANSFERS} transfers");
        });
    });

    let b = balances.into_inner().unwrap();
    println!("main: final total {}", b.iter().sum::<u64>());
}
// ANCHOR_END: rwlock
