//! Rayon's reductions: `sum`, `reduce`, `fold` then `reduce`, `min_by_key` and `max_by_key`
//! with ties, and a string concatenation that rayon keeps in order.

use std::process::ExitCode;

use rayon::prelude::*;

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }

    // ANCHOR: sum
    let sum: u64 = (0..20u64).into_par_iter().sum();
    // `reduce` takes an identity, which rayon may use as the start of any piece.
    let reduced = (0..20u64).into_par_iter().reduce(|| 0, |a, b| a + b);
    println!("sum: {sum}, reduce: {reduced}");
    // ANCHOR_END: sum

    // ANCHOR: fold
    // How often does each last digit occur among the squares of 0 to 999 999? `fold` gives
    // each piece of the range its own table to count into, an accumulator of another type
    // than the items; `reduce` then adds the pieces' tables together.
    let last_digits = (0..1_000_000u64)
        .into_par_iter()
        .fold(
            || [0u64; 10],
            |mut counts, n| {
                counts[(n * n % 10) as usize] += 1;
                counts
            },
        )
        .reduce(
            || [0u64; 10],
            |mut total, counts| {
                for (t, c) in total.iter_mut().zip(counts) {
                    *t += c;
                }
                total
            },
        );
    println!("last digits of the squares: {last_digits:?}");
    // ANCHOR_END: fold

    // ANCHOR: ties
    let words = [
        "kiwi", "fig", "plum", "yam", "lime", "pear", "melon", "grape",
    ];
    let shortest = words.par_iter().min_by_key(|w| w.len());
    let longest = words.par_iter().max_by_key(|w| w.len());
    println!(
        "shortest: {shortest:?} (std: {:?})",
        words.iter().min_by_key(|w| w.len())
    );
    println!(
        "longest: {longest:?} (std: {:?})",
        words.iter().max_by_key(|w| w.len())
    );

    // Many ties, many pieces: 100 000 numbers whose key, n % 1000, takes each value a
    // hundred times. Compare rayon's choice with std's, in pools of 1, 2 and 4 threads.
    let numbers: Vec<u32> = (0..100_000).collect();
    let key = |n: &&u32| **n % 1000;
    let first_min = numbers.iter().min_by_key(key);
    let last_max = numbers.iter().max_by_key(key);
    let mut agreed = 0;
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool of up to 4 threads");
        for _ in 0..100 {
            let (min, max) = pool.install(|| {
                (
                    numbers.par_iter().min_by_key(key),
                    numbers.par_iter().max_by_key(key),
                )
            });
            if min == first_min && max == last_max {
                agreed += 1;
            }
        }
    }
    println!(
        "min_by_key: {first_min:?}, max_by_key: {last_max:?}, as std's in {agreed} of 300 runs"
    );
    // ANCHOR_END: ties

    // ANCHOR: concat
    let letters: String = ('a'..='z')
        .into_par_iter()
        .map(String::from)
        .reduce(String::new, |left, right| left + &right);
    println!("letters: {letters}");

    // The same on a million one-letter strings: enough for rayon to cut the range into
    // many pieces and share them between its threads.
    let parallel: String = (0..1_000_000u32)
        .into_par_iter()
        .map(|n| char::from(b'a' + (n % 26) as u8).to_string())
        .reduce(String::new, |left, right| left + &right);
    let sequential: String = (0..1_000_000u32)
        .map(|n| char::from(b'a' + (n % 26) as u8))
        .collect();
    println!("a million pieces, in order: {}", parallel == sequential);
    // ANCHOR_END: concat
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_rayon_reduce

Shows rayon's reductions: sum, reduce, fold then reduce, min_by_key and max_by_key
with ties, and a string concatenation kept in order.
";

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
