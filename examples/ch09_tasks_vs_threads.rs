//! Tasks against threads, measured: N concurrent waits of 100 ms, as N threads that each
//! sleep and as N async tasks on one thread that each await a timer. Each kind runs in a
//! child process of its own (this program, started again with a hidden flag), so that the
//! peak memory of one does not hide the other's.
//!
//! Usage: cargo run --release --example ch09_tasks_vs_threads [-- N]

mod ch09_common;

use std::env;
use std::fs;
use std::process::{Command, ExitCode};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ch09_common::cli::{arguments, fail, optional_number};
use ch09_common::executor::Executor;
use ch09_common::timer::sleep;

const WAIT: Duration = Duration::from_millis(100);
const DEFAULT_COUNT: u64 = 10_000;
// Each thread is a process id of the system's, and the system has a limit on those
// (on Linux, `ulimit -u` and the container's pids.max): keep well below the usual ones.
const MOST: u64 = 20_000;
// The hidden flag with which the program starts its children.
const MEASURE: &str = "--measure";

const USAGE: &str = "\
usage: ch09_tasks_vs_threads [N]

Runs N concurrent waits of 0.1 s as N threads and as N async tasks on one thread, each in
a child process of its own, and prints the time each took, the peak resident memory
(Linux), the memory per thread and per task, and their ratio. N is a whole number from 1
to 20000 (default 10000).
";

// ANCHOR: threads
/// N threads, each waiting 100 ms. The barrier makes sure all N exist at once before any
/// begins to wait, however long starting them takes. Returns how long that took.
fn wait_on_threads(count: usize) -> Result<Duration, String> {
    let start = Instant::now();
    let all_started = Arc::new(Barrier::new(count + 1));
    let mut handles = Vec::with_capacity(count);
    for _ in 0..count {
        let all_started = Arc::clone(&all_started);
        let handle = thread::Builder::new()
            .spawn(move || {
                all_started.wait();
                thread::sleep(WAIT); // stands for waiting on a slow reply
            })
            .map_err(|e| format!("could not start thread {}: {e}", handles.len() + 1))?;
        handles.push(handle);
    }
    all_started.wait();
    let starting = start.elapsed();
    for handle in handles {
        handle.join().map_err(|_| "a thread panicked")?;
    }
    Ok(starting)
}
// ANCHOR_END: threads

// ANCHOR: tasks
/// N tasks on one thread, each waiting 100 ms on the timer. All N are spawned before the
/// executor polls the first one. Returns how long spawning them took.
fn wait_as_tasks(count: usize) -> Duration {
    let start = Instant::now();
    let mut executor = Executor::new();
    for _ in 0..count {
        executor.spawn(async {
            sleep(WAIT).await; // the task waits; the thread goes on to the next task
        });
    }
    let starting = start.elapsed();
    executor.run();
    starting
}
// ANCHOR_END: tasks

// ANCHOR: memory
/// A field of /proc/self/status in KiB: `VmRSS` (resident now) or `VmHWM` (the peak, the
/// "high water mark"). `None` where there is no /proc, as on macOS and Windows.
fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
// ANCHOR_END: memory

/// The child's job: measure one kind and print `seconds starting_seconds before_kib
/// peak_kib` on one line (`-` for memory where there is no /proc).
fn measure(kind: &str, count: usize) -> Result<(), String> {
    let before = status_kib("VmRSS:");
    let start = Instant::now();
    let starting = match kind {
        "threads" => wait_on_threads(count)?,
        "tasks" => wait_as_tasks(count),
        other => return Err(format!("unknown kind `{other}`")),
    };
    let seconds = start.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:");
    let show = |kib: Option<u64>| kib.map_or("-".to_string(), |k| k.to_string());
    let starting = starting.as_secs_f64();
    println!("{seconds} {starting} {} {}", show(before), show(peak));
    Ok(())
}

/// What a child reported.
struct Measured {
    seconds: f64,
    starting: f64,
    memory: Option<(u64, u64)>, // (before, peak) in KiB
}

// ANCHOR: child
/// Runs this program again to measure one kind in a fresh process, and reads its report.
fn run_child(kind: &str, count: usize) -> Result<Measured, String> {
    let me = env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = Command::new(me)
        .args([MEASURE, kind, &count.to_string()])
        .output()
        .map_err(|e| format!("cannot start a child process: {e}"))?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        return Err(format!("the {kind} child failed: {}", why.trim()));
    }
    let fields: Vec<&str> = report.split_whitespace().collect();
    let bad = || format!("the {kind} child printed `{}`", report.trim());
    let [seconds, starting, before, peak] = fields[..] else {
        return Err(bad());
    };
    let memory = match (before.parse(), peak.parse()) {
        (Ok(before), Ok(peak)) => Some((before, peak)),
        _ => None,
    };
    Ok(Measured {
        seconds: seconds.parse().map_err(|_| bad())?,
        starting: starting.parse().map_err(|_| bad())?,
        memory,
    })
}
// ANCHOR_END: child

fn compare(count: usize) -> Result<(), String> {
    let threads = run_child("threads", count)?;
    let tasks = run_child("tasks", count)?;
    println!(
        "{count} concurrent waits of {:.1} s, each kind in a process of its own:",
        WAIT.as_secs_f64()
    );
    for (label, measured) in [("threads", &threads), ("tasks", &tasks)] {
        println!(
            "  {label:<8} took {:.3} s, of which {:.3} s starting them",
            measured.seconds, measured.starting
        );
        if let Some((before, peak)) = measured.memory {
            println!(
                "           peak resident memory {:.1} MiB ({:.1} MiB before)",
                peak as f64 / 1024.0,
                before as f64 / 1024.0
            );
        }
    }
    // ANCHOR: per_item
    let (Some(thread_memory), Some(task_memory)) = (threads.memory, tasks.memory) else {
        println!("note: no /proc/self/status on this system, so no memory figures (Linux only)");
        return Ok(());
    };
    // What the waits added to the peak, shared out among them.
    let each =
        |(before, peak): (u64, u64)| peak.saturating_sub(before) as f64 * 1024.0 / count as f64;
    let per_thread = each(thread_memory);
    let per_task = each(task_memory);
    println!("  per thread: {:.1} KiB", per_thread / 1024.0);
    println!("  per task:   {:.3} KiB", per_task / 1024.0);
    if per_task > 0.0 {
        println!(
            "  a waiting thread costs {:.1}x the memory of a waiting task",
            per_thread / per_task
        );
    }
    // ANCHOR_END: per_item
    Ok(())
}

fn main() -> ExitCode {
    // A child started by `run_child`: `--measure KIND N`.
    if let [flag, kind, count] = arguments().as_slice() {
        if flag == MEASURE {
            // The same bounds as for N: a child asked for more threads than the system allows
            // must say so, not panic or exhaust the machine.
            let count = match count.parse::<u64>() {
                Ok(n) if (1..=MOST).contains(&n) => n as usize,
                _ => return fail(&format!("bad count `{count}`, expected 1 to {MOST}")),
            };
            return match measure(kind, count) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            };
        }
    }
    let count = match optional_number(USAGE, DEFAULT_COUNT, 1, MOST) {
        Ok(count) => count as usize,
        Err(status) => return status,
    };
    match compare(count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
