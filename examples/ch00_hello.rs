use std::thread;

// ANCHOR: main
fn main() {
    let handle = thread::spawn(|| "hello from a thread");
    println!("{}", handle.join().unwrap());
}
// ANCHOR_END: main
