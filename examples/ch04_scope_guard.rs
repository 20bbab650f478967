//! Clean-ups that are not a type: a small `Drop` guard that runs a closure, then the
//! scopeguard crate's `defer!` and `guard`.

use scopeguard::{defer, ScopeGuard};
use std::fs;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch04_scope_guard

Removes a scratch folder on every way out of a function with a small Drop
guard, rolls back a half-done change with scopeguard::guard, and runs
deferred clean-ups with scopeguard::defer!.
";

// ANCHOR: on_drop
/// Runs a closure when dropped: on a normal return, on `?`, and during a panic.
struct OnDrop<F: FnOnce()> {
    cleanup: Option<F>,
}

impl<F: FnOnce()> OnDrop<F> {
    fn new(cleanup: F) -> Self {
        OnDrop {
            cleanup: Some(cleanup),
        }
    }
}

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        // `drop` gets `&mut self`, so the closure is taken out of the Option to call it.
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// Works in a scratch folder that is removed however the function ends.
fn scratch_job(folder: &Path, input: &str) -> Result<u64, String> {
    fs::create_dir(folder).map_err(|e| e.to_string())?;
    let _remove = OnDrop::new(|| {
        // A clean-up cannot report failure: an error here can only be ignored or logged.
        let _ = fs::remove_dir_all(folder);
    });
    fs::write(folder.join("input.txt"), input).map_err(|e| e.to_string())?;
    let n: u64 = input.parse().map_err(|e| format!("`{input}`: {e}"))?;
    Ok(n * 2)
}
// ANCHOR_END: on_drop

// ANCHOR: rollback
/// Appends every number in `items` to `list`, or none of them: on an error the guard
/// truncates the list back to its old length. On success `into_inner` disarms it.
fn append_all(list: &mut Vec<u64>, items: &[&str]) -> Result<(), String> {
    let old_len = list.len();
    let mut list = scopeguard::guard(list, move |list| list.truncate(old_len));
    for item in items {
        list.push(item.parse().map_err(|e| format!("`{item}`: {e}"))?);
    }
    ScopeGuard::into_inner(list);
    Ok(())
}
// ANCHOR_END: rollback

// ANCHOR: main
fn main() -> ExitCode {
    // ANCHOR_END: main
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    // A parent folder with an unpredictable name; `TempDir` is itself a guard of this kind,
    // and removes the parent and whatever is left in it when dropped.
    let parent = match tempfile::tempdir() {
        Ok(parent) => parent,
        Err(error) => {
            eprintln!("error: no temporary folder: {error}");
            return ExitCode::FAILURE;
        }
    };
    let folder = parent.path().join("scratch");
    for input in ["21", "twenty-one"] {
        let outcome = scratch_job(&folder, input);
        println!(
            "scratch_job({input:?}): {outcome:?}; folder left behind: {}",
            folder.exists()
        );
    }

    let mut list = vec![1, 2];
    for items in [&["3", "4"][..], &["5", "six", "7"]] {
        let outcome = append_all(&mut list, items);
        println!("append_all({items:?}): {outcome:?}; list now {list:?}");
    }

    {
        defer! { println!("deferred first, runs last"); }
        defer! { println!("deferred second, runs first"); }
        println!("end of the block");
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: main

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
