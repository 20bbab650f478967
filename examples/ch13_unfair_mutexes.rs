//! Threads that each take a lock, note who held it before, release it and take it again at
//! once, for a fixed time, on four locks: std's `Mutex`, parking_lot's `Mutex` with an
//! ordinary unlock and with `unlock_fair`, and a ticket lock (strict first come, first
//! served); once with as many threads as cores, once with twice as many. For each:
//! acquisitions per second, the share of the thread that got the fewest and the most, how
//! many times in a row one thread got the lock, how many acquisitions at most overtook one
//! waiting thread, and the longest wait in wall-clock time.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

mod ch13_common;

use ch13_common::cli;

const USAGE: &str = "\
usage: ch13_unfair_mutexes [SECONDS]

Threads take and release a lock in a tight loop for SECONDS (default 1) on
each of four locks, first as many threads as cores, then twice as many, and
print how the acquisitions were shared; then one thread holds each lock 100 us
at a time while another asks every millisecond.
";

// ANCHOR: ticket
/// A ticket lock: each thread takes the next number and waits until it is served, so the
/// lock goes to the threads strictly in the order they asked. It guards no data of its own
/// (that would need `unsafe`); `with` runs a closure while it is held.
#[derive(Default)]
struct TicketLock {
    next: AtomicU64,
    serving: AtomicU64,
}

impl TicketLock {
    fn with<R>(&self, critical: impl FnOnce() -> R) -> R {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
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
        let result = critical();
        self.serving.store(ticket + 1, Ordering::Release);
        result
    }
}
// ANCHOR_END: ticket

// ANCHOR: locks
#[derive(Clone, Copy)]
enum Kind {
    Std,
    ParkingLot,
    ParkingLotFair,
    Ticket,
}

/// The four locks, each guarding the number of the thread that held it last, and a count
/// of all acquisitions, bumped by each holder inside the lock.
struct Locks {
    std: Mutex<usize>,
    parking_lot: parking_lot::Mutex<usize>,
    ticket: TicketLock,
    ticket_last: AtomicUsize,
    count: AtomicU64,
}

impl Locks {
    /// Takes the lock of `kind`, records `me` as its holder, works for `work` while holding
    /// it, releases it, and returns whether the lock changed hands and the number of this
    /// acquisition.
    fn take(&self, kind: Kind, me: usize, work: Duration) -> (bool, u64) {
        // Only a holder bumps the count, so a relaxed counter numbers the acquisitions.
        let inside = |last: &mut usize| {
            if !work.is_zero() {
                let start = Instant::now();
                while start.elapsed() < work {
                    std::hint::spin_loop();
                }
            }
            let changed = std::mem::replace(last, me) != me;
            (changed, self.count.fetch_add(1, Ordering::Relaxed))
        };
        match kind {
            Kind::Std => inside(&mut self.std.lock().unwrap_or_else(PoisonError::into_inner)),
            Kind::ParkingLot => inside(&mut self.parking_lot.lock()),
            Kind::ParkingLotFair => {
                let mut last = self.parking_lot.lock();
                let taken = inside(&mut last);
                // Hands the lock straight to the thread that has waited longest, if any.
                parking_lot::MutexGuard::unlock_fair(last);
                taken
            }
            // The ticket lock orders the accesses; relaxed atomics are enough inside it.
            Kind::Ticket => self.ticket.with(|| {
                let mut last = self.ticket_last.load(Ordering::Relaxed);
                let taken = inside(&mut last);
                self.ticket_last.store(last, Ordering::Relaxed);
                taken
            }),
        }
    }
}
// ANCHOR_END: locks

