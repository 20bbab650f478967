//! Threads that each take a lock, note who held it before, release it and take it again at
//! once, for a fixed time, on four locks: std's `Mutex`, parking_lot's `Mutex` with an
//! ordinary unlock and with `unlock_fair`, and a ticket lock (strict first come, first
//! served); once with as many threads as cores, once with twice as many. For each:
//! acquisitions per second, the share of the thread that got the fewest and the most, how
//! many times in a row one thread got the lock, how many acquisitions overtook a thread once
//! it was in line, its context switches (asleep in the kernel, or taken off its core), and
//! the longest wait in wall-clock time. Then one thread holds each lock 100 us at a time and
//! takes it back at once, while another asks once a millisecond.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

mod ch13_common;

use ch13_common::cli;

const USAGE: &str = "\
usage: ch13_unfair_mutexes [SECONDS]

Threads take and release a lock in a tight loop for SECONDS (default 1) on
each of four locks, first as many threads as cores, then twice as many, and
print how the acquisitions were shared; then, for 3 x SECONDS on each lock,
one thread holds it 100 us at a time while another asks every millisecond.
";

// ANCHOR: ticket
/// A ticket lock: each thread takes the next number and waits until it is served, so the
/// lock goes to the threads strictly in the order they asked. It guards no data of its own
/// (that would need `unsafe`); `with` runs `critical` while the lock is held, and also
/// returns how many threads were ahead in line when this one took its number.
#[derive(Default)]
struct TicketLock {
    next: AtomicU64,
    serving: AtomicU64,
}

impl TicketLock {
    fn with<R>(&self, critical: impl FnOnce() -> R) -> (R, u64) {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        // Acquire: what the previous holder wrote before its Release is visible here.
        let mut serving = self.serving.load(Ordering::Acquire);
        let ahead = ticket - serving;
        let mut spins = 0u32;
        while serving != ticket {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                // The holder, or the next in line, may be waiting for a core: give ours up.
                thread::yield_now();
            }
            serving = self.serving.load(Ordering::Acquire);
        }
        // Serves the next number when `critical` returns, and also if it panics.
        let _next = Serve(&self.serving, ticket + 1);
        (critical(), ahead)
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
    /// it, and releases it. Returns whether the lock changed hands, and how many
    /// acquisitions by others went first once this thread was in line: from a failed
    /// `try_lock` for the mutexes, from taking a number for the ticket lock.
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
        let count_now = || self.count.load(Ordering::Relaxed);
        // `before` is the count when this thread started to wait, `None` if it did not;
        // the acquisitions numbered from there to this thread's own went first.
        let over = |before: Option<u64>, (changed, number): (bool, u64)| {
            (changed, before.map_or(0, |before| number - before))
        };
        match kind {
            Kind::Std => match self.std.try_lock() {
                Ok(mut last) => over(None, inside(&mut last)),
                Err(TryLockError::Poisoned(p)) => over(None, inside(&mut p.into_inner())),
                Err(TryLockError::WouldBlock) => {
                    let before = count_now();
                    let mut last = self.std.lock().unwrap_or_else(PoisonError::into_inner);
                    over(Some(before), inside(&mut last))
                }
            },
            Kind::ParkingLot | Kind::ParkingLotFair => {
                let (before, mut last) = match self.parking_lot.try_lock() {
                    Some(last) => (None, last),
                    None => (Some(count_now()), self.parking_lot.lock()),
                };
                let taken = inside(&mut last);
                if let Kind::ParkingLotFair = kind {
                    // Hands the lock straight to the thread that has waited longest, if any.
                    parking_lot::MutexGuard::unlock_fair(last);
                }
                over(before, taken)
            }
            // The ticket lock orders the accesses; relaxed atomics are enough inside it.
            // Exactly the threads ahead in line when this one took its number go first.
            Kind::Ticket => {
                let ((changed, _), ahead) = self.ticket.with(|| {
                    let mut last = self.ticket_last.load(Ordering::Relaxed);
                    let taken = inside(&mut last);
                    self.ticket_last.store(last, Ordering::Relaxed);
                    taken
                });
                (changed, ahead)
            }
        }
    }
}
// ANCHOR_END: locks

// ANCHOR: switches
/// A thread's context switches so far, from Linux's `/proc/thread-self/status`.
#[derive(Clone, Copy, Default)]
struct Switches {
    /// Voluntary: the thread blocked in the kernel, e.g. asleep in a futex.
    slept: u64,
    /// Involuntary: the kernel took its core away (or gave it up after `yield_now`).
    preempted: u64,
}

