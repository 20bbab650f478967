//! What an `async fn` becomes: a value that holds, between polls, whatever the function
//! keeps alive across an `.await`. `size_of_val` shows how big a few such values are.
//!
//! Usage: cargo run --release --example ch09_future_sizes

mod ch09_common;

use std::mem::size_of_val;
use std::process::ExitCode;

use ch09_common::block_on::block_on;
use ch09_common::cli::no_arguments;
use ch09_common::executor::yield_now;

const USAGE: &str = "\
usage: ch09_future_sizes

Prints the size in bytes of a few futures made by async fns, and of a thread's stack.
";

// ANCHOR: futures
/// No `.await`: nothing to keep between polls, just which state the future is in.
async fn no_await() -> u32 {
    7
}

/// A counter, an `.await`: the counter is kept across it.
async fn keeps_a_counter() -> u64 {
    let mut total = 0;
    for step in 0..3 {
        total += step;
        yield_now().await;
    }
    total
}

/// A 1 KiB buffer that is still needed after the `.await`: it lives inside the future.
async fn keeps_a_buffer() -> u32 {
    let buffer = [1u8; 1024];
    yield_now().await;
    buffer.iter().map(|&byte| u32::from(byte)).sum::<u32>()
}

/// The same buffer, used up before the `.await`: only its 4-byte sum is kept.
async fn drops_a_buffer() -> u32 {
    let sum = {
        let buffer = [1u8; 1024];
        buffer.iter().map(|&byte| u32::from(byte)).sum::<u32>()
    };
    yield_now().await;
    sum
}

/// Awaiting another future stores that future inside this one.
async fn awaits_both() -> u32 {
    keeps_a_buffer().await + drops_a_buffer().await
}
// ANCHOR_END: futures

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: sizes
    // Calling an async fn runs none of its body: it only builds the future.
    println!("{:>7} bytes: no_await()", size_of_val(&no_await()));
    println!("{:>7} bytes: yield_now()", size_of_val(&yield_now()));
    println!(
        "{:>7} bytes: keeps_a_counter()",
        size_of_val(&keeps_a_counter())
    );
    println!(
        "{:>7} bytes: keeps_a_buffer()",
        size_of_val(&keeps_a_buffer())
    );
    println!(
        "{:>7} bytes: drops_a_buffer()",
        size_of_val(&drops_a_buffer())
    );
    println!("{:>7} bytes: awaits_both()", size_of_val(&awaits_both()));
    // A thread, for comparison, reserves its whole stack up front: 2 MiB by default in Rust.
    println!("{:>7} bytes: a thread's default stack", 2 * 1024 * 1024);
    // The futures are real: polled to the end, they give what the functions return.
    let results = block_on(async {
        (
            no_await().await,
            keeps_a_counter().await,
            awaits_both().await,
        )
    });
    println!("their results: {results:?}");
    // ANCHOR_END: sizes
    ExitCode::SUCCESS
}
