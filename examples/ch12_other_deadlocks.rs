//! Six deadlocks that need no second mutex, each made certain, each stopped within a bound,
//! each followed by its fix.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a case may take before we call it stuck.
const BOUND: Duration = Duration::from_millis(200);

// ANCHOR: watch
/// Runs `case` on a thread of its own and waits at most `BOUND` for it to finish. A thread
/// blocked in `lock`, `recv` or `join` cannot be interrupted: if the case is stuck, its thread
/// stays blocked until the process ends.
fn watch(case: impl FnOnce() + Send + 'static) -> &'static str {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        case();
        let _ = done.send(());
    });
    match finished.recv_timeout(BOUND) {
        Ok(()) => "finished",
        Err(mpsc::RecvTimeoutError::Timeout) => "stuck",
        // The case's thread dropped `done` without sending: it panicked.
        Err(mpsc::RecvTimeoutError::Disconnected) => "panicked",
    }
}
// ANCHOR_END: watch

// ANCHOR: self_lock
/// Case 1: A function that locks, calling a helper that locks the same mutex again.
fn total_with_tax(prices: &std::sync::Mutex<Vec<u64>>) -> u64 {
    let prices_guard = prices.lock().unwrap();
    let tax = prices_guard.len() as u64; // one unit of tax per item
    sum(prices) + tax // `sum` locks `prices` again, while we still hold it
}

fn sum(prices: &std::sync::Mutex<Vec<u64>>) -> u64 {
    prices.lock().unwrap().iter().sum()
}

/// The fix: lock once, and give helpers the data, not the mutex.
fn total_with_tax_fixed(prices: &std::sync::Mutex<Vec<u64>>) -> u64 {
    let prices = prices.lock().unwrap();
    sum_of(&prices) + prices.len() as u64
}

fn sum_of(prices: &[u64]) -> u64 {
    prices.iter().sum()
}
// ANCHOR_END: self_lock

// ANCHOR: recursive_read
/// Case 2: A thread that holds a read lock and takes a second one while a writer waits.
/// parking_lot's `RwLock` is fair: a waiting writer stops new readers, even this one.
fn read_twice(recursive: bool) -> bool {
    let lock = std::sync::Arc::new(parking_lot::RwLock::new(0u64));
    let first = lock.read();
    let writer = {
        let lock = lock.clone();
        thread::spawn(move || *lock.write() += 1)
    };
    // Wait (within a bound) until the writer is queued: in parking_lot 0.12 it marks the
    // lock as soon as it starts waiting for the readers to leave (not a documented promise).
    let asked = Instant::now();
    while !lock.is_locked_exclusive() && asked.elapsed() < Duration::from_secs(5) {
        thread::yield_now();
    }
    let second = if recursive {
        Some(lock.read_recursive())
    } else {
        lock.try_read_for(BOUND)
    };
    let got_second = second.is_some();
    drop(second);
    drop(first); // now the writer can go on
    writer.join().unwrap();
    got_second
}
// ANCHOR_END: recursive_read

// ANCHOR: receive_first
/// Case 3: Two threads that each wait to hear from the other before they speak.
fn receive_first(speak_first: bool) -> bool {
    let (to_b, from_a) = mpsc::channel::<&str>();
    let (to_a, from_b) = mpsc::channel::<&str>();
    let b = thread::spawn(move || {
        if speak_first {
            let _ = to_a.send("hello from b");
        }
        let heard = from_a.recv_timeout(BOUND).is_ok();
        if !speak_first {
            let _ = to_a.send("hello from b");
        }
        heard
    });
    let a_heard = from_b.recv_timeout(BOUND).is_ok();
    let _ = to_b.send("hello from a");
    let b_heard = b.join().unwrap();
    a_heard && b_heard
}
// ANCHOR_END: receive_first

// ANCHOR: full_channels
/// Case 4: Two threads in a cycle of bounded channels, each sending all its items before it
/// receives any: both channels fill, and both senders wait for room.
fn full_cycle(select: bool) -> bool {
    use crossbeam::channel::{bounded, select, Receiver, Sender};
    const ITEMS: u32 = 3;
    fn side(out: Sender<u32>, inbox: Receiver<u32>, select: bool) -> bool {
        let (mut sent, mut received) = (0, 0);
        while sent < ITEMS || received < ITEMS {
            if !select {
                // Send everything, then receive: the second send finds the channel full.
                if sent < ITEMS {
                    if out.send_timeout(sent, BOUND).is_err() {
                        return false;
                    }
                    sent += 1;
                } else if inbox.recv_timeout(BOUND).is_ok() {
                    received += 1;
                } else {
                    return false;
                }
            } else if sent < ITEMS {
                // The fix: wait for whichever is possible first, room to send or an item.
                select! {
                    send(out, sent) -> r => { if r.is_err() { return false; } sent += 1; }
                    recv(inbox) -> r => { if r.is_err() { return false; } received += 1; }
                    default(BOUND) => return false,
                }
            } else if inbox.recv_timeout(BOUND).is_ok() {
                received += 1;
            } else {
                return false;
            }
        }
        true
    }
    let (a_out, b_inbox) = bounded(1);
    let (b_out, a_inbox) = bounded(1);
    let b = thread::spawn(move || side(b_out, b_inbox, select));
    let a_done = side(a_out, a_inbox, select);
    let b_done = b.join().unwrap();
    a_done && b_done
}
// ANCHOR_END: full_channels