// ANCHOR: run
struct Tally {
    acquisitions: u64,
    handovers: u64,
    /// The most acquisitions by others between asking for the lock and getting it.
    most_overtaken: u64,
    /// The same count for every 16th acquisition, for its percentiles.
    overtaken: Vec<u64>,
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
                        longest_wait: Duration::ZERO,
                    };
                    let mut now = Instant::now();
                    while now < deadline {
                        let asked = now;
                        let before = locks.count.load(Ordering::Relaxed);
                        let (changed, number) = locks.take(kind, me, Duration::ZERO);
                        tally.handovers += u64::from(changed);
                        tally.most_overtaken = tally.most_overtaken.max(number - before);
                        if tally.acquisitions.is_multiple_of(16) {
                            tally.overtaken.push(number - before);
                        }
                        tally.acquisitions += 1;
                        now = Instant::now();
                        tally.longest_wait = tally.longest_wait.max(now - asked);
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
// ANCHOR_END: run

// ANCHOR: greedy
/// One thread holds the lock for `hold` at a time and takes it back at once; another asks
/// for it once per millisecond. Returns, for each of the second thread's requests, how many
/// of the holder's critical sections went first, and its longest wait.
fn greedy(locks: &Locks, kind: Kind, hold: Duration, run_for: Duration) -> (Vec<u64>, Duration) {
    let deadline = Instant::now() + run_for;
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            // The holder stops at the deadline too, so that a starved request still ends.
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                locks.take(kind, 0, hold);
            }
        });
        let mut overtaken = Vec::new();
        let mut longest = Duration::ZERO;
        while Instant::now() < deadline {
            let before = locks.count.load(Ordering::Relaxed);
            let asked = Instant::now();
            let (_, number) = locks.take(kind, 1, Duration::ZERO);
            longest = longest.max(asked.elapsed());
            overtaken.push(number - before);
            // A pause between requests, not a synchronisation.
            thread::sleep(Duration::from_millis(1));
        }
        done.store(true, Ordering::Relaxed);
        (overtaken, longest)
    })
}
// ANCHOR_END: greedy

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
    println!(
        "{:<26} {:>8} {:>8} {:>7} {:>7} {:>9} {:>8} {:>9} {:>11}",
        "lock",
        "threads",
        "M per s",
        "fewest",
        "most",
        "in a row",
        "p99 over",
        "most over",
        "longest ms"
    );
    let locks = Locks {
        std: Mutex::new(usize::MAX),
        parking_lot: parking_lot::Mutex::new(usize::MAX),
        ticket: TicketLock::default(),
        ticket_last: AtomicUsize::new(usize::MAX),
        count: AtomicU64::new(0),
    };
    let runs = [cores, 2 * cores].into_iter().flat_map(|threads| {
        [
            ("std::sync::Mutex", Kind::Std),
            ("parking_lot::Mutex", Kind::ParkingLot),
            ("parking_lot, unlock_fair", Kind::ParkingLotFair),
            ("ticket lock", Kind::Ticket),
        ]
        .map(|(name, kind)| (name, kind, threads))
    });
    for (name, kind, threads) in runs {
        let tallies = run(&locks, kind, threads, run_for);
        let total: u64 = tallies.iter().map(|t| t.acquisitions).sum();
        let handovers: u64 = tallies.iter().map(|t| t.handovers).sum();
        let share = |t: &Tally| 100.0 * t.acquisitions as f64 / total as f64;
        let fewest = tallies.iter().map(share).fold(f64::INFINITY, f64::min);
        let most = tallies.iter().map(share).fold(0.0, f64::max);
        let longest = tallies
            .iter()
            .map(|t| t.longest_wait)
            .max()
            .unwrap_or_default();
        let most_overtaken = tallies.iter().map(|t| t.most_overtaken).max().unwrap_or(0);
        let mut overtaken: Vec<u64> = tallies.iter().flat_map(|t| t.overtaken.clone()).collect();
        overtaken.sort_unstable();
        let p99 = overtaken
            .get(overtaken.len() * 99 / 100)
            .copied()
            .unwrap_or(0);
        println!(
            "{name:<26} {:>8} {:>8.3} {:>6.1}% {:>6.1}% {:>9.1} {:>8.1} {:>9.1} {:>11.3}",
            if threads == cores {
                "cores"
            } else {
                "2x cores"
            },
            total as f64 / run_for.as_secs_f64() / 1e6,
            fewest,
            most,
            total as f64 / handovers.max(1) as f64,
            p99 as f64,
            most_overtaken as f64,
            longest.as_secs_f64() * 1e3,
        );
    }
    let hold = Duration::from_micros(100);
    println!();
    println!(
        "one thread holds the lock {} us at a time and takes it back at once; another asks every 1 ms",
        hold.as_micros()
    );
    println!(
        "{:<26} {:>8} {:>11} {:>8} {:>9} {:>11}",
        "lock", "asks/s", "median over", "p99 over", "most over", "longest ms"
    );
    for (name, kind) in [
        ("std::sync::Mutex", Kind::Std),
        ("parking_lot::Mutex", Kind::ParkingLot),
        ("ticket lock", Kind::Ticket),
    ] {
        let (mut overtaken, longest) = greedy(&locks, kind, hold, run_for);
        overtaken.sort_unstable();
        let at = |q: usize| {
            overtaken
                .get(overtaken.len() * q / 100)
                .copied()
                .unwrap_or(0)
        };
        println!(
            "{name:<26} {:>8.1} {:>11.1} {:>8.1} {:>9.1} {:>11.3}",
            overtaken.len() as f64 / run_for.as_secs_f64(),
            at(50) as f64,
            at(99) as f64,
            overtaken.last().copied().unwrap_or(0) as f64,
            longest.as_secs_f64() * 1e3,
        );
    }
    ExitCode::SUCCESS
}
