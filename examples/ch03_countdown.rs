//! Two threads, A and B, count down side by side.

use std::thread;
use std::time::Duration;

// The original paused half a second between steps; a tenth of a second shows the same
// interleaving and keeps the whole run under a second.
const DELAY: Duration = Duration::from_millis(100);

// ANCHOR: countdown
fn count_down(name: &str, from: u32) {
    println!("{name}: starting");
    for n in (1..=from).rev() {
        println!("{name}: {n}");
        thread::sleep(DELAY);
    }
    println!("{name}: finished");
}

fn main() {
    let a = thread::spawn(|| count_down("A", 5));
    let b = thread::spawn(|| count_down("B", 5));
    a.join().expect("thread A panicked");
    b.join().expect("thread B panicked");
    println!("main: both countdowns are over");
}
// ANCHOR_END: countdown
