//! Four shared maps under a read-mostly and a write-heavy mix, at 1 and 2 threads.

mod ch16_common;

use ch16_common::cli;
use ch16_common::timing::{rates, timed_run, Rates};
use dashmap::DashMap;
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Mutex, RwLock};
use std::thread;
use std::time::Duration;

const USAGE: &str = "usage: ch16_maps [SECONDS]
Each of 1, then 2 threads works for SECONDS (default 0.2) per run on a map of 1024 u64 keys,
all present from the start: 95% reads or 50% reads, the rest overwrites, on keys drawn at
random. Prints millions of operations per second, best and slowest of 3 runs, and for the
2-thread runs their context switches, the lowest share of a run that both threads' windows
covered, and the machine's steal time.
";

const KEYS: u64 = 1024;
/// Operations a thread does between two looks at the clock.
const CHUNK: u64 = 1024;

// ANCHOR: maps
/// The two operations every map of the table offers to many threads at once.
trait SharedMap: Sync {
    fn get(&self, key: u64) -> Option<u64>;
    fn insert(&self, key: u64, value: u64);

    /// `ops` operations on keys from `rng`, `reads` percent of them gets, the rest inserts.
    fn mix(&self, rng: &mut fastrand::Rng, ops: u64, reads: u32) {
        for i in 0..ops {
            let key = rng.u64(0..KEYS);
            if rng.u32(0..100) < reads {
                std::hint::black_box(self.get(key));
            } else {
                self.insert(key, i);
            }
        }
    }
}

impl SharedMap for Mutex<HashMap<u64, u64>> {
    fn get(&self, key: u64) -> Option<u64> {
        self.lock().unwrap().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.lock().unwrap().insert(key, value);
    }
}

impl SharedMap for RwLock<HashMap<u64, u64>> {
    fn get(&self, key: u64) -> Option<u64> {
        self.read().unwrap().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.write().unwrap().insert(key, value);
    }
}

/// dashmap: the keys are split among shards (by default 4 times the number of cores,
/// rounded up to a power of two), each a hash map behind a reader-writer lock of its own.
impl SharedMap for DashMap<u64, u64> {
    fn get(&self, key: u64) -> Option<u64> {
        DashMap::get(self, &key).map(|entry| *entry)
    }
    fn insert(&self, key: u64, value: u64) {
        DashMap::insert(self, key, value);
    }
}

/// papaya: no locks; a reader pins the map (so that nothing it may still read is freed),
/// follows atomic pointers and unpins. Writers install entries with compare-exchange.
impl SharedMap for papaya::HashMap<u64, u64> {
    fn get(&self, key: u64) -> Option<u64> {
        self.pin().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.pin().insert(key, value);
    }
}

/// papaya with one pin for a whole batch of operations, as its documentation advises
/// ("guard reuse is encouraged, within reason"): what is left is the map itself.
struct PinnedPapaya(papaya::HashMap<u64, u64>);

impl SharedMap for PinnedPapaya {
    fn get(&self, key: u64) -> Option<u64> {
        self.0.pin().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.0.pin().insert(key, value);
    }
    fn mix(&self, rng: &mut fastrand::Rng, ops: u64, reads: u32) {
        let map = self.0.pin();
        for i in 0..ops {
            let key = rng.u64(0..KEYS);
            if rng.u32(0..100) < reads {
                std::hint::black_box(map.get(&key));
            } else {
                map.insert(key, i);
            }
        }
    }
}
// ANCHOR_END: maps

// ANCHOR: workload
/// Best and slowest of 3 runs of `budget`: `threads` threads on one map holding every key,
/// `reads` percent of their operations gets.
fn ops_per_second(
    map: &dyn SharedMap,
    threads: usize,
    budget: Duration,
    reads: u32,
) -> Result<Rates, String> {
    for key in 0..KEYS {
        map.insert(key, key);
    }
    let mut run = 0;
    rates(3, || {
        run += 1;
        timed_run(threads, budget, |me| {
            // Each thread its own seeded generator: the same keys every time.
            let mut rng = fastrand::Rng::with_seed(run * 10 + me as u64);
            move || {
                map.mix(&mut rng, CHUNK, reads);
                CHUNK
            }
        })
    })
}
// ANCHOR_END: workload

fn main() -> ExitCode {
    let budget = match cli::seconds(USAGE, 0.2) {
        Ok(budget) => budget,
        Err(status) => return status,
    };
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "millions of operations per second, best (slowest) of 3 runs of {:.2} s, {KEYS} keys;",
        budget.as_secs_f64()
    );
    println!("2-thread runs of both mixes: thousands of context switches per second, the lowest");
    println!(
        "share of a run that both threads' windows covered, steal time as a share of both cores:"
    );
    println!(
        "{:<24} {:>13} {:>13} {:>13} {:>13}",
        "", "95% reads", "", "50% reads", ""
    );
    println!(
        "{:<24} {:>13} {:>13} {:>13} {:>13} {:>6} {:>9} {:>7} {:>7}",
        "map",
        "1 thread",
        "2 threads",
        "1 thread",
        "2 threads",
        "slept",
        "preempted",
        "overlap",
        "steal"
    );
    type Make = fn() -> Box<dyn SharedMap>;
    let maps: [(&str, Make); 5] = [
        ("Mutex<HashMap>", || Box::new(Mutex::new(HashMap::new()))),
        ("RwLock<HashMap>", || Box::new(RwLock::new(HashMap::new()))),
        ("dashmap::DashMap", || Box::new(DashMap::new())),
        ("papaya::HashMap", || Box::new(papaya::HashMap::new())),
        ("  one pin per 1024 ops", || {
            Box::new(PinnedPapaya(papaya::HashMap::new()))
        }),
    ];
    for (name, make) in maps {
        let mut row = format!("{name:<24}");
        let (mut slept, mut preempted, mut overlap, mut steal) = (0.0, 0.0, 1.0f64, 0.0);
        for reads in [95, 50] {
            for threads in [1, 2] {
                let rates = match ops_per_second(&*make(), threads, budget, reads) {
                    Ok(rates) => rates,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                if threads == 2 {
                    // Each mix ran for the same time: the mean of the two rates.
                    slept += rates.slept_per_s / 2.0;
                    preempted += rates.preempted_per_s / 2.0;
                    overlap = overlap.min(rates.overlap);
                    steal += rates.steal / 2.0;
                }
                row += &format!(" {:>13}", rates.cell());
            }
        }
        let placement = format!("{:>6.1}% {:>6.1}%", 100.0 * overlap, 100.0 * steal);
        println!(
            "{row} {:>6.1} {:>9.1} {placement:>15}",
            slept / 1e3,
            preempted / 1e3
        );
    }
    ExitCode::SUCCESS
}
