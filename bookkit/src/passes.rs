//! The tests that the edit-test loop need not run again: a test that runs a program (an output
//! block, a listing's example, a copy recipe), passed, and has had none of its inputs changed
//! since.
//!
//! Some of the book's experiments run for a long time by design: chapter 18's load
//! measurements for 50 s each, chapter 8's pipeline for 22 s. After an edit to a page's prose,
//! running them again would tell its author nothing new and would make `cargo test chNN` take
//! minutes. So a test that passed leaves a mark under `TARGET/passes/`, named after a hash of
//! everything it depended on, and the next run of the same test binary skips a test whose mark
//! is there. The hash covers:
//!
//! - what the test checks, as its page says it now: the block or recipe, word for word (not
//!   its line, so that a block moved by an edit above it keeps its mark);
//! - every file a program is built from or reads: `examples/`, `python/`, the packages of
//!   their own (`chNN-slug/`), `Cargo.toml` and `Cargo.lock`, by path, size and time of change;
//! - the harness, the same way: `book-tests/` and `bookkit/` (the comparison and masking);
//! - the toolchain (the stamp of the cargo that runs the tests).
//!
//! Not the test binary's bytes: they hold every block's line, so an edit that moves one block
//! of one page would make every test of the book run again.
//!
//! What it cannot cover (the machine, the Python installed) is why CI, where `CI` is set,
//! never skips anything, and why `BOOK_RERUN=1` runs everything here too.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

/// What a test that must run leaves behind when it passes.
pub struct Mark(Option<PathBuf>);

impl Mark {
    /// Remembers that the test has passed.
    pub fn passed(self) {
        if let Some(path) = self.0 {
            // Losing a mark only means running the test again next time.
            let _ = fs::write(path, b"");
        }
    }
}

/// `None` if the test that checks `checked` passed before with the same inputs, so need not
/// run; else the mark to leave with `Mark::passed` once it has passed (a failing test panics
/// first, and leaves none).
pub fn must_run(checked: &impl Hash) -> Option<Mark> {
    static MARKS: OnceLock<Option<PathBuf>> = OnceLock::new();
    let Some(dir) = MARKS.get_or_init(marks_dir) else {
        return Some(Mark(None));
    };
    let mut hasher = DefaultHasher::new();
    checked.hash(&mut hasher);
    let path = dir.join(format!("{:016x}", hasher.finish()));
    (!path.exists()).then_some(Mark(Some(path)))
}

/// The folder of the running test binary's marks for the inputs as they are now, or `None`
/// when every test must run: in CI, with `BOOK_RERUN` set, or when the target folder cannot
/// hold them.
fn marks_dir() -> Option<PathBuf> {
    if std::env::var_os("CI").is_some() || std::env::var_os("BOOK_RERUN").is_some() {
        return None;
    }
    let test_binary = std::env::current_exe().ok()?;
    // `TARGET/debug/deps/outputs-HASH` -> `outputs`: one folder per test binary, which keeps
    // only the marks of its current inputs.
    let stem = test_binary.file_stem()?.to_string_lossy().into_owned();
    let name = stem
        .rsplit_once('-')
        .map_or(stem.as_str(), |(name, _)| name);
    let binary_dir = crate::run::target_dir().ok()?.join("passes").join(name);

    let mut hasher = DefaultHasher::new();
    inputs(crate::book_root()).hash(&mut hasher);
    // The toolchain: cargo runs the tests with `CARGO` set to its own path, in the toolchain's
    // folder, and rustup replaces it when it updates the toolchain.
    let cargo = std::env::var_os("CARGO").map(PathBuf::from);
    cargo.as_deref().map(stamp).hash(&mut hasher);
    let dir = binary_dir.join(format!("{:016x}", hasher.finish()));
    if !dir.is_dir() {
        // New inputs: the marks of the old ones can never match again.
        let _ = fs::remove_dir_all(&binary_dir);
        fs::create_dir_all(&dir).ok()?;
    }
    Some(dir)
}

/// The size and time of change of a file, or nothing if it is missing.
pub fn stamp(path: &Path) -> Option<(u64, u128)> {
    let metadata = fs::metadata(path).ok()?;
    let changed = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((metadata.len(), changed.as_nanos()))
}

/// Every file a program of the book is built from or reads, and every file of the tests'
/// harness, with its stamp, in a fixed order.
fn inputs(root: &Path) -> Vec<(PathBuf, Option<(u64, u128)>)> {
    let mut tops = vec![
        root.join("examples"),
        root.join("python"),
        root.join("Cargo.toml"),
        root.join("Cargo.lock"),
        // The harness: the tests' code and the comparison and masking they use.
        root.join("book-tests"),
        root.join("bookkit"),
    ];
    // The programs and the extension that are packages of their own: `chNN-slug/`.
    if let Ok(entries) = fs::read_dir(root) {
        tops.extend(entries.flatten().map(|entry| entry.path()).filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            path.is_dir() && crate::run::is_package_program_name(&name)
        }));
    }
    let mut files = Vec::new();
    for top in tops {
        collect(&top, &mut files);
    }
    files.sort();
    files
}

fn collect(path: &Path, files: &mut Vec<(PathBuf, Option<(u64, u128)>)>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).into_iter().flatten().flatten() {
            collect(&entry.path(), files);
        }
    } else {
        files.push((path.to_path_buf(), stamp(path)));
    }
}
