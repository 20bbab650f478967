//! The Python original's deadlock: thread A takes lock a then lock b, thread B takes lock b
//! then lock a. A barrier makes the bad interleaving certain, and a timed `try_lock_for`
//! turns the endless wait into a report.

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long a thread waits for its second lock before it concludes that it never will.
const PATIENCE: Duration = Duration::from_millis(500);

// ANCHOR: worker
/// Takes `first`, waits until the other thread holds its own first lock, then asks for
/// `second` for at most `PATIENCE`. Returns whether it got both.
fn worker(
    me: &str,
    first: (&str, &Mutex<()>),
    second: (&str, &Mutex<()>),
    both_hold_one: &Barrier,
    both_done: &Barrier,
) -> bool {
    let _held = first.1.lock();
    println!("{me}: holds lock {}", first.0);
    both_hold_one.wait();

    println!("{me}: waiting for lock {}", second.0);
    let asked = Instant::now();
    let got_both = match second.1.try_lock_for(PATIENCE) {
        Some(_both) => {
            println!("{me}: holds both locks");
            true
        }
        None => {
            let waited = asked.elapsed().as_secs_f64();
            println!("{me}: no lock {} after {waited:.2} s, giving up", second.0);
            false
        }
    };
    // Keep the first lock until the other thread is done too, so that it cannot slip
    // through the moment we let go: the same ending on every run.
    both_done.wait();
    got_both
}
// ANCHOR_END: worker

const USAGE: &str = "\
usage: ch12_watch

Thread A locks a then b, thread B locks b then a. Each takes its first lock and waits
until the other holds its own, then asks for its second lock for at most 0.5 s. Neither
gets it: the program reports the deadlock and exits with status 0.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let lock_a = Mutex::new(());
    let lock_b = Mutex::new(());
    let both_hold_one = Barrier::new(2);
    let both_done = Barrier::new(2);

    let (a_done, b_done) = thread::scope(|s| {
        let a = spawn_or_exit(s, || {
            let (a, b) = (("a", &lock_a), ("b", &lock_b));
            worker("A", a, b, &both_hold_one, &both_done)
        });
        let b = spawn_or_exit(s, || {
            let (b, a) = (("b", &lock_b), ("a", &lock_a));
            worker("B", b, a, &both_hold_one, &both_done)
        });
        (a.join().unwrap(), b.join().unwrap())
    });

    if !a_done && !b_done {
        println!("main: neither thread got its second lock: a deadlock, stopped after 0.5 s");
    } else {
        println!("main: a thread got both locks, no deadlock this time");
    }
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

/// Starts a scoped thread, or, if the system refuses one, says so and ends the program at once:
/// the threads already started would otherwise wait at the barrier for one that never came.
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
