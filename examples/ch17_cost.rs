//! What atomic operations cost on this machine: `fetch_add` on a counter one thread owns,
//! on a counter two threads share, on two counters in one cache line, in adjacent lines and
//! 128 bytes apart; and a `Release` store against a `SeqCst` store.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch17_cost [SECONDS]

Times atomic operations, each case 3 runs of SECONDS (default 0.3) per thread:
fetch_add on one thread's own counter, fetch_add by two threads on one counter, on two
counters 8 bytes apart (one cache line), 64 bytes apart (adjacent lines) and 128 bytes
apart; then a Release store and a SeqCst store in a loop. For the median run of each
case by processor time per operation, prints the processor nanoseconds per operation (and
the least and greatest of the runs), that figure against the uncontended fetch_add, the
wall-clock nanoseconds per operation, and how many cores the threads kept busy.
";

const RUNS: usize = 3;
/// Operations between two looks at the clock.
const CHUNK: u64 = 10_000;

// ANCHOR: layout
/// Two counters side by side: 8 bytes apart, in one 64-byte cache line.
#[repr(C, align(64))]
struct SameLine {
    a: AtomicU64,
    b: AtomicU64,
}

/// Two counters 64 bytes apart: each in a line of its own, the two lines adjacent, in
/// one aligned 128-byte pair.
#[repr(C, align(128))]
struct AdjacentLines {
    a: AtomicU64,
    _gap: [u64; 7],
    b: AtomicU64,
}

/// One counter alone in 128 bytes: Intel's spatial prefetcher fetches cache lines in
/// aligned pairs (since Sandy Bridge), so crossbeam's `CachePadded` uses 128 bytes on
/// x86-64.
#[repr(C, align(128))]
struct Padded(AtomicU64);
// ANCHOR_END: layout

// ANCHOR: timing
/// What one thread did in one run: operations, its own start and end, and the processor
/// time it got in between (`None` where the system does not say).
struct Part {
    ops: u64,
    start: Instant,
    end: Instant,
    on_cpu: Option<Duration>,
}

const WAIT: u8 = 0;
const GO: u8 = 1;
const ABANDON: u8 = 2;

/// One run: a thread per step, started together; each calls its step (`CHUNK`
/// operations) until `budget` has passed on its own clock.
fn run_once(steps: &[Step], budget: Duration) -> Result<Vec<Part>, String> {
    let state = AtomicU8::new(WAIT);
    thread::scope(|s| {
        let mut threads = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let state = &state;
            let started = thread::Builder::new().spawn_scoped(s, move || {
                while state.load(Ordering::Acquire) == WAIT {
                    thread::yield_now();
                }
                if state.load(Ordering::Acquire) == ABANDON {
                    return None;
                }
                let cpu_before = on_cpu();
                let start = Instant::now();
                let mut ops = 0;
                while start.elapsed() < budget {
                    step();
                    ops += CHUNK;
                }
                let end = Instant::now();
                let on_cpu = on_cpu()
                    .zip(cpu_before)
                    .map(|(after, before)| after - before);
                Some(Part {
                    ops,
                    start,
                    end,
                    on_cpu,
                })
            });
            match started {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    // The threads already started see ABANDON and end: nobody waits for
                    // a thread that never came.
                    state.store(ABANDON, Ordering::Release);
                    return Err(format!("could not start thread {i}: {e}"));
                }
            }
        }
        state.store(GO, Ordering::Release);
        threads
            .into_iter()
            .map(|t| match t.join() {
                Ok(Some(part)) => Ok(part),
                _ => Err("a timing thread failed".to_string()),
            })
            .collect()
    })
}

/// The processor time the calling thread has had so far: the first field of Linux's
/// `/proc/thread-self/schedstat`, in nanoseconds.
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// One run of a case, per operation, averaged over its threads: the processor time (a
/// thread's time on a core divided by its operations; its wall time where the system does
/// not say), the wall time, and the cores busy (the threads' processor time over the
/// run's wall time).
#[derive(Clone, Copy)]
struct Figures {
    cpu_ns: f64,
    wall_ns: f64,
    busy: Option<f64>,
}

fn figures(parts: &[Part]) -> Figures {
    let n = parts.len() as f64;
    let wall = |p: &Part| p.end - p.start;
    let per_op = |t: Duration, p: &Part| t.as_secs_f64() * 1e9 / p.ops as f64;
    let first = parts.iter().map(|p| p.start).min().unwrap();
    let last = parts.iter().map(|p| p.end).max().unwrap();
    let cpu: Option<Duration> = parts.iter().map(|p| p.on_cpu).sum();
    Figures {
        cpu_ns: parts
            .iter()
            .map(|p| per_op(p.on_cpu.unwrap_or(wall(p)), p))
            .sum::<f64>()
            / n,
        wall_ns: parts.iter().map(|p| per_op(wall(p), p)).sum::<f64>() / n,
        busy: cpu.map(|cpu| cpu.as_secs_f64() / (last - first).as_secs_f64()),
    }
}

/// A case over `RUNS` runs: its operations, the median run by processor time per
/// operation (all its figures from that one run, the cores busy included), and the least
/// and greatest processor time of the runs, to show their spread. The median, not the
/// least: on a shared line, a run in which the threads overlapped less costs less, so the
/// least would pick the run that shows contention least.
struct Case {
    ops: u64,
    median: Figures,
    least_cpu_ns: f64,
    most_cpu_ns: f64,
}

