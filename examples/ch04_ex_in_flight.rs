//! Exercise: the chapter's guard-lifetime pool with a gauge of the jobs in flight, counted by a
//! guard so that a job that panics still counts down. Its peak shows the serialisation.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const USAGE: &str = "\
usage: ch04_ex_in_flight

Runs 24 jobs, one of which panics, on two workers written with `while let` and
with `let ... else`, counting the jobs in flight with a guard, and prints the
peak and the count left at the end. The first job waits up to a second for the
second to start, so that they overlap whenever the pool allows it.
";

const JOBS: u64 = 24;
const WORKERS: usize = 2;
// The job that panics.
const BAD_JOB: u64 = 7;
// How long job 0 waits for job 1 to start.
const COMPANY_WAIT: Duration = Duration::from_secs(1);

type Job = Box<dyn FnOnce() + Send>;

// ANCHOR: solution
/// How many jobs are running now, and the most that ever ran at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// Counts one job in flight for as long as it lives.
struct InFlight<'a>(&'a Gauge);

impl Gauge {
    fn enter(&self) -> InFlight<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs one job, counted while it runs; returns whether it panicked. The guard is
/// dropped while the panic unwinds, before `catch_unwind` returns.
fn run_counted(job: Job, gauge: &Gauge) -> bool {
    panic::catch_unwind(AssertUnwindSafe(|| {
        let _counted = gauge.enter();
        job();
    }))
    .is_err()
}

fn worker_while_let(queue: &Mutex<Receiver<Job>>, gauge: &Gauge, panics: &AtomicUsize) {
    while let Ok(job) = queue.lock().unwrap().recv() {
        if run_counted(job, gauge) {
            panics.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn worker_let(queue: &Mutex<Receiver<Job>>, gauge: &Gauge, panics: &AtomicUsize) {
    loop {
        let Ok(job) = queue.lock().unwrap().recv() else {
            break;
        };
        if run_counted(job, gauge) {
            panics.fetch_add(1, Ordering::SeqCst);
        }
    }
}
// ANCHOR_END: solution

type Worker = fn(&Mutex<Receiver<Job>>, &Gauge, &AtomicUsize);

/// Runs every job on `WORKERS` threads; returns the gauge and the number of panics.
fn run_pool(worker: Worker) -> (Gauge, usize) {
    let (sender, receiver) = mpsc::channel::<Job>();
    // Job 0 waits up to a second for job 1 to start, so that the two overlap whenever the
    // pool lets them: the peak is then 2 however busy the machine is, and 1 only if no
    // second job could start while job 0 ran.
    let (started, company) = mpsc::channel::<()>();
    let mut company = Some(company);
    let mut started = Some(started);
    for job in 0..JOBS {
        let (company, started) = match job {
            0 => (company.take(), None),
            1 => (None, started.take()),
            _ => (None, None),
        };
        sender
            .send(Box::new(move || {
                if let Some(started) = started {
                    let _ = started.send(()); // job 0 may have stopped waiting
                }
                if let Some(company) = company {
                    let _ = company.recv_timeout(COMPANY_WAIT);
                }
                assert!(job != BAD_JOB, "job {job} failed");
                std::hint::black_box(busy_work(job));
            }))
            .expect("the receiver is still here");
    }
    drop(sender);
    let queue = Mutex::new(receiver);
    let gauge = Gauge::default();
    let panics = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| worker(&queue, &gauge, &panics));
        }
    });
    (gauge, panics.into_inner())
}

/// About a millisecond of CPU-bound work, so that jobs on two workers overlap.
fn busy_work(seed: u64) -> u64 {
    (0..300_000u64).fold(seed, |acc, i| {
        acc.rotate_left(5) ^ i.wrapping_mul(0x9E37_79B9)
    })
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // Silence the bad job's panic report: the program counts the panics itself.
    let report = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let (serial, serial_panics) = run_pool(worker_while_let);
    let (parallel, parallel_panics) = run_pool(worker_let);
    panic::set_hook(report);

    for (name, gauge, panics) in [
        ("while let", &serial, serial_panics),
        ("let-else", &parallel, parallel_panics),
    ] {
        println!(
            "{name}: {JOBS} jobs, {panics} panicked, in flight at the end: {}",
            gauge.now.load(Ordering::SeqCst)
        );
    }
    println!(
        "while let: peak in flight: {}",
        serial.peak.load(Ordering::SeqCst)
    );
    println!(
        "let-else: peak in flight: {}",
        parallel.peak.load(Ordering::SeqCst)
    );
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
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
