//! Threads that each take a lock, note who held it before, release it and take it again at
//! once, for a fixed time, on four locks: std's `Mutex`, parking_lot's `Mutex` with an
//! ordinary unlock and with `unlock_fair`, and a ticket lock (strict first come, first
//! served); once with as many threads as cores, once with twice as many. For each:
//! acquisitions per second, the share of the thread that got the fewest and the most, how
//! many times in a row one thread got the lock, how often and how far a waiting thread was
//! overtaken by threads that joined the line after it, its context switches (asleep in the
//! kernel, or taken off its core), and the longest wait in wall-clock time. Then one thread
//! holds each lock 100 us at a time and takes it back at once, while another asks once a
//! millisecond.

use std::cell::Cell;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::utils::CachePadded;

mod ch13_common;

use ch13_common::cli;
use ch13_common::switches::Switches;

const USAGE: &str = "\
usage: ch13_unfair_mutexes [SECONDS]

Threads take and release a lock in a tight loop for SECONDS (default 1) on
each of four locks, first as many threads as cores, then twice as many, and
print how the acquisitions were shared; then, for 3 x SECONDS on each lock,
one thread holds it 100 us at a time while another asks every millisecond.
";

// ANCHOR: ticket
/// A ticket lock: each thread takes the next number and waits until it is served, so the
/// lock goes to the threads strictly in the order they took their numbers. It guards no
/// data of its own (that would need `unsafe`); `with` runs `critical` while the lock is
/// held. It also runs `in_line` as soon as the caller has its number, before it waits.
#[derive(Default)]
struct TicketLock {
    // Each counter on a cache line of its own: a thread taking a number does not slow the
    // waiters that watch `serving`.
    next: CachePadded<AtomicU64>,
    serving: CachePadded<AtomicU64>,
}

impl TicketLock {
    fn with<R>(&self, in_line: impl FnOnce(), critical: impl FnOnce() -> R) -> R {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        in_line();
        let mut spins = 0u32;
        // Acquire: what the previous holder wrote before its Release is visible here.
        while self.serving.load(Ordering::Acquire) != ticket {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                // The holder, or the next in line, may be waiting for a core: give ours up.
                thread::yield_now();
            }
        }
        // Serves the next number when `critical` returns, and also if it panics.
        let _next = Serve(&self.serving, ticket + 1);
        critical()
    }
}

/// Stores the next number to serve when dropped. Release: what the holder wrote is
/// visible to the next one.
struct Serve<'a>(&'a AtomicU64, u64);

impl Drop for Serve<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, Ordering::Release);
    }
}
// ANCHOR_END: ticket

// ANCHOR: locks
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Std,
    ParkingLot,
    ParkingLotFair,
    Ticket,
}

/// The four locks, each guarding the number of the thread that held it last, and the
/// measurement's own counters, which no lock reads. Every lock and counter sits on a cache
/// line of its own (`CachePadded`), so that writing one never slows a thread that uses
/// another: the rates compare the locks, not false sharing between them and the counting.
struct Locks {
    std: CachePadded<Mutex<usize>>,
    parking_lot: CachePadded<parking_lot::Mutex<usize>>,
    ticket: TicketLock,
    ticket_last: CachePadded<AtomicUsize>,
    /// Arrivals: a thread draws the next number when it joins the line.
    arrivals: CachePadded<AtomicU64>,
    /// Acquisitions: a holder draws the next number inside the lock.
    count: CachePadded<AtomicU64>,
    /// The arrival number of each acquisition, at its acquisition number modulo the length.
    log: Vec<AtomicU64>,
}

/// One acquisition: the thread joined the line as arrival `arrived`, when `from`
/// acquisitions had been made, and got the lock as acquisition `own`.
struct Turn {
    arrived: u64,
    from: u64,
    own: u64,
    /// Whether the lock changed hands.
    changed: bool,
}

