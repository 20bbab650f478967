//! Every ```` ```console ```` block of every page, compared with a fresh run.
//!
//! `build.rs` lists the blocks (test name, page, line); the block is read from the page when
//! the test runs: the page is the specification.
//!
//! This test binary has a runner of its own (libtest-mimic: libtest's command line, filters and
//! report) rather than libtest's harness, for two reasons libtest cannot serve. Many blocks
//! spend most of their time waiting (on a delayed answer, a timeout, a child process), so with
//! one block per core the cores sat idle: the runner starts one block more than there are
//! cores. And the load measurements of chapter 18 must have the machine to themselves (their
//! `ready` and `ovfl` columns are exact, and 1000 clients against a single-threaded Python
//! server beside two other blocks left 99 of them unanswered when the clock started), so they
//! run alone: no other block starts while one of them runs.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::RwLock;

use bookkit::blocks::{output_blocks, Command};
use bookkit::compare::compare;
use bookkit::run::{built_example, may_skip, python_available, run};
use bookkit::Page;
use libtest_mimic::{Arguments, Failed, Trial};

include!(concat!(env!("OUT_DIR"), "/outputs.rs"));

/// The programs whose blocks run alone: they load both cores with a client and a server, and
/// what they print depends on nothing else competing for them.
const ALONE: &[&str] = &["ch18_measured"];

/// Taken for reading by every block, for writing by a block that runs alone.
static MACHINE: RwLock<()> = RwLock::new(());

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        // `RUST_TEST_THREADS` as libtest reads it; else one more block than cores.
        args.test_threads = std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|n| n.parse().ok())
            .or_else(|| {
                std::thread::available_parallelism()
                    .ok()
                    .map(|n| n.get() + 1)
            });
    }
    // A failing block reports through `Failed`, with its place; the default hook would print
    // the same message a second time, as it happens, between other blocks' lines.
    std::panic::set_hook(Box::new(|_| {}));
    let trials = BLOCKS
        .iter()
        .map(|&(name, page, line)| {
            Trial::test(name, move || {
                std::panic::catch_unwind(|| output(page, line)).map_err(|payload| {
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "the block's test panicked".into());
                    Failed::from(message)
                })
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn output(page_path: &str, line: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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
    let mut command = block
        .command
        .process(root, built_example)
        .unwrap_or_else(|e| panic!("{place}: {e}"));
    let alone =
        matches!(&block.command, Command::Example { name, .. } if ALONE.contains(&name.as_str()));
    // A block that panicked poisons nothing that matters here: the lock guards no data.
    let (_shared, _alone) = if alone {
        (
            None,
            Some(MACHINE.write().unwrap_or_else(|e| e.into_inner())),
        )
    } else {
        (
            Some(MACHINE.read().unwrap_or_else(|e| e.into_inner())),
            None,
        )
    };
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
}