fn measure(steps: &[Step], budget: Duration) -> Result<Case, String> {
    let mut runs = Vec::with_capacity(RUNS);
    let mut ops = 0;
    for _ in 0..RUNS {
        let parts = run_once(steps, budget)?;
        ops += parts.iter().map(|p| p.ops).sum::<u64>();
        runs.push(figures(&parts));
    }
    runs.sort_by(|a, b| a.cpu_ns.total_cmp(&b.cpu_ns));
    Ok(Case {
        ops,
        median: runs[runs.len() / 2],
        least_cpu_ns: runs[0].cpu_ns,
        most_cpu_ns: runs[runs.len() - 1].cpu_ns,
    })
}
// ANCHOR_END: timing

// ANCHOR: steps
/// What one thread repeats: `CHUNK` operations.
type Step<'a> = Box<dyn Fn() + Sync + 'a>;

/// A thread per counter, each adding to its own.
fn adds<'a>(counters: &[&'a AtomicU64]) -> Vec<Step<'a>> {
    counters
        .iter()
        .map(|&counter| Box::new(move || add_chunk(counter)) as Step)
        .collect()
}

/// Every step has the same loop: `black_box` hides the cell from the optimiser, which
/// could otherwise merge the operations on one address into one.
fn add_chunk(counter: &AtomicU64) {
    for _ in 0..CHUNK {
        black_box(counter).fetch_add(1, Ordering::Relaxed);
    }
}

fn store_chunk(cell: &AtomicU64, ordering: Ordering) {
    for i in 0..CHUNK {
        black_box(cell).store(i, ordering);
    }
}
// ANCHOR_END: steps

fn main() -> ExitCode {
    let budget = match seconds(USAGE, 0.3) {
        Ok(budget) => budget,
        Err(status) => return status,
    };
    let line_size =
        std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size")
            .map_or("unknown".to_string(), |s| s.trim().to_string());
    println!(
        "machine: {} cores, {}, {}, cache line {line_size} bytes",
        thread::available_parallelism().map_or(1, |n| n.get()),
        std::env::consts::ARCH,
        cpu_model()
    );
    // ANCHOR: cases
    let own = AtomicU64::new(0);
    let shared = AtomicU64::new(0);
    let same_line = SameLine {
        a: AtomicU64::new(0),
        b: AtomicU64::new(0),
    };
    let adjacent = AdjacentLines {
        a: AtomicU64::new(0),
        _gap: [0; 7],
        b: AtomicU64::new(0),
    };
    let (pad_a, pad_b) = (Padded(AtomicU64::new(0)), Padded(AtomicU64::new(0)));

    let cases: [(&str, Vec<Step>); 7] = [
        ("fetch_add, one thread, its own counter", adds(&[&own])),
        (
            "fetch_add, two threads, one shared counter",
            adds(&[&shared, &shared]),
        ),
        (
            "fetch_add, two threads, 8 B apart (one line)",
            adds(&[&same_line.a, &same_line.b]),
        ),
        (
            "fetch_add, two threads, 64 B apart (two lines)",
            adds(&[&adjacent.a, &adjacent.b]),
        ),
        (
            "fetch_add, two threads, 128 B apart",
            adds(&[&pad_a.0, &pad_b.0]),
        ),
        (
            "store Release, one thread",
            vec![Box::new(|| store_chunk(&own, Ordering::Release))],
        ),
        (
            "store SeqCst, one thread",
            vec![Box::new(|| store_chunk(&own, Ordering::SeqCst))],
        ),
    ];
    // ANCHOR_END: cases

    println!(
        "{RUNS} runs of {:.2} s per case; per operation, in the median run by processor time:",
        budget.as_secs_f64()
    );
    println!(
        "processor ns (least-greatest of the runs), against the first line, wall-clock ns, cores busy"
    );
    let mut base = None;
    let mut made = Vec::new();
    for (name, steps) in &cases {
        let case = match measure(steps, budget) {
            Ok(case) => case,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        made.push(case.ops);
        let median = case.median;
        let base = *base.get_or_insert(median.cpu_ns);
        let busy = median
            .busy
            .map_or("unknown".to_string(), |busy| format!("{busy:.2}"));
        println!(
            "  {name:<46} {:>19} {:>6.2}x {:>6.2} ns  {busy} of {}",
            format!(
                "{:.2} ({:.2}-{:.2})",
                median.cpu_ns, case.least_cpu_ns, case.most_cpu_ns
            ),
            median.cpu_ns / base,
            median.wall_ns,
            steps.len()
        );
    }
    // A check that can fail: no increment of the shared counter was lost.
    let counted = shared.load(Ordering::Relaxed) == made[1];
    println!("every increment of the shared counter counted: {counted}");
    if !counted {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "CPU model unknown".into())
}

// The command line: `--help` prints the usage; one optional number of seconds per run;
// anything else is refused with exit status 2.
fn seconds(usage: &str, default: f64) -> Result<Duration, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let fail = |message: String| {
        eprintln!("error: {message} (try --help)");
        Err(ExitCode::from(2))
    };
    match args.as_slice() {
        [] => Ok(Duration::from_secs_f64(default)),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [value] => match value.to_str().and_then(|v| v.parse::<f64>().ok()) {
            Some(s) if (0.01..=60.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
            _ => fail(format!(
                "SECONDS must be a number from 0.01 to 60, not `{}`",
                value.to_string_lossy()
            )),
        },
        [_, extra, ..] => fail(format!("unexpected argument `{}`", extra.to_string_lossy())),
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
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
