use std::cell::Cell;
use std::sync::Arc;
use std::thread;

fn main() {
    let counter = Arc::new(Cell::new(0));
    let mut handles = Vec::new();
    for _ in 0..4 {
        let counter = Arc::clone(&counter);
        handles.push(thread::spawn(move || {
            for _ in 0..1000 {
                counter.set(counter.get() + 1);
            }
        }));
    }
    for handle in handles {
        handle.join().unwrap();
    }
    println!("counter = {}", counter.get());
}
