// Timed runs for chapter 16's tables: threads released together, each repeating a step of
// work for a fixed time on its own clock, with their context switches counted, how much of
// the run the threads actually ran side by side, and the machine's steal time.

use super::switches::Switches;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: timing
/// What one timed run did: operations, the wall time from the first thread's start to the
/// last one's end, how often the threads slept in the kernel or lost their core, the share
/// of the run during which every thread's window was open, and the host's steal time.
#[derive(Clone, Copy, Default)]
pub struct Run {
    pub ops: u64,
    pub elapsed: Duration,
    pub switches: Switches,
    /// (earliest end - latest start) / (latest end - earliest start): 1 when the threads'
    /// windows coincide, less when one started late or finished early.
    pub overlap: f64,
    /// Seconds the hypervisor ran something else while this machine's cores wanted to run,
    /// summed over the cores (the `steal` field of `/proc/stat`).
    pub steal: f64,
}

/// Runs `threads` threads, released together. Each makes its step with `make_step(me)`, then
/// calls it until `budget` has passed on its own clock; a step returns how many operations
/// it did. Each thread times itself, so a late main thread cannot shorten the run.
pub fn timed_run<S: FnMut() -> u64>(
    threads: usize,
    budget: Duration,
    make_step: impl Fn(usize) -> S + Sync,
) -> Result<Run, String> {
    let gate = Gate::default();
    let steal_before = steal_seconds();
    thread::scope(|s| {
        let mut workers = Vec::new();
        for me in 0..threads {
            let (gate, make_step) = (&gate, &make_step);
            let worker = thread::Builder::new().spawn_scoped(s, move || {
                let mut step = make_step(me);
                if !gate.wait() {
                    return None; // another thread failed to start: no run
                }
                let before = Switches::now();
                let start = Instant::now();
                let mut ops = 0;
                while start.elapsed() < budget {
                    ops += step();
                }
                Some((start, Instant::now(), ops, Switches::now().since(before)))
            });
            match worker {
                Ok(worker) => workers.push(worker),
                Err(e) => {
                    gate.open(false); // the threads already started end at once
                    return Err(format!("could not start thread {me}: {e}"));
                }
            }
        }
        gate.open(true);
        let mut run = Run::default();
        let mut windows = Vec::new();
        for worker in workers {
            let (start, end, ops, switches) = worker
                .join()
                .map_err(|_| "a worker thread panicked".to_string())?
                .ok_or("a worker thread did not run")?;
            windows.push((start, end));
            run.ops += ops;
            run.switches.slept += switches.slept;
            run.switches.preempted += switches.preempted;
        }
        (run.elapsed, run.overlap) = span_and_overlap(&windows);
        run.steal = steal_seconds() - steal_before;
        Ok(run)
    })
}

/// The wall time from the first window's start to the last one's end, and the share of it
/// that every window covered: (earliest end - latest start) / (latest end - earliest start).
pub fn span_and_overlap(windows: &[(Instant, Instant)]) -> (Duration, f64) {
    let first_start = windows.iter().map(|w| w.0).min();
    let last_start = windows.iter().map(|w| w.0).max();
    let first_end = windows.iter().map(|w| w.1).min();
    let last_end = windows.iter().map(|w| w.1).max();
    match (first_start, last_start, first_end, last_end) {
        (Some(a), Some(b), Some(c), Some(d)) if d > a => {
            let span = d - a;
            let shared = c.saturating_duration_since(b);
            (span, shared.as_secs_f64() / span.as_secs_f64())
        }
        _ => (Duration::ZERO, 0.0),
    }
}

/// The machine's steal time so far, in seconds summed over its cores: the eighth number
/// of the `cpu` line of `/proc/stat`, in ticks of 1/100 s (Linux's `USER_HZ`). 0 where the
/// file does not exist or the hypervisor does not report it.
pub fn steal_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks = stat
        .lines()
        .find_map(|line| line.strip_prefix("cpu "))
        .and_then(|fields| fields.split_whitespace().nth(7))
        .and_then(|steal| steal.parse::<u64>().ok())
        .unwrap_or(0);
    ticks as f64 / 100.0
}

/// The best (fastest) and the slowest of several runs, in operations per second, the
/// context switches per second over all of them, the lowest overlap of any run, and the
/// steal time as a share of the runs' time on all the machine's cores.
pub struct Rates {
    pub best: f64,
    pub slowest: f64,
    pub slept_per_s: f64,
    pub preempted_per_s: f64,
    pub overlap: f64,
    pub steal: f64,
}

/// Repeats `run` `times` times and summarises the runs.
pub fn rates(times: usize, mut run: impl FnMut() -> Result<Run, String>) -> Result<Rates, String> {
    let (mut best, mut slowest, mut overlap) = (0.0f64, f64::INFINITY, 1.0f64);
    let (mut seconds, mut slept, mut preempted, mut steal) = (0.0, 0, 0, 0.0);
    for _ in 0..times {
        let r = run()?;
        let rate = r.ops as f64 / r.elapsed.as_secs_f64();
        (best, slowest) = (best.max(rate), slowest.min(rate));
        overlap = overlap.min(r.overlap);
        seconds += r.elapsed.as_secs_f64();
        slept += r.switches.slept;
        preempted += r.switches.preempted;
        steal += r.steal;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    Ok(Rates {
        best,
        slowest,
        slept_per_s: slept as f64 / seconds,
        preempted_per_s: preempted as f64 / seconds,
        overlap,
        steal: steal / (seconds * cores),
    })
}
// ANCHOR_END: timing

impl Rates {
    /// `best (slowest)`, in millions a second.
    pub fn cell(&self) -> String {
        format!("{:.2} ({:.2})", self.best / 1e6, self.slowest / 1e6)
    }

    /// The lowest overlap and the steal time, as percentages, each `width` wide.
    pub fn placement(&self, width: usize) -> String {
        let overlap = format!("{:.1}%", 100.0 * self.overlap);
        let steal = format!("{:.1}%", 100.0 * self.steal);
        format!("{overlap:>width$} {steal:>width$}")
    }
}

/// A start line the threads wait at until the main thread opens it, for a run or not. A
/// `Barrier` cannot be cancelled: if a later thread fails to start, the earlier ones would
/// wait at it for ever.
#[derive(Default)]
pub struct Gate {
    state: Mutex<Option<bool>>,
    opened: Condvar,
}

impl Gate {
    pub fn open(&self, go: bool) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(go);
        self.opened.notify_all();
    }

    /// Waits for the gate to open; true for a run.
    pub fn wait(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = self
            .opened
            .wait_while(state, |s| s.is_none())
            .unwrap_or_else(|e| e.into_inner());
        state.unwrap_or(false)
    }
}
