//! Four shared maps under a read-mostly and a write-heavy mix, at 1 and 2 threads.

use cpu_time::ProcessTime;
use dashmap::DashMap;
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Barrier, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ch16_maps [OPS]
Each of 1, then 2 threads does OPS operations (default 300000) on a map of 1024 u64 keys:
95% reads or 50% reads, the rest inserts, on keys drawn at random. Prints millions of
operations per second, best of 3 runs.
";

const KEYS: u64 = 1024;

// ANCHOR: maps
/// The two operations every map of the table offers to many threads at once.
trait SharedMap: Sync {
    fn get(&self, key: u64) -> Option<u64>;
    fn insert(&self, key: u64, value: u64);
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
// ANCHOR_END: maps

// ANCHOR: workload
/// Best of 3: `threads` threads each do `ops` operations, `reads` percent of them gets.
fn ops_per_second(map: &dyn SharedMap, threads: u64, ops: u64, reads: u32) -> f64 {
    for key in 0..KEYS {
        map.insert(key, key);
    }
    let mut best = Duration::MAX;
    for run in 0..3 {
        let start = Barrier::new(threads as usize + 1);
        let began = thread::scope(|s| {
            for t in 0..threads {
                let start = &start;
                s.spawn(move || {
                    // Each thread its own seeded generator: the same keys every run.
                    let mut rng = fastrand::Rng::with_seed(run * 10 + t);
                    start.wait();
                    for i in 0..ops {
                        let key = rng.u64(0..KEYS);
                        if rng.u32(0..100) < reads {
                            std::hint::black_box(map.get(key));
                        } else {
                            map.insert(key, i);
                        }
                    }
                });
            }
            start.wait();
            Instant::now()
        });
        best = best.min(began.elapsed());
    }
    (threads * ops) as f64 / best.as_secs_f64()
}
// ANCHOR_END: workload

fn main() -> ExitCode {
    let ops = match count_argument(USAGE, 300_000) {
        Ok(n) => n,
        Err(status) => return status,
    };
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("millions of operations per second, best of 3, {KEYS} keys:");
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>10}",
        "", "95% reads", "", "50% reads", ""
    );
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>10}",
        "map", "1 thread", "2 threads", "1 thread", "2 threads"
    );
    type Make = fn() -> Box<dyn SharedMap>;
    let maps: [(&str, Make); 4] = [
        ("Mutex<HashMap>", || Box::new(Mutex::new(HashMap::new()))),
        ("RwLock<HashMap>", || Box::new(RwLock::new(HashMap::new()))),
        ("dashmap::DashMap", || Box::new(DashMap::new())),
        ("papaya::HashMap", || Box::new(papaya::HashMap::new())),
    ];
    // Processor time over wall time while two threads ran: on a busy machine, less than 2.
    let mut busy = (Duration::ZERO, Duration::ZERO);
    for (name, make) in maps {
        let mut row = format!("{name:<24}");
        for reads in [95, 50] {
            for threads in [1, 2] {
                let (cpu, wall) = (ProcessTime::now(), Instant::now());
                let rate = ops_per_second(&*make(), threads, ops, reads);
                if threads == 2 {
                    busy = (busy.0 + cpu.elapsed(), busy.1 + wall.elapsed());
                }
                row += &format!(" {:>10.2}", rate / 1e6);
            }
        }
        println!("{row}");
    }
    println!(
        "cores busy during the 2-thread runs: {:.2} (of 2: both threads ran throughout)",
        busy.0.as_secs_f64() / busy.1.as_secs_f64()
    );
    ExitCode::SUCCESS
}

// The command line: `--help` prints the usage, one optional positive count is read, anything
// else is refused with one `error:` line and exit status 2.
fn count_argument(usage: &str, default: u64) -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let count = match args.next() {
        None => return Ok(default),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) => match arg.to_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!(
                    "error: expected a positive whole number, got `{}` (try --help)",
                    arg.to_string_lossy()
                );
                return Err(ExitCode::from(2));
            }
        },
    };
    if let Some(extra) = args.next() {
        eprintln!(
            "error: unexpected argument `{}` (try --help)",
            extra.to_string_lossy()
        );
        return Err(ExitCode::from(2));
    }
    Ok(count)
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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
