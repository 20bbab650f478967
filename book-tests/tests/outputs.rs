//! Every ```` ```console ```` block of every page, compared with a fresh run.
//!
//! `build.rs` lists the blocks (test name, page, line, program); the block is read from the
//! page when the test runs: the page is the specification.
//!
//! This test binary has a runner of its own (libtest-mimic: libtest's command line, filters
//! and report) rather than libtest's harness, which runs one test per core unless its command
//! line says otherwise, and `cargo test` gives every test binary the same command line. Many
//! blocks spend most of their time waiting (on a delayed answer, a timeout, a child process),
//! so with one block per core the cores sat idle: the runner has one place more than there
//! are cores, and a block takes one. Chapter 18's load measurements take two: they load both
//! cores with a client and a server, their `ready` and `ovfl` columns are exact, and beside
//! two other blocks 1000 clients of the single-threaded Python server were not all answered
//! in time; with two places each, at most one other block runs beside them, as under libtest.
//! They are listed first, so that they start at once rather than wait for two places at the
//! end.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use bookkit::blocks::{output_blocks, Command};
use bookkit::compare::compare;
use bookkit::passes::{must_run, stamp};
use bookkit::run::{built_example, may_skip, python_available, run};
use bookkit::Page;
use libtest_mimic::{Arguments, Trial};

include!(concat!(env!("OUT_DIR"), "/outputs.rs"));

/// The programs whose blocks take `HEAVY_PLACES` places: chapter 18's load measurements.
const HEAVY: &[&str] = &["ch18_measured"];
const HEAVY_PLACES: usize = 2;

/// The runner's places: a block waits until it has the places it needs.
struct Places {
    state: Mutex<PlacesState>,
    changed: Condvar,
}

#[derive(Default)]
struct PlacesState {
    free: usize,
    /// Heavy blocks waiting for their places, and running.
    heavy_waiting: usize,
    heavy_running: usize,
}

/// Places held by a running block, given back when it ends, however it ends.
struct Held<'a> {
    places: &'a Places,
    count: usize,
}

impl Places {
    fn new(count: usize) -> Places {
        Places {
            state: Mutex::new(PlacesState {
                free: count,
                ..PlacesState::default()
            }),
            changed: Condvar::new(),
        }
    }

    /// Waits for `count` places. While a heavy block waits and none runs, a light block
    /// leaves it the places it needs, or lighter blocks could keep it waiting to the end.
    fn take(&self, count: usize) -> Held<'_> {
        let heavy = count > 1;
        // The state is only ever changed whole, so it stays right through a panic elsewhere.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if heavy {
            state.heavy_waiting += 1;
        }
        loop {
            let reserved = if !heavy && state.heavy_waiting > 0 && state.heavy_running == 0 {
                HEAVY_PLACES
            } else {
                0
            };
            if state.free >= count + reserved {
                break;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if heavy {
            state.heavy_waiting -= 1;
            state.heavy_running += 1;
        }
        state.free -= count;
        Held {
            places: self,
            count,
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut state = self
            .places
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.free += self.count;
        if self.count > 1 {
            state.heavy_running -= 1;
        }
        self.places.changed.notify_all();
    }
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // `--test-threads N` or `RUST_TEST_THREADS`, as libtest reads them; else a place more
    // than cores.
    let threads = args
        .test_threads
        .or_else(|| {
            std::env::var("RUST_TEST_THREADS")
                .ok()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()) + 1)
        .max(1);
    args.test_threads = Some(threads);
    let places: &'static Places = Box::leak(Box::new(Places::new(threads)));
    // libtest-mimic catches a failing block's panic and reports its message, with its place;
    // the default hook would print the same message a second time, as it happens, between
    // other blocks' lines.
    std::panic::set_hook(Box::new(|_| {}));
    let mut blocks: Vec<_> = BLOCKS.to_vec();
    // Stable: the heavy blocks first, the others in the pages' order.
    blocks.sort_by_key(|&(_, _, _, program)| !HEAVY.contains(&program));
    let trials = blocks
        .into_iter()
        .map(|(name, page, line, program)| {
            // With two places or fewer, every block takes one, as under libtest.
            let needs = if HEAVY.contains(&program) && threads > HEAVY_PLACES {
                HEAVY_PLACES
            } else {
                1
            };
            Trial::test(name, move || {
                // Given back as the block ends, a panic included.
                let _held = places.take(needs);
                output(page, line);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let not_run = NOT_RUN_AGAIN.load(Ordering::Relaxed);
    if not_run > 0 {
        println!(
            "{not_run} blocks not run again: each passed before, with the same words on its page \
             and the same programs, inputs and harness (BOOK_RERUN=1 runs them; CI always does)\n"
        );
    }
    conclusion.exit_code()
}

/// How many blocks passed before with the same inputs (`bookkit::passes`), so were not run.
static NOT_RUN_AGAIN: AtomicUsize = AtomicUsize::new(0);

fn output(page_path: &str, line: usize) {
    let root = bookkit::book_root();
    let place = format!("{page_path}:{line}");
    let page = Page::read(root, page_path).unwrap_or_else(|e| panic!("{place}: {e}"));
    let block = output_blocks(&page)
        .unwrap_or_else(|problems| panic!("{}", problems[0]))
        .into_iter()
        .find(|b| b.line() == line)
        .unwrap_or_else(|| panic!("{place}: no console block here any more; rebuild"));

    if let Command::Python { script, .. } = &block.command {
        let ready = python_available().and_then(|()| {
            if bookkit::pyext::needs_extension(root, script) {
                bookkit::pyext::maturin_available(root)
            } else {
                Ok(())
            }
        });
        if let Err(why) = ready {
            if !may_skip() {
                panic!("{place}: CI requires the Python blocks, but {why} (.ci/run installs it)");
            }
            let _ = writeln!(std::io::stderr(), "{place}: Python block SKIPPED: {why}");
            return;
        }
    }
    // What the block depends on besides the harness and the book's program files (see
    // `bookkit::passes`): its page's words and the program's build.
    let program = match &block.command {
        Command::Example { name, .. } => built_example(name).ok().and_then(|path| stamp(&path)),
        _ => None,
    };
    let checked = (
        page_path,
        &block.block.tokens,
        &block.block.content,
        program,
    );
    let Some(mark) = must_run(&checked) else {
        NOT_RUN_AGAIN.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let mut command = block
        .command
        .process(root, built_example)
        .unwrap_or_else(|e| panic!("{place}: {e}"));
    let limit = block.command.time_limit();
    let fresh = run(&mut command, limit).unwrap_or_else(|e| panic!("{place}: {e}"));
    if fresh.timed_out {
        panic!(
            "{place}: `{}` did not finish within {} s: does it deadlock?",
            block.command_line,
            limit.as_secs()
        );
    }
    if !fresh.strays.is_empty() {
        panic!(
            "{place}: `{}` left processes running when it ended (now killed): {}",
            block.command_line,
            fresh.strays.join(", ")
        );
    }
    if let Err(why) = compare(
        &block.expected,
        &block.command.shown(fresh.transcript()),
        block.order,
        block.exact,
    ) {
        panic!(
            "{place}: `{}`: {why}\nIf the program changed on purpose, regenerate the outputs with `cargo xtask outputs`.",
            block.command_line
        );
    }
    mark.passed();
}