impl Switches {
    /// The calling thread's counts, or zeros where the file does not exist.
    fn now() -> Switches {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0)
        };
        Switches {
            slept: field("voluntary_ctxt_switches"),
            preempted: field("nonvoluntary_ctxt_switches"),
        }
    }

    fn since(self, earlier: Switches) -> Switches {
        Switches {
            slept: self.slept.saturating_sub(earlier.slept),
            preempted: self.preempted.saturating_sub(earlier.preempted),
        }
    }
}
// ANCHOR_END: switches

// ANCHOR: run
struct Tally {
    acquisitions: u64,
    handovers: u64,
    /// How many acquisitions by others went first once this thread was in line: the most,
    /// and every 16th acquisition's, for the percentiles.
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
                        let (changed, overtaken) = locks.take(kind, me, Duration::ZERO);
                        tally.handovers += u64::from(changed);
                        tally.most_overtaken = tally.most_overtaken.max(overtaken);
                        if tally.acquisitions.is_multiple_of(16) {
                            tally.overtaken.push(overtaken);
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
            let (_, overtaken) = locks.take(kind, 1, Duration::ZERO);
            let wait = asked.elapsed();
            requests.push(Request {
                overtaken,
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

/// The value at `q` percent of a sorted list.
fn at(sorted: &[u64], q: usize) -> u64 {
    sorted.get(sorted.len() * q / 100).copied().unwrap_or(0)
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
    println!("over: acquisitions that went first once a thread was in line");
    println!("sleeps/s, preempts/s: each thread's context switches per second, on average");
    println!(
        "{:<18} {:>8} {:>7} {:>6} {:>6} {:>8} {:>8} {:>9} {:>9} {:>10} {:>10}",
        "lock",
        "threads",
        "M per s",
        "fewest",
        "most",
        "in a row",
        "p99 over",
        "most over",
        "sleeps/s",
        "preempts/s",
        "longest ms"
    );
    let locks = Locks {
        std: Mutex::new(usize::MAX),
        parking_lot: parking_lot::Mutex::new(usize::MAX),
        ticket: TicketLock::default(),
        ticket_last: AtomicUsize::new(usize::MAX),
        count: AtomicU64::new(0),
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
        let mut overtaken: Vec<u64> = tallies.iter().flat_map(|t| t.overtaken.clone()).collect();
        overtaken.sort_unstable();
        let slept: u64 = tallies.iter().map(|t| t.switches.slept).sum();
        let preempted: u64 = tallies.iter().map(|t| t.switches.preempted).sum();
        let per_thread_second = threads as f64 * run_for.as_secs_f64();
        println!(
            "{name:<18} {:>8} {:>7.3} {:>5.1}% {:>5.1}% {:>8.1} {:>8.1} {:>9.1} {:>9.1} {:>10.1} {:>10.3}",
            if threads == cores {
                "cores"
            } else {
                "2x cores"
            },
            total as f64 / run_for.as_secs_f64() / 1e6,
            fewest,
            most,
            total as f64 / handovers,
            at(&overtaken, 99) as f64,
            most_overtaken as f64,
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
    println!("another asks every 1 ms; passed: its requests that more than one went before;");
    println!("worst over: its worst request, and that request's own sleeps and preempts");
    println!(
        "{:<18} {:>7} {:>7} {:>8} {:>10} {:>10} {:>12} {:>10}",
        "lock",
        "asks/s",
        "passed",
        "p99 over",
        "worst over",
        "its sleeps",
        "its preempts",
        "longest ms"
    );
    for (name, kind) in kinds {
        let requests = greedy(&locks, kind, hold, greedy_for);
        let mut overtaken: Vec<u64> = requests.iter().map(|r| r.overtaken).collect();
        overtaken.sort_unstable();
        let passed = requests.iter().filter(|r| r.overtaken > 1).count();
        let worst = requests.iter().max_by_key(|r| (r.overtaken, r.wait));
        let longest = requests.iter().map(|r| r.wait).max().unwrap_or_default();
        println!(
            "{name:<18} {:>7.1} {:>6.1}% {:>8.1} {:>10.1} {:>10.1} {:>12.1} {:>10.3}",
            requests.len() as f64 / greedy_for.as_secs_f64(),
            100.0 * passed as f64 / requests.len().max(1) as f64,
            at(&overtaken, 99) as f64,
            worst.map_or(0, |r| r.overtaken) as f64,
            worst.map_or(0, |r| r.switches.slept) as f64,
            worst.map_or(0, |r| r.switches.preempted) as f64,
            longest.as_secs_f64() * 1e3,
        );
    }
    ExitCode::SUCCESS
}
