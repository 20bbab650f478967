//! Two litmus tests, run 200000 times each on this machine: store buffering (each thread
//! stores to one variable, then loads the other) and message passing (one thread writes data
//! then a flag, the other reads the flag then the data). For each ordering it counts the
//! rounds that ended in the outcome the test is about, and checks that the outcomes the
//! memory model forbids never appear.

use std::process::ExitCode;
use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::thread;

const USAGE: &str = "\
usage: ch17_litmus

Runs the store-buffering and the message-passing litmus tests, 200000 rounds each, with
several memory orderings, and prints the machine's architecture and how often each test
saw its reordered outcome. Exits with status 1 if an outcome the memory model forbids
for that ordering appears.
";

const TRIALS: u64 = 200_000;

// ANCHOR: cells
/// The two shared variables and the handshake counter, each on a cache line of its own,
/// so that the handshake's traffic does not slow the test's accesses. In round `r` a
/// thread stores `r`; a load that returns less than `r` saw the value from before the
/// round.
#[repr(align(64))]
struct Padded(AtomicU64);

struct Cells {
    x: Padded,
    y: Padded,
    /// How many threads have arrived at the start of a round, over all rounds.
    arrived: Padded,
}

impl Cells {
    /// Waits until both threads have arrived at the start of round `round` (counted
    /// from 1). It spins, so that the two start each round within a few hundred
    /// nanoseconds of each other; after `SPINS` turns it yields its core instead, so
    /// that a thread whose partner lost its core to another program does not burn the
    /// rest of its time slice waiting.
    fn start_round(&self, round: u64) {
        self.arrived.0.fetch_add(1, Ordering::AcqRel);
        let mut spins = 0;
        while self.arrived.0.load(Ordering::Acquire) < 2 * round {
            if spins < SPINS {
                std::hint::spin_loop();
                spins += 1;
            } else {
                thread::yield_now();
            }
        }
    }
}

/// Turns of the spin in `start_round` before a waiting thread yields its core.
const SPINS: u32 = 4_000;
// ANCHOR_END: cells

// ANCHOR: run
/// What one thread does in a round, given the round's number; returns what it saw.
type Side = fn(&Cells, u64) -> u64;

/// Runs `trials` rounds of a two-thread test on two threads started once; returns, for
/// each round, what each side saw.
fn run(trials: u64, first: Side, second: Side) -> (Vec<u64>, Vec<u64>) {
    let cells = Cells {
        x: Padded(AtomicU64::new(0)),
        y: Padded(AtomicU64::new(0)),
        arrived: Padded(AtomicU64::new(0)),
    };
    let side = |work: Side| {
        let cells = &cells;
        move || {
            (1..=trials)
                .map(|round| {
                    cells.start_round(round);
                    work(cells, round)
                })
                .collect::<Vec<u64>>()
        }
    };
    thread::scope(|s| {
        let a = spawn_or_exit(s, side(first));
        let b = spawn_or_exit(s, side(second));
        (a.join().unwrap(), b.join().unwrap())
    })
}
// ANCHOR_END: run

/// Starts a scoped thread, or, if the system refuses one, says so and ends the program at
/// once: the thread already started would otherwise spin for ever in `start_round`, waiting
/// for a partner that never came.
fn spawn_or_exit<'scope, 'env, T, F>(
    s: &'scope thread::Scope<'scope, 'env>,
    f: F,
) -> thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a thread: {e}");
            std::process::exit(1)
        })
}

// ANCHOR: store_buffering
/// Store buffering: each thread stores to its own variable, then loads the other's.
/// "Both loads saw the old value" needs a store to be delayed past the later load.
fn sb_relaxed_a(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::Relaxed);
    c.y.0.load(Ordering::Relaxed)
}
fn sb_relaxed_b(c: &Cells, r: u64) -> u64 {
    c.y.0.store(r, Ordering::Relaxed);
    c.x.0.load(Ordering::Relaxed)
}
fn sb_release_acquire_a(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::Release);
    c.y.0.load(Ordering::Acquire)
}
fn sb_release_acquire_b(c: &Cells, r: u64) -> u64 {
    c.y.0.store(r, Ordering::Release);
    c.x.0.load(Ordering::Acquire)
}
fn sb_seqcst_a(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::SeqCst);
    c.y.0.load(Ordering::SeqCst)
}
fn sb_seqcst_b(c: &Cells, r: u64) -> u64 {
    c.y.0.store(r, Ordering::SeqCst);
    c.x.0.load(Ordering::SeqCst)
}
fn sb_fence_a(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::Relaxed);
    fence(Ordering::SeqCst);
    c.y.0.load(Ordering::Relaxed)
}
fn sb_fence_b(c: &Cells, r: u64) -> u64 {
    c.y.0.store(r, Ordering::Relaxed);
    fence(Ordering::SeqCst);
    c.x.0.load(Ordering::Relaxed)
}
// ANCHOR_END: store_buffering

