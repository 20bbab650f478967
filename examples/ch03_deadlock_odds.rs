//! How often do two threads that lock two accounts in opposite orders, with plain `lock`,
//! deadlock? Runs the transfers RUNS times and records, for each run, whether the two
//! threads' transfer loops ran at the same time; a watchdog in main calls a run hung when
//! neither thread has made progress for a tenth of a second, and leaves its threads blocked.

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TRANSFERS: u32 = 10_000;
const DEFAULT_RUNS: u32 = 50;
const MAX_RUNS: u32 = 1000;
/// No transfer at all for this long, with both threads still transferring, means a
/// deadlock: a transfer takes well under a microsecond when it is not stuck.
const STALL: Duration = Duration::from_millis(100);

const USAGE: &str = "\
usage: ch03_deadlock_odds [RUNS]

Runs two threads RUNS times (default 50), each moving money 10000 times between two
accounts behind two mutexes, one thread locking a then b, the other b then a, with plain
`lock`. Reports in how many runs the two threads were transferring at the same time, and
how many deadlocked: a run in which neither thread moves money for a tenth of a second is
counted as deadlocked and its threads are left blocked. Then the same with one global
lock order.
";

struct Accounts {
    a: Mutex<i64>,
    b: Mutex<i64>,
    transfers: AtomicU32,
    /// How many of the two threads have begun their transfers.
    started: AtomicU32,
}

// ANCHOR: opposite
/// Locks `first`, then `second`, and moves 1 from one to the other, TRANSFERS times.
fn transfers(accounts: &Accounts, a_first: bool) {
    let (first, second) = if a_first {
        (&accounts.a, &accounts.b)
    } else {
        (&accounts.b, &accounts.a)
    };
    for _ in 0..TRANSFERS {
        let mut from = first.lock().unwrap();
        let mut to = second.lock().unwrap();
        *from -= 1;
        *to += 1;
        accounts.transfers.fetch_add(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: opposite

/// How one run ended.
enum Run {
    /// Both threads finished; `overlapped` says whether their transfer loops ever ran at
    /// the same time, or one ended before the other began.
    Finished { overlapped: bool },
    /// Neither thread moved money for STALL while both were transferring. A deadlock
    /// needs both loops running at once, each thread holding its first lock.
    Deadlocked,
}

/// One run. The threads are detached, so that a deadlocked pair can be left where it is,
/// blocked for good, until the process ends.
fn run(opposite_orders: bool) -> Run {
    let accounts = Arc::new(Accounts {
        a: Mutex::new(0),
        b: Mutex::new(0),
        transfers: AtomicU32::new(0),
        started: AtomicU32::new(0),
    });
    let (done, finished) = mpsc::channel();
    for a_first in [true, !opposite_orders] {
        let (accounts, done) = (Arc::clone(&accounts), done.clone());
        thread::spawn(move || {
            accounts.started.fetch_add(1, Ordering::Relaxed);
            let start = Instant::now();
            transfers(&accounts, a_first);
            let _ = done.send((start, Instant::now()));
        });
    }
    // Only the threads hold senders now: if one panics, `recv_timeout` says so.
    drop(done);
    let mut spans = Vec::with_capacity(2);
    // Deadlocked: two timeouts in a row with both threads started and no transfer between.
    let mut seen = None;
    while spans.len() < 2 {
        match finished.recv_timeout(STALL) {
            Ok(span) => spans.push(span),
            // With one thread left, a pause is only the thread waiting for a core.
            Err(RecvTimeoutError::Timeout) if spans.is_empty() => {
                let now = accounts.transfers.load(Ordering::Relaxed);
                if seen == Some(now) && accounts.started.load(Ordering::Relaxed) == 2 {
                    return Run::Deadlocked;
                }
                seen = Some(now);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => panic!("a transfer thread panicked"),
        }
    }
    let ((start_0, end_0), (start_1, end_1)) = (spans[0], spans[1]);
    Run::Finished {
        overlapped: start_0 < end_1 && start_1 < end_0,
    }
}

/// Runs `runs` pairs and prints how many overlapped and how many deadlocked.
fn report(label: &str, runs: u32, opposite_orders: bool) {
    let (mut overlapped, mut hung) = (0u32, 0u32);
    for _ in 0..runs {
        match run(opposite_orders) {
            Run::Finished { overlapped: true } => overlapped += 1,
            Run::Finished { overlapped: false } => {}
            Run::Deadlocked => {
                overlapped += 1;
                hung += 1;
            }
        }
    }
    // Both counts vary from run to run: shares, with a fractional part.
    let share = |n: u32, of: u32| {
        if of == 0 {
            0.0
        } else {
            100.0 * f64::from(n) / f64::from(of)
        }
    };
    println!(
        "{label}: both threads transferring at once in {:.1}% of the runs",
        share(overlapped, runs)
    );
    if opposite_orders {
        println!(
            "  deadlocked: {:.1}% of all runs, {:.1}% of the runs in which both were transferring",
            share(hung, runs),
            share(hung, overlapped)
        );
    } else {
        println!("  deadlocked: {hung} of {runs} runs");
    }
}

fn parse_args() -> Result<u32, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(DEFAULT_RUNS),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [n] => match n.to_str().map(str::parse::<u32>) {
            Some(Ok(n)) if (1..=MAX_RUNS).contains(&n) => Ok(n),
            _ => {
                eprintln!(
                    "error: RUNS must be a whole number from 1 to {MAX_RUNS}, got `{}`",
                    n.to_string_lossy()
                );
                Err(ExitCode::from(2))
            }
        },
        _ => {
            eprintln!("error: expected at most one argument, RUNS (try --help)");
            Err(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let runs = match parse_args() {
        Ok(runs) => runs,
        Err(status) => return status,
    };
    println!("{runs} runs of {TRANSFERS} transfers each way, plain lock");
    report("opposite orders", runs, true);
    report("one global order", runs, false);
    ExitCode::SUCCESS
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
