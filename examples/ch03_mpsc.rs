//! Three producers send to one consumer through a `std::sync::mpsc` channel.

use std::sync::mpsc;
use std::thread;

const MESSAGES: u32 = 3;

// ANCHOR: mpsc
fn main() {
    let (tx, rx) = mpsc::channel();
    for p in 1..=3 {
        // Each producer owns a sender; the channel stays open while any sender exists.
        let tx = tx.clone();
        thread::spawn(move || {
            for m in 1..=MESSAGES {
                tx.send(format!("P{p}: message {m} of {MESSAGES}")).unwrap();
            }
        });
    }
    // Main's own sender must go too, or the loop below would wait for it forever.
    drop(tx);

    // `recv` blocks until a message arrives, and fails once every sender is dropped and
    // the channel is empty: that ends the loop.
    let mut received = 0;
    for message in rx {
        println!("{message}");
        received += 1;
    }
    println!("main: every sender is gone; {received} messages received");
}
// ANCHOR_END: mpsc
