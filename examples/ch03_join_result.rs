//! A thread hands its result, or its panic, back through its `JoinHandle`.

use std::panic;
use std::thread;

fn main() {
    // ANCHOR: join
    let handle = thread::spawn(|| (1..=100u64).sum::<u64>());
    // Main could do other work here while the sum is computed.
    let sum = handle.join().expect("the summing thread panicked");
    println!("main: the thread returned {sum}");
    // ANCHOR_END: join

    // ANCHOR: panic
    // Replace the default panic report with nothing: main reports the panic below.
    panic::set_hook(Box::new(|_| {}));
    let handle = thread::spawn(|| -> u64 { panic!("no answer today") });
    match handle.join() {
        Ok(value) => println!("main: the thread returned {value}"),
        Err(payload) => {
            // The payload is whatever `panic!` was given: here a string literal.
            let message = payload.downcast_ref::<&str>().unwrap_or(&"(not a string)");
            println!("main: the thread panicked: {message}");
        }
    }
    // ANCHOR_END: panic
}
