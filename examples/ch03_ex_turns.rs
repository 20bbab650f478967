//! Exercise solution: A and B count down from 5 taking strict turns, A first, using a
//! `Mutex` that says whose turn it is and a `Condvar` to wait for the turn to change.

use std::sync::{Condvar, Mutex};
use std::thread;

const FROM: u32 = 5;

// ANCHOR: solution
#[derive(Clone, Copy, PartialEq, Eq)]
enum Turn {
    A,
    B,
}

fn count_down(me: Turn, name: &str, turn: &Mutex<Turn>, changed: &Condvar) {
    let other = if me == Turn::A { Turn::B } else { Turn::A };
    for n in (1..=FROM).rev() {
        // Sleep until it is our turn; `wait_while` rechecks after every wake-up.
        let mut guard = changed
            .wait_while(turn.lock().unwrap(), |t| *t != me)
            .unwrap();
        println!("{name}: {n}");
        *guard = other;
        drop(guard);
        // Only the other thread waits on this condition variable.
        changed.notify_one();
    }
}

fn main() {
    let turn = Mutex::new(Turn::A);
    let changed = Condvar::new();
    thread::scope(|s| {
        s.spawn(|| count_down(Turn::B, "B", &turn, &changed));
        s.spawn(|| count_down(Turn::A, "A", &turn, &changed));
    });
    println!("main: both countdowns are over");
}
// ANCHOR_END: solution
