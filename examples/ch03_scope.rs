//! Scoped threads may borrow local variables, because the scope joins them before it ends.

use std::thread;

fn main() {
    // ANCHOR: scope
    let mut numbers: Vec<u64> = (1..=10).collect();

    // Two threads may each change their own half: the halves do not overlap.
    let (left, right) = numbers.split_at_mut(5);
    thread::scope(|s| {
        s.spawn(|| left.iter_mut().for_each(|x| *x *= 10));
        s.spawn(|| right.iter_mut().for_each(|x| *x += 100));
    }); // Every thread spawned in the scope has been joined here.
    println!("after the first scope:  {numbers:?}");

    // Any number of threads may read the same data at the same time.
    let total: u64 = thread::scope(|s| {
        let front = s.spawn(|| numbers[..5].iter().sum::<u64>());
        let back = s.spawn(|| numbers[5..].iter().sum::<u64>());
        front.join().unwrap() + back.join().unwrap()
    });
    println!("after the second scope: total {total}");
    // ANCHOR_END: scope
}
