//! Five counters, each incremented by 1 and by 2 threads: a lock, one atomic, a slot per
//! thread packed side by side, a slot per thread on its own cache line, and a local count
//! added to a shared atomic once per call, every 10000 increments.

mod ch16_common;

use ch16_common::cli;
use ch16_common::timing::{rates, timed_run, Rates};
use crossbeam::utils::CachePadded;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const USAGE: &str = "usage: ch16_counters [SECONDS]
Each of 1, then 2 threads adds 1 to a shared count for SECONDS (default 0.3) per run, in
five ways; prints millions of increments per second, best and slowest of 3 runs, how often
the 2 threads slept in the kernel or lost their core, how much of each 2-thread run they
ran side by side, the host's steal time, and checks every final count.
";

/// Increments a thread does between two looks at the clock.
const CHUNK: u64 = 10_000;

// ANCHOR: counters
trait Counter: Sync {
    /// Thread `me` adds `n` ones, one at a time.
    fn add_ones(&self, me: usize, n: u64);
    fn total(&self) -> u64;
}

/// 1. One count behind a lock.
struct Locked(Mutex<u64>);

impl Counter for Locked {
    fn add_ones(&self, _me: usize, n: u64) {
        for _ in 0..n {
            *self.0.lock().unwrap() += 1;
        }
    }
    fn total(&self) -> u64 {
        *self.0.lock().unwrap()
    }
}

/// 2. One atomic count: each increment is one `lock add` instruction on x86-64.
struct Atomic(AtomicU64);

impl Counter for Atomic {
    fn add_ones(&self, _me: usize, n: u64) {
        for _ in 0..n {
            self.0.fetch_add(1, Relaxed);
        }
    }
    fn total(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// 3. A slot per thread, side by side: 8 bytes each, and the pair aligned to 64 bytes, so
///    both slots share one cache line whatever address the allocator returns.
#[repr(align(64))]
struct Sharded([AtomicU64; 2]);

impl Counter for Sharded {
    fn add_ones(&self, me: usize, n: u64) {
        for _ in 0..n {
            self.0[me].fetch_add(1, Relaxed);
        }
    }
    /// Reading sums the slots one at a time. Each slot only grows, by one, so the sum is a
    /// count the counter passed through between the first load and the last: maybe not
    /// the latest one while threads run (Java's `LongAdder.sum` says the same).
    fn total(&self) -> u64 {
        self.0.iter().map(|slot| slot.load(Relaxed)).sum()
    }
}

/// 4. The same, each slot padded to a cache line of its own.
struct Padded([CachePadded<AtomicU64>; 2]);

impl Counter for Padded {
    fn add_ones(&self, me: usize, n: u64) {
        for _ in 0..n {
            self.0[me].fetch_add(1, Relaxed);
        }
    }
    fn total(&self) -> u64 {
        self.0.iter().map(|slot| slot.load(Relaxed)).sum()
    }
}

/// 5. Count in a local variable, publish once per call: every `CHUNK` increments here.
struct Local(AtomicU64);

impl Counter for Local {
    fn add_ones(&self, _me: usize, n: u64) {
        let mut mine = 0u64;
        for _ in 0..n {
            // `black_box` keeps the compiler from replacing the loop with `mine = n`; it
            // also makes each step a store to the stack and a load back.
            mine = black_box(mine + 1);
        }
        self.0.fetch_add(mine, Relaxed);
    }
    fn total(&self) -> u64 {
        self.0.load(Relaxed)
    }
}
// ANCHOR_END: counters

// ANCHOR: measure
/// Best and slowest of 3 runs: `threads` threads add ones to a fresh counter for `budget`.
/// Also says whether every run's total was exactly the sum of what the threads added.
fn measure(
    make: &dyn Fn() -> Box<dyn Counter>,
    threads: usize,
    budget: Duration,
) -> Result<(Rates, bool), String> {
    let mut exact = true;
    let rates = rates(3, || {
        let counter = make();
        let counter = &*counter;
        let run = timed_run(threads, budget, |me| {
            move || {
                counter.add_ones(me, CHUNK);
                CHUNK
            }
        })?;
        exact &= counter.total() == run.ops;
        Ok(run)
    })?;
    Ok((rates, exact))
}
// ANCHOR_END: measure

fn main() -> ExitCode {
    let budget = match cli::seconds(USAGE, 0.3) {
        Ok(budget) => budget,
        Err(status) => return status,
    };
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let line =
        std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size")
            .map_or("unknown".to_string(), |s| s.trim().to_string());
    println!("machine: {cores} cores, cache line {line} bytes");
    println!(
        "slot size: {} bytes unpadded, {} bytes padded",
        std::mem::size_of::<AtomicU64>(),
        std::mem::size_of::<CachePadded<AtomicU64>>()
    );
    println!(
        "millions of increments per second, best (slowest) of 3 runs of {:.2} s;",
        budget.as_secs_f64()
    );
    println!("2-thread runs: thousands of context switches per second, the lowest share of a");
    println!("run that both threads' windows covered, and steal time as a share of both cores:");
    println!(
        "{:<26} {:>17} {:>17} {:>7} {:>9} {:>7} {:>6}",
        "counter", "1 thread", "2 threads", "slept", "preempted", "overlap", "steal"
    );
    type Make = Box<dyn Fn() -> Box<dyn Counter>>;
    let counters: [(&str, Make); 5] = [
        ("Mutex<u64>", Box::new(|| Box::new(Locked(Mutex::new(0))))),
        (
            "AtomicU64::fetch_add",
            Box::new(|| Box::new(Atomic(AtomicU64::new(0)))),
        ),
        (
            "slot per thread, packed",
            Box::new(|| Box::new(Sharded(Default::default()))),
        ),
        (
            "slot per thread, padded",
            Box::new(|| Box::new(Padded(Default::default()))),
        ),
        (
            "local count, per 10000",
            Box::new(|| Box::new(Local(AtomicU64::new(0)))),
        ),
    ];
    let mut all_exact = true;
    let mut best = Vec::new();
    for (name, make) in &counters {
        let measured =
            measure(make, 1, budget).and_then(|one| Ok((one, measure(make, 2, budget)?)));
        let ((one, exact1), (two, exact2)) = match measured {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        all_exact &= exact1 && exact2;
        println!(
            "{name:<26} {:>17} {:>17} {:>7.1} {:>9.1} {:>6.1}% {:>5.1}%",
            one.cell(),
            two.cell(),
            two.slept_per_s / 1e3,
            two.preempted_per_s / 1e3,
            100.0 * two.overlap,
            100.0 * two.steal
        );
        best.push((one.best, two.best));
    }
    println!("every final count exact: {all_exact}");
    let [locked, atomic, packed, padded, local] = best[..] else {
        unreachable!("five counters")
    };
    println!(
        "2 threads against 1 (best runs): Mutex {:.2}x, one atomic {:.2}x, padded slots {:.2}x, local {:.2}x",
        locked.1 / locked.0,
        atomic.1 / atomic.0,
        padded.1 / padded.0,
        local.1 / local.0
    );
    println!(
        "at 2 threads, padded slots against packed: {:.2}x",
        padded.1 / packed.1
    );
    ExitCode::SUCCESS
}