// ANCHOR: message_passing
/// Message passing: the writer stores the data (`x`), then the flag (`y`); the reader
/// loads the flag, then the data. "Flag new, data old" needs one of the two pairs to be
/// reordered. The reader returns 2 for a new flag plus 1 for new data.
fn mp_relaxed_writer(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::Relaxed);
    c.y.0.store(r, Ordering::Relaxed);
    0
}
fn mp_relaxed_reader(c: &Cells, r: u64) -> u64 {
    let flag = c.y.0.load(Ordering::Relaxed) == r;
    let data = c.x.0.load(Ordering::Relaxed) == r;
    2 * flag as u64 + data as u64
}
fn mp_release_writer(c: &Cells, r: u64) -> u64 {
    c.x.0.store(r, Ordering::Relaxed);
    c.y.0.store(r, Ordering::Release);
    0
}
fn mp_acquire_reader(c: &Cells, r: u64) -> u64 {
    let flag = c.y.0.load(Ordering::Acquire) == r;
    let data = c.x.0.load(Ordering::Relaxed) == r;
    2 * flag as u64 + data as u64
}
// ANCHOR_END: message_passing

/// How an allowed outcome is printed: as a share of the rounds, for an outcome whose
/// frequency varies from run to run, or as a count of rounds, for one the hardware
/// under the program decides (x86-64 never shows the message-passing outcome).
#[derive(Clone, Copy)]
enum Show {
    Share,
    Count,
}

/// One line of the report: how often the outcome appeared, and whether the model allows
/// it for this ordering. Returns false when a forbidden outcome appeared.
fn report(name: &str, seen: u64, allowed: bool, show: Show) -> bool {
    let share = 100.0 * seen as f64 / TRIALS as f64;
    match (allowed, seen, show) {
        (true, _, Show::Share) => println!("  {name:<17} {share:>7.3}%"),
        (true, _, Show::Count) => println!("  {name:<17} {seen:>6} rounds"),
        (false, 0, _) => println!("  {name:<17}    never (forbidden)"),
        (false, _, _) => println!("  {name:<17} {seen} times, which the model forbids!"),
    }
    allowed || seen == 0
}

fn store_buffering(name: &str, a: Side, b: Side, allowed: bool) -> bool {
    let (ra, rb) = run(TRIALS, a, b);
    let round = 1..=TRIALS;
    let both_old = round
        .zip(ra.iter().zip(&rb))
        .filter(|(r, (a, b))| **a < *r && **b < *r)
        .count() as u64;
    report(name, both_old, allowed, Show::Share)
}

/// Returns whether the forbidden outcome stayed away, and in how many rounds the reader
/// saw the new flag (so that the test caught the writer in the act at all).
fn message_passing(name: &str, writer: Side, reader: Side, allowed: bool) -> (bool, u64) {
    let (_, seen) = run(TRIALS, writer, reader);
    let flag_new_data_old = seen.iter().filter(|&&s| s == 2).count() as u64;
    let flag_new = seen.iter().filter(|&&s| s >= 2).count() as u64;
    (
        report(name, flag_new_data_old, allowed, Show::Count),
        flag_new,
    )
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("architecture: {}", std::env::consts::ARCH);
    println!("store buffering, {TRIALS} rounds each: both loads saw the old value in");
    let mut ok = store_buffering("Relaxed", sb_relaxed_a, sb_relaxed_b, true);
    ok &= store_buffering(
        "Release/Acquire",
        sb_release_acquire_a,
        sb_release_acquire_b,
        true,
    );
    ok &= store_buffering("SeqCst", sb_seqcst_a, sb_seqcst_b, false);
    ok &= store_buffering("SeqCst fences", sb_fence_a, sb_fence_b, false);

    println!("message passing, {TRIALS} rounds each: the flag was new but the data old in");
    let (relaxed_ok, relaxed_flags) =
        message_passing("Relaxed", mp_relaxed_writer, mp_relaxed_reader, true);
    let (acq_ok, acq_flags) = message_passing(
        "Release/Acquire",
        mp_release_writer,
        mp_acquire_reader,
        false,
    );
    ok &= relaxed_ok && acq_ok;
    println!(
        "  (the reader saw the new flag in {:.3}% and {:.3}% of the rounds)",
        100.0 * relaxed_flags as f64 / TRIALS as f64,
        100.0 * acq_flags as f64 / TRIALS as f64
    );
    if ok {
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
