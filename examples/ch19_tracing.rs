//! Chapter 3's factoring workers with tracing: a span per worker thread and per job, so
//! each line says which thread did what, inside which job, and when.

use std::process::ExitCode;
use std::thread;

use tracing::{info, info_span, warn};

const USAGE: &str = "\
usage: ch19_tracing

Two worker threads factor six numbers, three each, and log what they do with tracing:
a span for the worker, a span for each job, an event when a job starts and ends. The
log goes to standard output with the time since start and the thread's name.
";

// ANCHOR: work
fn factors(mut n: u64) -> Vec<u64> {
    let mut found = Vec::new();
    let mut d = 2;
    while d * d <= n {
        while n.is_multiple_of(d) {
            found.push(d);
            n /= d;
        }
        d += 1;
    }
    if n > 1 {
        found.push(n);
    }
    found
}

fn worker(id: usize, jobs: &[u64]) {
    // Entered for the whole life of the thread: every event below carries `worker{id=..}`.
    let _worker = info_span!("worker", id).entered();
    for &n in jobs {
        let _job = info_span!("job", n).entered();
        info!("start");
        let found = factors(n);
        if found.len() == 1 {
            warn!("prime, nothing to split");
        }
        info!(?found, "done");
    }
}
// ANCHOR_END: work

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: subscriber
    tracing_subscriber::fmt()
        .with_writer(std::io::stdout)
        .with_timer(tracing_subscriber::fmt::time::Uptime::default())
        .with_thread_names(true)
        .with_target(false)
        .with_ansi(false)
        .init();
    // ANCHOR_END: subscriber
    let jobs = [
        600_851_475_143,
        1_000_000_007,
        99_999_999_977,
        4_294_967_297,
        68_719_476_731,
        1_234_567_890,
    ];
    thread::scope(|s| {
        for (id, share) in jobs.chunks(3).enumerate() {
            thread::Builder::new()
                .name(format!("worker-{id}"))
                .spawn_scoped(s, move || worker(id, share))
                .expect("spawn");
        }
    });
    info!("all jobs done");
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
