//! Exercise 17-1's solution: the message-passing handoff of Listing 17-4 with every atomic
//! operation `Relaxed`, made correct by a `Release` fence in the writer and an `Acquire`
//! fence in the reader. Each round publishes four words; the reader waits for the flag and
//! checks that it sees all four. The writer waits for the reader to finish each round before
//! it starts the next, so the reader checks every round.

use std::process::ExitCode;
use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::thread;

const USAGE: &str = "\
usage: ch17_ex_fences

Hands 100000 rounds of four words from one thread to another through a flag, with
Relaxed operations and two fences, and checks that the reader sees every round whole.
";

const ROUNDS: u64 = 100_000;

// ANCHOR: fences
struct Mailbox {
    words: [AtomicU64; 4],
    /// The last round whose words are complete.
    published: AtomicU64,
}

fn write_round(mailbox: &Mailbox, round: u64) {
    for word in &mailbox.words {
        word.store(round, Ordering::Relaxed);
    }
    // Everything before the fence happens before whatever an Acquire (fence or load)
    // does after reading a value stored after the fence.
    fence(Ordering::Release);
    mailbox.published.store(round, Ordering::Relaxed);
}

/// Waits for round `round` and returns how many of its words the reader saw.
fn read_round(mailbox: &Mailbox, round: u64) -> usize {
    wait_until(|| mailbox.published.load(Ordering::Relaxed) >= round);
    fence(Ordering::Acquire);
    mailbox
        .words
        .iter()
        .filter(|word| word.load(Ordering::Relaxed) >= round)
        .count()
}
// ANCHOR_END: fences

/// Spins until `done()`, and lets another thread have the core now and then, in case the
/// thread it waits for is waiting for this core.
fn wait_until(done: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !done() {
        spins += 1;
        if spins.is_multiple_of(128) {
            thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let mailbox = Mailbox {
        words: Default::default(),
        published: AtomicU64::new(0),
    };
    // The last round the reader has checked: the writer waits for it before the next round,
    // so the reader never skips one.
    let checked = AtomicU64::new(0);
    let (rounds_checked, incomplete) = thread::scope(|s| {
        s.spawn(|| {
            for round in 1..=ROUNDS {
                wait_until(|| checked.load(Ordering::Relaxed) == round - 1);
                write_round(&mailbox, round);
            }
        });
        let (mut rounds_checked, mut incomplete) = (0, 0);
        for round in 1..=ROUNDS {
            if read_round(&mailbox, round) < 4 {
                incomplete += 1;
            }
            rounds_checked += 1;
            checked.store(round, Ordering::Relaxed);
        }
        (rounds_checked, incomplete)
    });
    println!(
        "{ROUNDS} rounds published, {rounds_checked} checked by the reader, incomplete: {incomplete}"
    );
    if incomplete == 0 && rounds_checked == ROUNDS {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

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
