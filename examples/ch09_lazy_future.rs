//! A future does nothing until it is polled: the body of an `async fn` runs at the first
//! poll, not when the function is called.
//!
//! Usage: cargo run --release --example ch09_lazy_future

mod ch09_common;

use std::process::ExitCode;

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch09_lazy_future

Creates two futures from an async fn, drops one without polling it and runs the other,
and prints what happened.
";

// ANCHOR: lazy
async fn greet(name: &str) {
    println!("  hello from {name}");
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let first = greet("the first future");
    let second = greet("the second future");
    println!("created two futures; nothing printed yet");
    drop(first);
    println!("dropped the first without polling it");
    block_on(second);
    println!("ran the second to completion");
    ExitCode::SUCCESS
}
// ANCHOR_END: lazy
