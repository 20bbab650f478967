//! What a test runner's concurrency buys and breaks, measured: four CPU-heavy tests (the
//! original's Fibonacci tests) run one at a time, in threads of one process as libtest runs
//! them, and in a process each as cargo-nextest runs them; then two tests that share a
//! global, run the same three ways.

use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

const USAGE: &str = "\
usage: ch19_runners [--test NAME]

Runs four CPU-heavy tests (fib_1 to fib_4) serially, in threads of this process at most
as many at once as there are cores, and in a child process each, as many at once, and
prints the wall time of each way; then runs two tests that share a global (level_debug,
level_quiet) the same three ways and prints which passed. With --test NAME, runs only
that test, in this process, and exits with status 0 if it passed, 101 if it failed (the
children of the third way are this program run so).
";

// ANCHOR: tests
/// The original's test: a deliberately slow Fibonacci, about a quarter second per test.
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn fib_test() -> bool {
    fib(std::hint::black_box(39)) == 63_245_986
}

/// A process-wide setting, as a logger's level or a configuration global would be.
static LEVEL: AtomicU64 = AtomicU64::new(0);

/// Sets the global, works, and checks that the work saw the setting it made.
fn level_test(level: u64) -> bool {
    LEVEL.store(level, Ordering::SeqCst);
    let mut saw_mine = true;
    for _ in 0..4 {
        saw_mine &= fib(std::hint::black_box(32)) > 0 && LEVEL.load(Ordering::SeqCst) == level;
    }
    saw_mine
}

/// A test: its name and its body, which returns whether it passed.
type Test = (&'static str, fn() -> bool);

const TESTS: [Test; 6] = [
    ("fib_1", fib_test),
    ("fib_2", fib_test),
    ("fib_3", fib_test),
    ("fib_4", fib_test),
    ("level_debug", || level_test(1)),
    ("level_quiet", || level_test(2)),
];
// ANCHOR_END: tests

// ANCHOR: runners
/// Runs the named tests, at most `at_once` at a time, each by `run`; returns how many
/// passed and the wall time in seconds.
fn run_all(names: &[&str], at_once: usize, run: impl Fn(&str) -> bool + Sync) -> (usize, f64) {
    let start = Instant::now();
    let (next, passed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    thread::scope(|s| {
        for _ in 0..at_once {
            s.spawn(|| {
                while let Some(name) = names.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if run(name) {
                        passed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    (passed.into_inner(), start.elapsed().as_secs_f64())
}

/// A test in this process, on the calling thread, as libtest runs it.
fn in_thread(name: &str) -> bool {
    TESTS.iter().any(|(n, test)| *n == name && test())
}

/// A test in a fresh process, this program run with `--test NAME`, as nextest runs it.
fn in_process(name: &str) -> bool {
    let exe = std::env::current_exe().expect("the path of this program");
    Command::new(exe)
        .args(["--test", name])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
// ANCHOR_END: runners

fn main() -> ExitCode {
    let one = match arguments() {
        Ok(one) => one,
        Err(status) => return status,
    };
    if let Some(name) = one {
        return if in_thread(&name) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(101)
        };
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");
    // ANCHOR: main
    let fibs = ["fib_1", "fib_2", "fib_3", "fib_4"];
    let (passed, serial) = run_all(&fibs, 1, in_thread);
    println!("four fib tests, one at a time (--test-threads 1): {passed} passed in {serial:.2} s");
    let (passed, threads) = run_all(&fibs, cores, in_thread);
    println!(
        "four fib tests, threads, {cores} at once (libtest): {passed} passed in {threads:.2} s, \
         {:.2}x as fast",
        serial / threads
    );
    let (passed, processes) = run_all(&fibs, cores, in_process);
    println!(
        "four fib tests, a process each, {cores} at once (nextest): {passed} passed in \
         {processes:.2} s, {:.2}x as fast",
        serial / processes
    );
    let pair = ["level_debug", "level_quiet"];
    for (way, at_once, run) in [
        ("one at a time", 1, in_thread as fn(&str) -> bool),
        ("threads, 2 at once", 2, in_thread),
        ("a process each, 2 at once", 2, in_process),
    ] {
        let (passed, _) = run_all(&pair, at_once, run);
        println!("two tests sharing a global, {way}: {passed} of 2 passed");
    }
    // ANCHOR_END: main
    ExitCode::SUCCESS
}

/// No arguments, or `--test NAME` with a NAME from `TESTS`.
fn arguments() -> Result<Option<String>, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let fail = |message: String| {
        eprintln!("error: {message} (try --help)");
        Err(ExitCode::from(2))
    };
    match &args[..] {
        [] => Ok(None),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        [flag, name] if flag == "--test" => match name.to_str() {
            Some(n) if TESTS.iter().any(|(t, _)| *t == n) => Ok(Some(n.to_string())),
            _ => fail(format!("no test named `{}`", name.to_string_lossy())),
        },
        [other, ..] => fail(format!("unexpected argument `{}`", other.to_string_lossy())),
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
