//! Five counters, each incremented by 1 and by 2 threads: a lock, one atomic, a slot per
//! thread packed side by side, a slot per thread on its own cache line, and a local count
//! added once at the end.

use cpu_time::ProcessTime;
use crossbeam::utils::CachePadded;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ch16_counters [INCREMENTS]
Each of 1, then 2 threads adds 1 to a shared count INCREMENTS times (default 2000000), in
five ways; prints increments per second, best of 3 runs, and checks every final count.
";

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

/// 2. One atomic count: each increment is one `lock xadd` instruction on x86-64.
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

/// 3. A slot per thread, side by side: 8 bytes each, so both slots share a cache line.
struct Sharded([AtomicU64; 2]);

impl Counter for Sharded {
    fn add_ones(&self, me: usize, n: u64) {
        for _ in 0..n {
            self.0[me].fetch_add(1, Relaxed);
        }
    }
    /// Reading sums the slots: while threads run, the sum is a count that was true at
    /// no single instant, the "approximate counter".
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

/// 5. Count in a local variable, publish once at the end.
struct Local(AtomicU64);

impl Counter for Local {
    fn add_ones(&self, _me: usize, n: u64) {
        let mut mine = 0u64;
        for _ in 0..n {
            // `black_box` keeps the compiler from replacing the loop with `mine = n`.
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
/// Best of 3 runs: `threads` threads add `n` ones each to a fresh counter. Returns the
/// increments per second and whether every run's total was exact.
fn measure(make: &dyn Fn() -> Box<dyn Counter>, threads: usize, n: u64) -> (f64, bool) {
    let mut best = Duration::MAX;
    let mut exact = true;
    for _ in 0..3 {
        let counter = make();
        let start = Barrier::new(threads + 1);
        let elapsed = thread::scope(|s| {
            for me in 0..threads {
                let (counter, start) = (&counter, &start);
                s.spawn(move || {
                    start.wait();
                    counter.add_ones(me, n);
                });
            }
            start.wait();
            Instant::now()
        })
        .elapsed();
        best = best.min(elapsed);
        exact &= counter.total() == threads as u64 * n;
    }
    (threads as f64 * n as f64 / best.as_secs_f64(), exact)
}
// ANCHOR_END: measure

fn main() -> ExitCode {
    let n = match count_argument(USAGE, 2_000_000) {
        Ok(n) => n,
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
    println!("millions of increments per second, best of 3:");
    println!("{:<28} {:>9} {:>9}", "counter", "1 thread", "2 threads");
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
            "local count, added at end",
            Box::new(|| Box::new(Local(AtomicU64::new(0)))),
        ),
    ];
    let mut all_exact = true;
    let mut rates = Vec::new();
    // Processor time over wall time while two threads ran: on a busy machine, less than 2.
    let mut busy = (Duration::ZERO, Duration::ZERO);
    for (name, make) in &counters {
        let (one, exact1) = measure(make, 1, n);
        let (cpu, wall) = (ProcessTime::now(), Instant::now());
        let (two, exact2) = measure(make, 2, n);
        busy = (busy.0 + cpu.elapsed(), busy.1 + wall.elapsed());
        all_exact &= exact1 && exact2;
        println!("{name:<28} {:>9.1} {:>9.1}", one / 1e6, two / 1e6);
        rates.push((one, two));
    }
    println!("every final count exact: {all_exact}");
    println!(
        "cores busy during the 2-thread runs: {:.2} (of 2: both threads ran throughout)",
        busy.0.as_secs_f64() / busy.1.as_secs_f64()
    );
    let [locked, atomic, packed, padded, _] = rates[..] else {
        unreachable!("five counters")
    };
    println!(
        "2 threads against 1: Mutex {:.2}x, one atomic {:.2}x, padded slots {:.2}x",
        locked.1 / locked.0,
        atomic.1 / atomic.0,
        padded.1 / padded.0
    );
    println!(
        "at 2 threads, padded slots against packed: {:.2}x",
        padded.1 / packed.1
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
