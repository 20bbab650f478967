//! What an atomic reference count costs: `Rc` and `Arc` clones on one thread, and `Arc`
//! clones on two threads, first each cloning its own `Arc`, then both cloning one.

use std::hint::black_box;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// Clones and drops per thread in one round.
const CLONES: u32 = 10_000_000;
/// Each way runs this many rounds and reports its fastest.
const ROUNDS: usize = 5;

// ANCHOR: one_thread
/// Clones `rc` and drops the clone, `CLONES` times: a non-atomic increment and decrement.
fn rc_clones(rc: &Rc<u64>) {
    for _ in 0..CLONES {
        let clone = Rc::clone(black_box(rc));
        black_box(&clone);
    }
}

/// The same with `Arc`: each increment and decrement is an atomic read-modify-write.
fn arc_clones<T>(arc: &Arc<T>) {
    for _ in 0..CLONES {
        let clone = Arc::clone(black_box(arc));
        black_box(&clone);
    }
}
// ANCHOR_END: one_thread

/// A value alone on its 128 bytes. An `Arc` keeps its counts beside its value, so two
/// small `Arc`s can share one cache line, and two threads cloning "their own" would still
/// write to one line (false sharing). Aligning the value aligns the counts with it.
#[repr(align(128))]
struct Alone;

// ANCHOR: two_threads
/// Two threads clone at once, starting together; `shared` says whether they clone one
/// `Arc` (one count, written from both cores) or an `Arc` each. The slower thread's time.
fn two_threads(shared: bool) -> Duration {
    let one = Arc::new(Alone);
    let arcs = if shared {
        [Arc::clone(&one), Arc::clone(&one)]
    } else {
        [Arc::clone(&one), Arc::new(Alone)]
    };
    let start_line = Barrier::new(2);
    thread::scope(|s| {
        let threads: Vec<_> = arcs
            .iter()
            .map(|arc| {
                let start_line = &start_line;
                s.spawn(move || {
                    start_line.wait();
                    let start = Instant::now();
                    arc_clones(arc);
                    start.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a cloning thread panicked"))
            .max()
            .expect("two threads")
    })
}
// ANCHOR_END: two_threads

/// The fastest of `ROUNDS` rounds, in nanoseconds per clone and drop.
fn best_ns(mut round: impl FnMut() -> Duration) -> f64 {
    (0..ROUNDS)
        .map(|_| round())
        .min()
        .expect("ROUNDS is not zero")
        .as_secs_f64()
        * 1e9
        / f64::from(CLONES)
}

fn timed(work: impl Fn()) -> impl FnMut() -> Duration {
    move || {
        let start = Instant::now();
        work();
        start.elapsed()
    }
}

const USAGE: &str = "\
usage: ch15_rc_arc

Times cloning and dropping an Rc and an Arc on one thread, and an Arc on two threads,
each with its own Arc and both with one shared Arc: nanoseconds per clone and drop.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("{CLONES} clones and drops per thread, best of {ROUNDS} rounds");
    let rc = Rc::new(0_u64);
    let arc = Arc::new(0_u64);
    let rc_ns = best_ns(timed(|| rc_clones(&rc)));
    let arc_ns = best_ns(timed(|| arc_clones(&arc)));
    let apart_ns = best_ns(|| two_threads(false));
    let shared_ns = best_ns(|| two_threads(true));
    println!("Rc, 1 thread                 {rc_ns:6.2} ns");
    println!(
        "Arc, 1 thread                {arc_ns:6.2} ns  {:5.1}x Rc",
        arc_ns / rc_ns
    );
    println!(
        "Arc, 2 threads, one Arc each {apart_ns:6.2} ns  {:5.1}x Rc",
        apart_ns / rc_ns
    );
    println!(
        "Arc, 2 threads, one shared   {shared_ns:6.2} ns  {:5.1}x Rc",
        shared_ns / rc_ns
    );
    // Both counts end where they started: every clone was dropped.
    println!(
        "counts at the end: Rc {}, Arc {}",
        Rc::strong_count(&rc),
        Arc::strong_count(&arc)
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
