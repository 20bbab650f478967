//! Exercise 7-2: the sum of 0 to 19 without rounds. Four workers share one pool of
//! numbers; each takes any two, adds them, and puts the sum back, until one number is
//! left. Addition is commutative as well as associative, so which two does not matter.

use std::process::ExitCode;
use std::sync::{Condvar, Mutex};
use std::thread;

// ANCHOR: pool
/// The shared numbers, and how many additions are under way: while one is, a sum is
/// still to come back, so a worker that sees fewer than two numbers must wait.
struct Pool {
    numbers: Vec<u64>,
    in_flight: usize,
}

/// Takes two numbers, adds them outside the lock, puts the sum back; returns the number
/// of additions this worker made once one number is left and nothing is under way.
fn worker(pool: &Mutex<Pool>, changed: &Condvar) -> usize {
    let mut additions = 0;
    loop {
        let (a, b) = {
            let guard = pool.lock().expect("no worker panics");
            let mut pool = changed
                .wait_while(guard, |p| p.numbers.len() < 2 && p.in_flight > 0)
                .expect("no worker panics");
            if pool.numbers.len() < 2 {
                return additions;
            }
            pool.in_flight += 1;
            let a = pool.numbers.pop().expect("two numbers");
            let b = pool.numbers.pop().expect("two numbers");
            (a, b)
        };
        let sum = a + b;
        additions += 1;
        let mut pool = pool.lock().expect("no worker panics");
        pool.numbers.push(sum);
        pool.in_flight -= 1;
        // Wake every waiting worker: one may take the sum, and when the last addition
        // is back, all of them must see that the work is done.
        changed.notify_all();
    }
}
// ANCHOR_END: pool

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let pool = Mutex::new(Pool {
        numbers: (0..20).collect(),
        in_flight: 0,
    });
    let changed = Condvar::new();
    let additions: usize = thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| worker(&pool, &changed)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("no worker panics"))
            .sum()
    });
    let numbers = pool.into_inner().expect("no worker panics").numbers;
    assert_eq!(numbers, [190], "one number, the sum, is left");
    // Each addition takes two numbers and puts back one, in whatever order the workers go.
    assert_eq!(additions, 20 - 1, "additions != n - 1");
    println!("sum: {}", numbers[0]);
    println!("additions: {additions} (n - 1 for n = 20, as in the rounds)");
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_ex_no_rounds

Sums 0 to 19 with four workers that each take any two numbers from a shared pool,
add them and put the sum back, with no rounds and no barrier between them.
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
