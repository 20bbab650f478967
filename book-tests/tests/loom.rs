//! The loom models of `loom-models/`, run under `--cfg loom`.
//!
//! `--cfg loom` changes how every crate of a build is compiled, so the models are built in a
//! target folder of their own (`TARGET/loom`): the book's other code is never rebuilt for
//! them, and its build folder never holds a second copy of a crate.

use std::time::Duration;

use bookkit::run::{loom_cargo, run};

/// The first run compiles loom and its dependencies.
const LIMIT: Duration = Duration::from_secs(15 * 60);

#[test]
fn loom_models() {
    let root = bookkit::book_root();
    let result = run(&mut loom_cargo(root).expect("target folder"), LIMIT).expect("runs cargo");
    assert!(
        result.code == Some(0) && passed(&result.stdout) > 0,
        "the loom models failed:\n{}",
        result.transcript()
    );
}

/// How many tests passed, over every `test result:` line cargo printed (one per test file of
/// the models, plus the library's and its doc tests').
fn passed(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split_once(" passed"))
        .filter_map(|(count, _)| count.parse::<usize>().ok())
        .sum()
}