impl Locks {
    /// Takes the lock of `kind`, records `me` as its holder, works for `work` while holding
    /// it, and releases it.
    fn take(&self, kind: Kind, me: usize, work: Duration) -> Turn {
        // SeqCst on both counters puts them in one order: a thread that arrives after this
        // one draws an acquisition number no smaller than this one's `from`.
        let joined = Cell::new((0, 0));
        let join = || {
            let from = self.count.load(Ordering::SeqCst);
            joined.set((self.arrivals.fetch_add(1, Ordering::SeqCst), from));
        };
        let inside = |last: &mut usize| {
            if !work.is_zero() {
                let start = Instant::now();
                while start.elapsed() < work {
                    std::hint::spin_loop();
                }
            }
            let changed = std::mem::replace(last, me) != me;
            let (arrived, from) = joined.get();
            // Only a holder draws, so the numbers follow the order the lock was taken in.
            let own = self.count.fetch_add(1, Ordering::SeqCst);
            self.log[own as usize % self.log.len()].store(arrived, Ordering::Release);
            Turn {
                arrived,
                from,
                own,
                changed,
            }
        };
        match kind {
            // A thread joins the line when it calls `lock`: a mutex keeps no order.
            Kind::Std => {
                join();
                inside(&mut self.std.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Kind::ParkingLot | Kind::ParkingLotFair => {
                join();
                let mut last = self.parking_lot.lock();
                let turn = inside(&mut last);
                if kind == Kind::ParkingLotFair {
                    // Hands the lock straight to the thread that has waited longest, if any.
                    parking_lot::MutexGuard::unlock_fair(last);
                }
                turn
            }
            // A ticket lock's line is the order of its numbers: a thread joins it when it
            // has one. The lock orders the accesses; relaxed atomics are enough inside it.
            Kind::Ticket => self.ticket.with(join, || {
                let mut last = self.ticket_last.load(Ordering::Relaxed);
                let turn = inside(&mut last);
                self.ticket_last.store(last, Ordering::Relaxed);
                turn
            }),
        }
    }

    /// How many threads that joined the line after this acquisition's thread got the lock
    /// before it: among the acquisitions numbered from `from` to `own`, those with a larger
    /// arrival number. Read from the log after the lock was released.
    fn overtaken(&self, turn: &Turn) -> u64 {
        let len = self.log.len() as u64;
        let later = (turn.from..turn.own)
            .filter(|&n| self.log[(n % len) as usize].load(Ordering::Acquire) > turn.arrived)
            .count() as u64;
        if self.count.load(Ordering::SeqCst) > turn.from + len {
            // A later lap may have written over the oldest entries: count every acquisition
            // of the wait as a later arrival, at most threads - 1 too many.
            return turn.own - turn.from;
        }
        later
    }
}
// ANCHOR_END: locks

// ANCHOR: run
struct Tally {
    acquisitions: u64,
    handovers: u64,
    /// The most later arrivals that got in before one of this thread's acquisitions, and
    /// every 16th acquisition's count, for the share overtaken.
    most_overtaken: u64,
    overtaken: Vec<u64>,
    switches: Switches,
    /// Wall-clock time, so it includes any time the OS did not run the thread.
    longest_wait: Duration,
}

fn run(locks: &Locks, kind: Kind, threads: usize, run_for: Duration) -> Vec<Tally> {
    let deadline = Instant::now() + run_for;
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|me| {
                s.spawn(move || {
                    let mut tally = Tally {
                        acquisitions: 0,
                        handovers: 0,
                        most_overtaken: 0,
                        overtaken: Vec::new(),
                        switches: Switches::default(),
                        longest_wait: Duration::ZERO,
                    };
                    let start = Switches::now();
                    let mut now = Instant::now();
                    while now < deadline {
                        let asked = now;
                        let turn = locks.take(kind, me, Duration::ZERO);
                        tally.handovers += u64::from(turn.changed);
                        // No more acquisitions overtook this one than were made while it
                        // waited: a wait no longer than the worst so far cannot beat it,
                        // and need not be read from the log.
                        let sampled = tally.acquisitions.is_multiple_of(16);
                        if sampled || turn.own - turn.from > tally.most_overtaken {
                            let overtaken = locks.overtaken(&turn);
                            tally.most_overtaken = tally.most_overtaken.max(overtaken);
                            if sampled {
                                tally.overtaken.push(overtaken);
                            }
                        }
                        tally.acquisitions += 1;
                        now = Instant::now();
                        tally.longest_wait = tally.longest_wait.max(now - asked);
                    }
                    tally.switches = Switches::now().since(start);
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
// ANCHOR_END: run

// ANCHOR: greedy
/// One request of the thread that asks once a millisecond.
struct Request {
    overtaken: u64,
    switches: Switches,
    wait: Duration,
}

/// One thread holds the lock for `hold` at a time and takes it back at once; another asks
/// for it once per millisecond. Returns the second thread's requests.
fn greedy(locks: &Locks, kind: Kind, hold: Duration, run_for: Duration) -> Vec<Request> {
    let deadline = Instant::now() + run_for;
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            // The holder stops at the deadline too, so that a starved request still ends.
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                locks.take(kind, 0, hold);
            }
        });
        let mut requests = Vec::new();
        while Instant::now() < deadline {
            let switches = Switches::now();
            let asked = Instant::now();
            let turn = locks.take(kind, 1, Duration::ZERO);
            let wait = asked.elapsed();
            requests.push(Request {
                overtaken: locks.overtaken(&turn),
                switches: Switches::now().since(switches),
                wait,
            });
            // A pause between requests, not a synchronisation.
            thread::sleep(Duration::from_millis(1));
        }
        done.store(true, Ordering::Relaxed);
        requests
    })
}
// ANCHOR_END: greedy

/// A count that changes from run to run, in thousands: `52.8k`.
fn thousands(count: u64) -> String {
    format!("{:.1}k", count as f64 / 1e3)
}

fn main() -> ExitCode {
    let run_for = match cli::seconds(USAGE, 1.0) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{:.1} s per lock, machine: {cores} cores",
        run_for.as_secs_f64()
    );
    println!("overtaken: acquisitions that a thread which joined the line later got in before");
    println!("most over: the most later arrivals that got in before one acquisition; fifo:");
    println!("whether that stayed within first come, first served (threads - 1, see text)");
    println!("sleeps/s, preempts/s: each thread's context switches per second, on average");
    println!(
        "{:<18} {:>8} {:>7} {:>6} {:>6} {:>8} {:>9} {:>9} {:>6} {:>9} {:>10} {:>10}",
        "lock",
        "threads",
        "M per s",
        "fewest",
        "most",
        "in a row",
        "overtaken",
        "most over",
        "fifo",
        "sleeps/s",
        "preempts/s",
        "longest ms"
    );
    let locks = Locks {
        std: CachePadded::new(Mutex::new(usize::MAX)),
        parking_lot: CachePadded::new(parking_lot::Mutex::new(usize::MAX)),
        ticket: TicketLock::default(),
        ticket_last: CachePadded::new(AtomicUsize::new(usize::MAX)),
        arrivals: CachePadded::new(AtomicU64::new(0)),
        count: CachePadded::new(AtomicU64::new(0)),
        log: (0..1 << 22).map(|_| AtomicU64::new(0)).collect(),
    };
    let kinds = [
        ("std Mutex", Kind::Std),
        ("parking_lot", Kind::ParkingLot),
        ("parking_lot fair", Kind::ParkingLotFair),
        ("ticket lock", Kind::Ticket),
    ];
    let runs = [cores, 2 * cores]
        .into_iter()
        .flat_map(|threads| kinds.map(|(name, kind)| (name, kind, threads)));
    for (name, kind, threads) in runs {
        let tallies = run(&locks, kind, threads, run_for);
        let total: u64 = tallies.iter().map(|t| t.acquisitions).sum();
        let handovers = tallies.iter().map(|t| t.handovers).sum::<u64>().max(1) as f64;
        let share = |t: &Tally| 100.0 * t.acquisitions as f64 / total as f64;
        let fewest = tallies.iter().map(share).fold(f64::INFINITY, f64::min);
        let most = tallies.iter().map(share).fold(0.0, f64::max);
        let longest = tallies
            .iter()
            .map(|t| t.longest_wait)
            .max()
            .unwrap_or_default();
        let most_overtaken = tallies.iter().map(|t| t.most_overtaken).max().unwrap_or(0);
        let sampled: Vec<u64> = tallies.iter().flat_map(|t| t.overtaken.clone()).collect();
        let overtaken = sampled.iter().filter(|&&n| n > 0).count();
        let slept: u64 = tallies.iter().map(|t| t.switches.slept).sum();
        let preempted: u64 = tallies.iter().map(|t| t.switches.preempted).sum();
        let per_thread_second = threads as f64 * run_for.as_secs_f64();
        println!(
            "{name:<18} {:>8} {:>7.3} {:>5.1}% {:>5.1}% {:>8.1} {:>8.1}% {:>9} {:>6} {:>9.1} {:>10.1} {:>10.3}",
            if threads == cores {
                "cores"
            } else {
                "2x cores"
            },
            total as f64 / run_for.as_secs_f64() / 1e6,
            fewest,
            most,
            total as f64 / handovers,
            100.0 * overtaken as f64 / sampled.len().max(1) as f64,
            thousands(most_overtaken),
            if most_overtaken < threads as u64 {
                "kept"
            } else {
                "broken"
            },
            slept as f64 / per_thread_second,
            preempted as f64 / per_thread_second,
            longest.as_secs_f64() * 1e3,
        );
    }
    let hold = Duration::from_micros(100);
    let greedy_for = 3 * run_for;
    println!();
    println!(
        "{:.1} s per lock: one thread holds the lock {} us at a time and takes it back at once;",
        greedy_for.as_secs_f64(),
        hold.as_micros()
    );
    println!("another asks every 1 ms. For its requests: overtaken, the share that a section");
    println!("begun after the request got in before; over/ask, how many such sections per");
    println!(
        "request on average, most over, the most for one; its sleeps and preempts per request"
    );
    println!(
        "{:<18} {:>7} {:>9} {:>8} {:>9} {:>10} {:>12} {:>10}",
        "lock",
        "asks/s",
        "overtaken",
        "over/ask",
        "most over",
        "sleeps/ask",
        "preempts/ask",
        "longest ms"
    );
    for (name, kind) in kinds {
        let requests = greedy(&locks, kind, hold, greedy_for);
        let asks = requests.len().max(1) as f64;
        let sum = |f: fn(&Request) -> u64| requests.iter().map(f).sum::<u64>() as f64;
        let overtaken = requests.iter().filter(|r| r.overtaken > 0).count();
        let most = requests.iter().map(|r| r.overtaken).max().unwrap_or(0);
        let longest = requests.iter().map(|r| r.wait).max().unwrap_or_default();
        println!(
            "{name:<18} {:>7.1} {:>8.1}% {:>8.2} {:>9} {:>10.2} {:>12.2} {:>10.3}",
            requests.len() as f64 / greedy_for.as_secs_f64(),
            100.0 * overtaken as f64 / asks,
            sum(|r| r.overtaken) / asks,
            thousands(most),
            sum(|r| r.switches.slept) / asks,
            sum(|r| r.switches.preempted) / asks,
            longest.as_secs_f64() * 1e3,
        );
    }
    ExitCode::SUCCESS
}
