//! The same four numbers taken out of a FIFO queue, a LIFO stack and a priority queue.

use std::collections::{BinaryHeap, VecDeque};

const ITEMS: [u32; 4] = [1, 10, 4, 3];

// ANCHOR: queues
fn main() {
    // First in, first out: add at the back, take from the front.
    let mut fifo = VecDeque::new();
    for n in ITEMS {
        fifo.push_back(n);
    }
    let order: Vec<u32> = std::iter::from_fn(|| fifo.pop_front()).collect();
    println!("FIFO, VecDeque:       {order:?}");

    // Last in, first out: add and take at the same end.
    let mut lifo = Vec::new();
    for n in ITEMS {
        lifo.push(n);
    }
    let order: Vec<u32> = std::iter::from_fn(|| lifo.pop()).collect();
    println!("LIFO, Vec:            {order:?}");

    // Largest first, whatever the order of arrival.
    let mut heap = BinaryHeap::new();
    for n in ITEMS {
        heap.push(n);
    }
    let order: Vec<u32> = std::iter::from_fn(|| heap.pop()).collect();
    println!("priority, BinaryHeap: {order:?}");
}
// ANCHOR_END: queues
