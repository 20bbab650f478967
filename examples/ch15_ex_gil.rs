//! Exercise 15-2's solution: a toy interpreter behind one lock, as CPython's state sits
//! behind the GIL. Two workers take integers from the interpreter's queue and record which
//! are prime: first holding the lock while they check, then releasing it for the check, as
//! `Python::detach` does.

use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// Trial division, chapter 1's check.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

/// The state every worker shares: what is left to check, and the primes found.
struct Interpreter {
    queue: Vec<u64>,
    primes: Vec<u64>,
}

// ANCHOR: holding
/// The exercise as given: the lock is held from taking an integer to recording it, so
/// the two workers check one integer at a time between them.
fn worker_holding(gil: &Mutex<Interpreter>) {
    loop {
        let mut interpreter = gil.lock().expect("a worker panicked");
        let Some(n) = interpreter.queue.pop() else {
            return;
        };
        if is_prime(n) {
            interpreter.primes.push(n);
        }
    }
}
// ANCHOR_END: holding

// ANCHOR: released
/// The solution: the lock is held to take an integer and to record it, and released for
/// the check. The guard is gone while `is_prime` runs, so the borrow checker refuses any
/// use of `interpreter` there: the rule `Python::detach` enforces, by a lifetime here where
/// PyO3 uses a `Send` bound (`Ungil`).
fn worker_released(gil: &Mutex<Interpreter>) {
    loop {
        let n = {
            let mut interpreter = gil.lock().expect("a worker panicked");
            match interpreter.queue.pop() {
                Some(n) => n,
                None => return,
            }
        };
        let prime = is_prime(n);
        if prime {
            gil.lock().expect("a worker panicked").primes.push(n);
        }
    }
}
// ANCHOR_END: released

/// Runs two workers over the integers `first .. first + count`: the primes, sorted, and
/// the wall time.
fn run(worker: fn(&Mutex<Interpreter>), first: u64, count: u64) -> (Vec<u64>, Duration) {
    let gil = Mutex::new(Interpreter {
        queue: (first..first + count).collect(),
        primes: Vec::new(),
    });
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| worker(&gil));
        }
    });
    let took = start.elapsed();
    let mut primes = gil.into_inner().expect("a worker panicked").primes;
    primes.sort_unstable();
    (primes, took)
}

/// The primes a run found, sorted, and its wall time.
type Run = (Vec<u64>, Duration);

/// Three runs of each worker, taken in turn (one, the other, one, ...) so that a change in
/// the machine's load hits both alike: the fastest run of each.
fn best_of_each(workers: [fn(&Mutex<Interpreter>); 2], first: u64, count: u64) -> [Run; 2] {
    let mut best: [Option<Run>; 2] = [None, None];
    for _ in 0..3 {
        for (worker, best) in workers.iter().zip(best.iter_mut()) {
            let run = run(*worker, first, count);
            if best.as_ref().is_none_or(|(_, took)| run.1 < *took) {
                *best = Some(run);
            }
        }
    }
    best.map(|run| run.expect("three runs"))
}

const USAGE: &str = "\
usage: ch15_ex_gil

Two threads check the 2000 integers from 10^13 for primes, taking them from and recording
them in a state behind one lock: holding the lock during the check, then releasing it.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (first, count) = (10_u64.pow(13), 2000);
    let [(held, held_time), (released, released_time)] =
        best_of_each([worker_holding, worker_released], first, count);
    println!("2 workers, {count} integers from {first}, best of 3 runs taken in turn");
    println!(
        "lock held during the check:     {} primes in {:.3} s",
        held.len(),
        held_time.as_secs_f64()
    );
    println!(
        "lock released for the check:    {} primes in {:.3} s",
        released.len(),
        released_time.as_secs_f64()
    );
    println!("same primes: {}", held == released);
    println!(
        "speedup from releasing the lock: {:.2}x",
        held_time.as_secs_f64() / released_time.as_secs_f64()
    );
    ExitCode::SUCCESS
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
