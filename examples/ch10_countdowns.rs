//! Countdowns A, B and C, first one after another and then as tasks, timed on tokio's clock.
//! By default the clock is paused, so the timestamps are exact; `--real-clock` really waits.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::{sleep, Instant};

const USAGE: &str = "\
usage: ch10_countdowns [--real-clock]

Counts A, B and C down from 3, waiting 1 s, 0.8 s and 0.5 s between steps: first one
after another, then as three tasks. The runtime's clock is paused, so the times are exact
and the run takes no time; with --real-clock the program really waits (about 10 s).
";

// ANCHOR: countdown
/// One countdown: print a step, wait, and so on. Every `sleep(...).await` is a point at
/// which this task lets the runtime run another one.
async fn count_down(name: &'static str, delay: Duration, start: Instant) {
    for step in (1..=3).rev() {
        println!("{name}: {step} at {:.3} s", start.elapsed().as_secs_f64());
        sleep(delay).await;
    }
    println!("{name}: finished at {:.3} s", start.elapsed().as_secs_f64());
}

const COUNTDOWNS: [(&str, Duration); 3] = [
    ("A", Duration::from_millis(1000)),
    ("B", Duration::from_millis(800)),
    ("C", Duration::from_millis(500)),
];
// ANCHOR_END: countdown

// ANCHOR: sequential
async fn one_after_another() {
    let start = Instant::now();
    for (name, delay) in COUNTDOWNS {
        // Awaiting each countdown before starting the next: nothing overlaps.
        count_down(name, delay, start).await;
    }
    println!("one after another: {:.3} s", start.elapsed().as_secs_f64());
}
// ANCHOR_END: sequential

// ANCHOR: tasks
async fn as_tasks() {
    let start = Instant::now();
    // Spawning starts all three at once; the handles are awaited afterwards.
    let handles: Vec<_> = COUNTDOWNS
        .into_iter()
        .map(|(name, delay)| tokio::spawn(count_down(name, delay, start)))
        .collect();
    for handle in handles {
        handle.await.expect("a countdown panicked");
    }
    println!("as tasks: {:.3} s", start.elapsed().as_secs_f64());
}
// ANCHOR_END: tasks

fn main() -> ExitCode {
    let real_clock = match real_clock_flag() {
        Ok(flag) => flag,
        Err(status) => return status,
    };
    // ANCHOR: runtime
    // One thread, and a clock that only moves when every task is waiting: it then jumps
    // straight to the next timer. `start_paused` needs tokio's `test-util` feature.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(!real_clock)
        .build()
        .expect("cannot start the runtime");
    runtime.block_on(async {
        one_after_another().await;
        as_tasks().await;
    });
    // ANCHOR_END: runtime
    ExitCode::SUCCESS
}

/// The command line: nothing, `--real-clock`, or `--help`.
fn real_clock_flag() -> Result<bool, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let flag = match args.next() {
        None => false,
        Some(arg) if arg == "--help" || arg == "-h" => {
            print!("{USAGE}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) if arg == "--real-clock" => true,
        Some(other) => return Err(refuse(&other)),
    };
    match args.next() {
        None => Ok(flag),
        Some(extra) => Err(refuse(&extra)),
    }
}

fn refuse(argument: &std::ffi::OsStr) -> ExitCode {
    eprintln!(
        "error: unexpected argument `{}` (try --help)",
        argument.to_string_lossy()
    );
    ExitCode::from(2)
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
