use std::thread;

// ANCHOR: main
fn main() {
    // The closure runs on a new thread; `join` waits for it and returns its result.
    let worker = thread::spawn(|| (1..=100u32).sum::<u32>());
    let sum = worker.join().expect("the worker thread panicked");
    println!("a second thread added 1 to 100 and got {sum}");
}
// ANCHOR_END: main
