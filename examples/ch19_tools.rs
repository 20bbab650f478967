//! One planted bug, a check-then-act in a connection cache, hunted by three tools: a stress
//! test on real threads, shuttle's random scheduler and shuttle's PCT scheduler. Prints how
//! many runs each needed to see the bug, over several attempts, and checks the fix.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Instant;

use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
use shuttle::{Config, Runner};

const USAGE: &str = "\
usage: ch19_tools [ATTEMPTS]

Hunts the check-then-act bug of a connection cache ATTEMPTS times (default 5) with each
tool: a stress test on real threads (up to 1000000 rounds), shuttle's random scheduler and
shuttle's PCT scheduler (seeds 1 to ATTEMPTS, up to 10000 schedules). Prints how many runs
each needed to see two callers get two connections, then runs the fixed cache as long.
";

/// The cache on std's `RwLock`, for real threads.
mod real {
    include!("ch19_common/cache.rs");
}

/// The same source on shuttle's `RwLock`, whose every lock and unlock is a point where
/// shuttle's scheduler chooses which thread runs next.
mod model {
    pub use shuttle::sync::RwLock;
    include!("ch19_common/cache.rs");
}

const STRESS_ROUNDS: u64 = 1_000_000;
const SCHEDULES: usize = 10_000;

// ANCHOR: stress
/// Two threads ask an empty cache for the same key at the same moment, round after round.
/// Returns the round in which they first went away with different connections.
fn stress(
    max_rounds: u64,
    get: fn(&real::ConnectionCache, u64) -> Arc<real::Connection>,
) -> Option<u64> {
    let cache = real::ConnectionCache::default();
    let barrier = Barrier::new(3);
    let stop = AtomicBool::new(false);
    let got: [Mutex<Option<Arc<real::Connection>>>; 2] = Default::default();
    thread::scope(|s| {
        for slot in &got {
            let (cache, barrier, stop) = (&cache, &barrier, &stop);
            s.spawn(move || loop {
                barrier.wait(); // go
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                *slot.lock().unwrap() = Some(get(cache, 7));
                barrier.wait(); // done
            });
        }
        let mut found = None;
        for round in 1..=max_rounds {
            cache.clear();
            barrier.wait(); // go
            barrier.wait(); // both callers have their connection
            let a = got[0].lock().unwrap().take().unwrap();
            let b = got[1].lock().unwrap().take().unwrap();
            if !Arc::ptr_eq(&a, &b) {
                found = Some(round);
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        barrier.wait(); // release the callers into `stop`
        found
    })
}
// ANCHOR_END: stress

// ANCHOR: shuttle
/// The same two callers as one shuttle test: shuttle runs the closure under one schedule
/// after another, each time choosing which thread runs at every lock and unlock.
/// Returns whether both callers got the same connection.
fn two_callers(get: fn(&model::ConnectionCache, u64) -> Arc<model::Connection>) -> bool {
    let cache = Arc::new(model::ConnectionCache::default());
    let other = {
        let cache = Arc::clone(&cache);
        shuttle::thread::spawn(move || get(&cache, 7))
    };
    let mine = get(&cache, 7);
    let theirs = other.join().unwrap();
    Arc::ptr_eq(&mine, &theirs)
}

/// Runs `two_callers` under `scheduler`; returns the number of the first schedule in
/// which the callers got two connections.
fn shuttle_hunt(
    scheduler: impl Scheduler + 'static,
    get: fn(&model::ConnectionCache, u64) -> Arc<model::Connection>,
) -> Option<usize> {
    // Counted outside the model, with std's atomics, which shuttle does not schedule.
    let run = Arc::new(AtomicUsize::new(0));
    let first_failure = Arc::new(AtomicUsize::new(0));
    let (r, f) = (Arc::clone(&run), Arc::clone(&first_failure));
    Runner::new(scheduler, Config::new()).run(move || {
        let this = r.fetch_add(1, Ordering::Relaxed) + 1;
        // A test would `assert!` here; shuttle would stop at the first failing schedule
        // and print its seed to replay it. The hunt records it and skips the rest.
        if f.load(Ordering::Relaxed) == 0 && !two_callers(get) {
            f.store(this, Ordering::Relaxed);
        }
    });
    match first_failure.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}
// ANCHOR_END: shuttle

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// "median (lowest to highest)" of the attempts that found the bug.
fn spread(found: &[u64], scale: f64, unit: &str) -> String {
    let mut found: Vec<f64> = found.iter().map(|&n| n as f64 / scale).collect();
    found.sort_by(f64::total_cmp);
    match (found.first(), found.last()) {
        (Some(low), Some(high)) if unit.is_empty() => {
            format!("{} ({low} to {high})", median(&found))
        }
        (Some(low), Some(high)) => {
            format!(
                "{:.3}{unit} ({low:.3}{unit} to {high:.3}{unit})",
                median(&found)
            )
        }
        _ => "none".into(),
    }
}

/// Microseconds per run: `batch(seed)` does `runs` runs; batches are repeated until at least
/// 0.3 s has passed, five times over, and the median of the five per-run times is returned,
/// so a scheduler hiccup in one repeat does not decide the figure.
fn per_run(runs: u64, mut batch: impl FnMut(u64) -> bool) -> f64 {
    let mut seed = 100;
    let mut repeats: Vec<f64> = (0..5)
        .map(|_| {
            let (start, mut done) = (Instant::now(), 0);
            while start.elapsed().as_secs_f64() < 0.3 {
                seed += 1;
                assert!(!batch(seed), "the fixed cache failed while being timed");
                done += runs;
            }
            start.elapsed().as_secs_f64() * 1e6 / done as f64
        })
        .collect();
    repeats.sort_by(f64::total_cmp);
    median(&repeats)
}

fn main() -> ExitCode {
    let attempts = match arguments() {
        Ok(n) => n,
        Err(status) => return status,
    };
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    // ANCHOR: hunt
    let racy = (
        model::ConnectionCache::get_racy,
        real::ConnectionCache::get_racy,
    );
    let (mut stress_found, mut random_found, mut pct_found) = (vec![], vec![], vec![]);
    for seed in 1..=attempts as u64 {
        stress_found.extend(stress(STRESS_ROUNDS, racy.1));
        let random = RandomScheduler::new_from_seed(seed, SCHEDULES);
        random_found.extend(shuttle_hunt(random, racy.0).map(|n| n as u64));
        // PCT with depth 3: up to two forced switches at random points, per schedule.
        let pct = PctScheduler::new_from_seed(seed, 3, SCHEDULES);
        pct_found.extend(shuttle_hunt(pct, racy.0).map(|n| n as u64));
    }
    // ANCHOR_END: hunt

    // What one run costs, measured on the fixed cache, whose runs all go to the end.
    const FIXED_ROUNDS: u64 = STRESS_ROUNDS / 10;
    let fixed = (model::ConnectionCache::get, real::ConnectionCache::get);
    let stress_cost = per_run(1000, |_| stress(1000, fixed.1).is_some());
    let random_cost = per_run(1000, |seed| {
        shuttle_hunt(RandomScheduler::new_from_seed(seed, 1000), fixed.0).is_some()
    });
    let pct_cost = per_run(1000, |seed| {
        shuttle_hunt(PctScheduler::new_from_seed(seed, 3, 1000), fixed.0).is_some()
    });
    // And the fixed cache run as long as the hunts could run.
    let stress_failed = stress(FIXED_ROUNDS, fixed.1).is_some();
    let random_failed = shuttle_hunt(RandomScheduler::new_from_seed(1, SCHEDULES), fixed.0);
    let pct_failed = shuttle_hunt(PctScheduler::new_from_seed(1, 3, SCHEDULES), fixed.0);

    // shuttle installed a panic hook of its own on its first run, around ours: put ours
    // back on top, so that a closed pipe still ends the program quietly.
    quiet_on_closed_pipe();
    println!(
        "{:<15} {:>8}  {:>30}  {:>12}  {:>16}",
        "tool", "found in", "runs to the first failure", "time per run", "time to find it"
    );
    for (name, found, scale, unit, micros) in [
        ("stress test", &stress_found, 1e3, "k", stress_cost),
        ("shuttle random", &random_found, 1.0, "", random_cost),
        ("shuttle PCT", &pct_found, 1.0, "", pct_cost),
    ] {
        let mut runs: Vec<f64> = found.iter().map(|&n| n as f64).collect();
        runs.sort_by(f64::total_cmp);
        let to_find = match runs.is_empty() {
            true => "never".to_string(),
            false => format!("{:.3} ms", median(&runs) * micros / 1e3),
        };
        println!(
            "{name:<15} {:>3} of {attempts:<2}  {:>30}  {micros:>9.2} µs  {to_find:>16}",
            found.len(),
            spread(found, scale, unit),
        );
    }
    // Every stress attempt, in order, since their spread is the point.
    println!(
        "stress test, rounds to the first failure per attempt: {}",
        stress_found
            .iter()
            .map(|n| format!("{:.3}k", *n as f64 / 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let stress_rounds: u64 =
        stress_found.iter().sum::<u64>() + (attempts - stress_found.len()) as u64 * STRESS_ROUNDS;
    println!(
        "one round alone, a plain unit test, failed in {:.3}% of the stress test's rounds",
        100.0 * stress_found.len() as f64 / stress_rounds as f64
    );
    println!(
        "fixed cache: stress test {} in {FIXED_ROUNDS} rounds, shuttle random {} in \
         {SCHEDULES} schedules, shuttle PCT {} in {SCHEDULES}",
        verdict(stress_failed),
        verdict(random_failed.is_some()),
        verdict(pct_failed.is_some()),
    );
    ExitCode::SUCCESS
}

fn verdict(failed: bool) -> &'static str {
    if failed {
        "FAILED"
    } else {
        "passed"
    }
}

/// `[ATTEMPTS]`: a whole number from 1 to 99, 5 when absent.
fn arguments() -> Result<usize, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let attempts = match args.next() {
        None => 5,
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) => match arg.to_str().and_then(|a| a.parse::<usize>().ok()) {
            Some(n) if (1..100).contains(&n) => n,
            _ => {
                eprintln!(
                    "error: ATTEMPTS must be a whole number from 1 to 99, not `{}`",
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
    Ok(attempts)
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
