//! Exercise: a lock file that is taken with `create_new` and removed when its guard is
//! dropped. Four threads compete for it in 500 rounds; in every round exactly one may win,
//! and after every round the file must be gone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Barrier};
use std::thread;

const USAGE: &str = "\
usage: ch14_ex_lockfile

Four threads try to take one lock file at once, in 500 rounds. Prints in how many
rounds exactly one thread won, and whether the file was left behind.
";

const THREADS: usize = 4;
const ROUNDS: usize = 500;

// ANCHOR: guard
/// Holds the lock file; dropping it removes the file, so the lock is released however the
/// holder's scope ends.
struct LockFile {
    path: PathBuf,
    file: File,
}

impl LockFile {
    /// `Ok(None)` when someone else holds the lock.
    fn try_take(path: &Path) -> io::Result<Option<LockFile>> {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(file) => {
                // The file exists and is ours: make the guard before anything can fail,
                // so that a failed write removes the file instead of leaving it unowned.
                let mut guard = LockFile {
                    path: path.to_owned(),
                    file,
                };
                writeln!(guard.file, "{}", std::process::id())?;
                Ok(Some(guard))
            }
            Err(err) if err.kind() == ErrorKind::AlreadyExists => Ok(None),
            Err(err) => Err(err),
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
// ANCHOR_END: guard

/// One round: `THREADS` threads try to take the lock at `path` at once. Returns how many
/// won, or the first error: a thread that failed to start, or a failed attempt.
fn round(path: &Path) -> io::Result<usize> {
    // The winners hold their guard until every thread has tried.
    let tried = Barrier::new(THREADS);
    let tried = &tried;
    thread::scope(|s| {
        let mut handles = Vec::with_capacity(THREADS);
        let mut gos = Vec::with_capacity(THREADS);
        for _ in 0..THREADS {
            // Each thread waits for its go before it tries: if a later thread fails to
            // start, the senders are dropped, and the started threads end without trying,
            // instead of waiting at the barrier for a thread that does not exist.
            let (go, wait_for_go) = mpsc::channel::<()>();
            let started = thread::Builder::new().spawn_scoped(s, move || {
                if wait_for_go.recv().is_err() {
                    return Ok(None); // the round was called off
                }
                let lock = LockFile::try_take(path);
                tried.wait();
                // Won, lost, or failed: an I/O error is reported, not counted as a loss.
                lock.map(|lock| Some(lock.is_some()))
            });
            match started {
                Ok(handle) => {
                    handles.push(handle);
                    gos.push(go);
                }
                // Returning drops `gos`; the scope then joins the threads already started.
                Err(err) => return Err(io::Error::other(format!("starting a thread: {err}"))),
            }
        }
        for go in gos {
            // Every receiver is alive: its thread is waiting for this very message.
            let _ = go.send(());
        }
        let mut winners = 0;
        for handle in handles {
            if handle.join().unwrap()? == Some(true) {
                winners += 1;
            }
        }
        Ok(winners)
    })
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // Removed when `folder` is dropped, on every return below, or by `close` at the end.
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let path = folder.path().join("job.lock");
    let (mut one_winner, mut left_behind) = (0, 0);
    for _ in 0..ROUNDS {
        let winners = match round(&path) {
            Ok(winners) => winners,
            Err(err) => {
                eprintln!("error: taking the lock file: {err}");
                return ExitCode::FAILURE;
            }
        };
        if winners == 1 {
            one_winner += 1;
        }
        if path.exists() {
            left_behind += 1;
        }
    }
    // Removed before anything is printed: a closed output pipe ends the program at its first
    // print, and an exit runs no destructors.
    if let Err(err) = folder.close() {
        eprintln!("error: removing the temporary folder: {err}");
        return ExitCode::FAILURE;
    }
    println!("{THREADS} threads, {ROUNDS} rounds");
    println!("rounds with exactly one winner: {one_winner}");
    println!("rounds that left the lock file behind: {left_behind}");
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
