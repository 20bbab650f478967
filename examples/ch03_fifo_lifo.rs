//! The same four numbers taken out of a FIFO queue, a LIFO stack and a priority queue.

use std::collections::{BinaryHeap, VecDeque};
use std::process::ExitCode;

const ITEMS: [u32; 4] = [1, 10, 4, 3];

const USAGE: &str = "\
usage: ch03_fifo_lifo

Puts 1, 10, 4, 3 through a FIFO queue, a stack and a priority queue.
";

// ANCHOR: queues
fn main() -> ExitCode {
    // ANCHOR_END: queues
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: queues
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
    ExitCode::SUCCESS
}
// ANCHOR_END: queues

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