// ANCHOR: join_in_drop
/// Case 5: A pool whose `Drop` joins its worker, while the worker waits for jobs until every
/// sender is gone; the pool's own sender is a field, dropped only after `drop` returns.
struct Pool {
    jobs: Option<mpsc::Sender<Box<dyn FnOnce() + Send>>>,
    worker: Option<thread::JoinHandle<()>>,
    close_first: bool,
}

impl Pool {
    fn new(close_first: bool) -> Pool {
        let (jobs, queue) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let worker = thread::spawn(move || {
            for job in queue {
                job();
            }
        });
        Pool {
            jobs: Some(jobs),
            worker: Some(worker),
            close_first,
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if self.close_first {
            drop(self.jobs.take()); // the fix: close the queue, then join
        }
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: join_in_drop

// ANCHOR: rayon_pool
/// Case 6: Three jobs on a rayon pool of two threads, each waiting until all three have
/// started: the third job is queued behind two jobs that never finish.
fn rendezvous_on_pool(threads_of_our_own: bool) -> bool {
    use parking_lot::{Condvar, Mutex};
    let started = Mutex::new(0);
    let all_started = Condvar::new();
    let job = || {
        let mut n = started.lock();
        *n += 1;
        all_started.notify_all();
        let timed_out = all_started
            .wait_while_for(&mut n, |n| *n < 3, BOUND)
            .timed_out();
        !timed_out
    };
    if threads_of_our_own {
        // The fix: jobs that wait for each other need a thread each.
        thread::scope(|s| {
            let handles: Vec<_> = (0..3).map(|_| s.spawn(job)).collect();
            handles.into_iter().all(|h| h.join().unwrap())
        })
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads");
        let results: Vec<bool> = pool.install(|| {
            use rayon::prelude::*;
            (0..3).into_par_iter().map(|_| job()).collect()
        });
        results.into_iter().all(|ok| ok)
    }
}
// ANCHOR_END: rayon_pool

fn verdict(ok: bool) -> &'static str {
    if ok {
        "finished"
    } else {
        "stuck"
    }
}

const USAGE: &str = "\
usage: ch12_other_deadlocks

Six deadlocks without two mutexes: a mutex locked twice by one thread, a second read lock
behind a waiting writer, two threads that both receive first, a cycle of full bounded
channels, a join inside Drop, and jobs that wait for each other on a rayon pool. Each is
stopped after 0.2 s and followed by its fix.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("each case is given {} ms", BOUND.as_millis());

    // ANCHOR: run
    let prices = || std::sync::Mutex::new(vec![3, 4, 5]);
    let bug = watch(move || assert_eq!(total_with_tax(&prices()), 15));
    let fix = watch(move || assert_eq!(total_with_tax_fixed(&prices()), 15));
    println!("1. one thread locks a std Mutex twice: {bug}; lock once: {fix}");

    let bug = verdict(read_twice(false));
    let fix = verdict(read_twice(true));
    println!("2. second read lock while a writer waits: {bug}; read_recursive: {fix}");

    let bug = verdict(receive_first(false));
    let fix = verdict(receive_first(true));
    println!("3. two threads both receive first: {bug}; one speaks first: {fix}");

    let bug = verdict(full_cycle(false));
    let fix = verdict(full_cycle(true));
    println!("4. a cycle of full bounded channels: {bug}; select send and receive: {fix}");

    let bug = watch(|| drop(Pool::new(false)));
    let fix = watch(|| drop(Pool::new(true)));
    println!(
        "5. Drop joins a worker that waits for the pool's sender: {bug}; close, then join: {fix}"
    );

    let bug = verdict(rendezvous_on_pool(false));
    let fix = verdict(rendezvous_on_pool(true));
    println!("6. three waiting jobs on a rayon pool of two threads: {bug}; a thread each: {fix}");
    // ANCHOR_END: run
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
