//! Exercise: a first-come, first-served mutex built from std's `Mutex` and `Condvar`, with
//! no `unsafe`, measured against std's `Mutex` under the load of `ch13_unfair_mutexes`,
//! with the number of times its threads slept in the kernel: the cost of the fairness.

use std::process::ExitCode;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

mod ch13_common;

use ch13_common::cli;
use ch13_common::switches::Switches;

const USAGE: &str = "\
usage: ch13_ex_fair_mutex [SECONDS]

Four threads take and release a lock in a tight loop for SECONDS (default 1),
on std's Mutex and on a first-come, first-served mutex, and count how often
they slept in the kernel (Linux).
";

const THREADS: usize = 4;

// ANCHOR: solution
/// A mutex that serves its callers in the order they called `lock`: each takes a ticket and
/// waits on a `Condvar` until its number is served.
struct FairMutex<T> {
    data: Mutex<T>,
    tickets: Mutex<Tickets>,
    turn: Condvar,
}

struct Tickets {
    next: u64,
    serving: u64,
}

struct FairGuard<'a, T> {
    // Always `Some` until the guard is dropped.
    data: Option<MutexGuard<'a, T>>,
    lock: &'a FairMutex<T>,
}

impl<T> FairMutex<T> {
    fn new(value: T) -> Self {
        FairMutex {
            data: Mutex::new(value),
            tickets: Mutex::new(Tickets {
                next: 0,
                serving: 0,
            }),
            turn: Condvar::new(),
        }
    }

    fn lock(&self) -> FairGuard<'_, T> {
        let mut tickets = self.tickets.lock().unwrap();
        let mine = tickets.next;
        tickets.next += 1;
        let tickets = self
            .turn
            .wait_while(tickets, |t| t.serving != mine)
            .unwrap();
        drop(tickets);
        // Only the thread being served reaches this line, so this never waits long. If an
        // earlier holder panicked, the data is poisoned: take it anyway, because a panic here,
        // before a guard exists, would never call the next ticket and the line would stop.
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        FairGuard {
            data: Some(data),
            lock: self,
        }
    }
}

impl<T> std::ops::Deref for FairGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_ref().expect("a live guard")
    }
}

impl<T> std::ops::DerefMut for FairGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_mut().expect("a live guard")
    }
}

impl<T> Drop for FairGuard<'_, T> {
    fn drop(&mut self) {
        // Unlock the data first, then call the next ticket.
        drop(self.data.take());
        self.lock
            .tickets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .serving += 1;
        // Every waiter checks its own number; only the next one proceeds.
        self.lock.turn.notify_all();
    }
}
// ANCHOR_END: solution

/// One lock's run: acquisitions and handovers per thread, and the threads' sleeps.
struct Run {
    per_thread: Vec<u64>,
    handovers: u64,
    /// How many times the threads blocked in the kernel (voluntary context switches).
    sleeps: u64,
}

/// Takes the lock in a loop until the deadline, on every thread.
fn run(take: &(impl Fn(usize) -> bool + Sync), run_for: Duration) -> Run {
    let deadline = Instant::now() + run_for;
    let counts: Vec<(u64, u64, u64)> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|me| {
                s.spawn(move || {
                    let start = Switches::now();
                    let (mut got, mut handovers) = (0, 0);
                    while Instant::now() < deadline {
                        if take(me) {
                            handovers += 1;
                        }
                        got += 1;
                    }
                    (got, handovers, Switches::now().since(start).slept)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    Run {
        per_thread: counts.iter().map(|c| c.0).collect(),
        handovers: counts.iter().map(|c| c.1).sum(),
        sleeps: counts.iter().map(|c| c.2).sum(),
    }
}

fn main() -> ExitCode {
    let run_for = match cli::seconds(USAGE, 1.0) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    println!("{THREADS} threads, {:.1} s per lock", run_for.as_secs_f64());
    let std_lock = Mutex::new(usize::MAX);
    let fair = FairMutex::new(usize::MAX);
    let std_take = |me| std::mem::replace(&mut *std_lock.lock().unwrap(), me) != me;
    let fair_take = |me| std::mem::replace(&mut *fair.lock(), me) != me;
    for (name, result) in [
        ("std::sync::Mutex", run(&std_take, run_for)),
        ("FairMutex", run(&fair_take, run_for)),
    ] {
        let total = result.per_thread.iter().sum::<u64>().max(1) as f64;
        let fewest = result.per_thread.iter().min().copied().unwrap_or(0) as f64 / total;
        println!(
            "{name:<18} {:>9.3} M per s, fewest share {:>5.1}%, {:>8.1} in a row, {:>6.3} sleeps per acquisition",
            total / run_for.as_secs_f64() / 1e6,
            100.0 * fewest,
            total / result.handovers.max(1) as f64,
            result.sleeps as f64 / total,
        );
    }
    ExitCode::SUCCESS
}
