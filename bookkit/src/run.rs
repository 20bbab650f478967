//! Running a program with a time limit and keeping what it printed.

use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The Python interpreter a `$ python3 ...` block runs.
pub const PYTHON: &str = "python3";

/// The oldest Python the book's programs are written for.
pub const PYTHON_OLDEST: (u32, u32) = (3, 11);

/// The feature that builds the compile-fail examples (and nothing else enables).
pub const COMPILE_FAIL_FEATURE: &str = "compile-fail";

/// How long any listing or example may run in the tests before it counts as hung.
pub const TIME_LIMIT: Duration = Duration::from_secs(100);

/// What a finished (or stopped) program printed.
#[derive(Clone, Debug)]
pub struct Run {
    pub stdout: String,
    /// Standard output as bytes, for programs that print a picture (a PNG figure).
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
    /// The exit code; `None` if it was stopped by a signal or by the time limit.
    pub code: Option<i32>,
    pub timed_out: bool,
    /// Processes the program started and left running when it ended (`pid name`), which
    /// `run` then killed. A listing waits for or kills every child it starts.
    pub strays: Vec<String>,
}

impl Run {
    /// Standard output, then standard error, then `(exit status N)` when N is not 0: the
    /// form in which a page shows a run.
    pub fn transcript(&self) -> String {
        let mut text = self.stdout.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&self.stderr);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        match self.code {
            Some(0) => {}
            Some(code) => text.push_str(&format!("(exit status {code})\n")),
            None => text.push_str("(killed by a signal)\n"),
        }
        text
    }
}

/// Runs `command` to the end, or kills it after `limit`.
///
/// The program runs in a process group of its own, so that whatever it started and left
/// behind can be found when it ends (`Run::strays`) and stopped.
pub fn run(command: &mut Command, limit: Duration) -> io::Result<Run> {
    own_process_group(command);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes while waiting: a program that fills a pipe would otherwise block.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (code, timed_out) = wait(&mut child, limit)?;
    let strays = stop_strays(child.id());
    // A stray that inherited the pipes holds them open; it is gone now, so they end.
    let stdout_bytes = stdout.join().unwrap_or_default();
    Ok(Run {
        stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
        stdout_bytes,
        stderr: lossy(stderr.join().unwrap_or_default()),
        code,
        timed_out,
        strays,
    })
}

/// Runs `command` with its standard output already closed at the other end, as
/// `program | head` leaves it once `head` has gone: what it printed on standard error and
/// how it ended (`stdout` stays empty).
pub fn run_with_closed_stdout(command: &mut Command, limit: Duration) -> io::Result<Run> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    drop(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (code, timed_out) = wait(&mut child, limit)?;
    Ok(Run {
        stdout: String::new(),
        stdout_bytes: Vec::new(),
        stderr: lossy(stderr.join().unwrap_or_default()),
        code,
        timed_out,
        strays: Vec::new(),
    })
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_: &mut Command) {}

/// The live processes of process group `group` (the group a program started by `run`
/// leads), killed. Read from Linux's /proc; elsewhere none are found.
fn stop_strays(group: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut strays = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (name) state ppid pgrp ...`; the name may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let in_group = fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group);
        let zombie = fields.first() == Some(&"Z");
        if in_group && !zombie && pid != group {
            let name = head.split_once('(').map_or("?", |(_, n)| n);
            strays.push(format!("{pid} {name}"));
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
    strays
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

fn wait(child: &mut Child, limit: Duration) -> io::Result<(Option<i32>, bool)> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status.code(), false));
        }
        if Instant::now() >= deadline {
            child.kill()?;
            child.wait()?;
            return Ok((None, true));
        }
        // Polling: std has no wait-with-timeout; 20 ms is nothing next to a program's run.
        thread::sleep(Duration::from_millis(20));
    }
}

/// The debug build of example `name`, next to the running test binary
/// (`target/debug/deps/TEST` -> `target/debug/examples/NAME`).
///
/// `cargo test` builds every example before it runs the tests; when only some tests were
/// asked for, cargo may not have, so this builds them once (a no-op when they are fresh).
///
/// A program that is a package of its own (`chNN-slug`, see `package_programs`) is built
/// with `-p chNN-slug` the first time it is asked for, into `target/debug/chNN-slug`: it is
/// not a default member of the workspace, so its dependencies' features never reach the
/// book's build.
pub fn built_example(name: &str) -> io::Result<std::path::PathBuf> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    static PACKAGES: Mutex<Option<HashMap<String, Result<(), String>>>> = Mutex::new(None);
    let test_binary = std::env::current_exe()?;
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or_else(|| io::Error::other("test binary outside target/<profile>/deps"))?;
    let path = if is_package_program_name(name) {
        let mut packages = PACKAGES.lock().unwrap_or_else(|e| e.into_inner());
        packages
            .get_or_insert_with(HashMap::new)
            .entry(name.to_owned())
            .or_insert_with(|| cargo_build(&["-p", name]))
            .clone()
            .map_err(io::Error::other)?;
        profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    } else {
        // The default members, as `cargo test` selects them: the same features, so no rebuild.
        let built = BUILT.get_or_init(|| cargo_build(&["--examples"]));
        built.clone().map_err(io::Error::other)?;
        profile_dir
            .join("examples")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    if path.exists() {
        Ok(path)
    } else {
        Err(io::Error::other(format!(
            "no example `{name}` (looked for {})",
            path.display()
        )))
    }
}

/// Runs `cargo build --quiet ARGS` (a debug build, like the tests').
fn cargo_build(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // From the book's folder, so that cargo selects the workspace's default members as the
    // tests' own `cargo test` did (a test runs in its package's folder, book-tests/).
    let status = Command::new(cargo)
        .arg("build")
        .arg("--quiet")
        .args(args)
        .current_dir(crate::book_root())
        .status()
        .map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("`cargo build {}` failed: {status}", args.join(" ")))
}

/// Whether `name` is spelled as a program that is a package of its own: `chNN-slug`, lower
/// case with hyphens (an example is `chNN_slug`, with underscores).
pub fn is_package_program_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > 5
        && bytes.starts_with(b"ch")
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// The programs that are packages of their own: folders `chNN-slug/` of the book's root with
/// a `Cargo.toml` and a `src/main.rs` (chapter 12's `ch12-parking-lot-detector`, which needs a
/// feature of parking_lot that must not reach the rest of the book). Sorted by name.
pub fn package_programs(root: &std::path::Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if is_package_program_name(&name)
            && path.join("Cargo.toml").is_file()
            && path.join("src/main.rs").is_file()
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Whether the Python that `$ python3 ...` blocks run is here and recent enough; `Err` says
/// what is missing, in one line.
pub fn python_available() -> Result<(), String> {
    let (major, minor) = PYTHON_OLDEST;
    let output = Command::new(PYTHON)
        .arg("--version")
        .output()
        .map_err(|_| format!("{PYTHON} not found; install Python {major}.{minor} or newer"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let version: Vec<u32> = text
        .trim()
        .trim_start_matches("Python ")
        .split('.')
        .take(2)
        .filter_map(|part| part.parse().ok())
        .collect();
    match version.as_slice() {
        [found_major, found_minor] if (*found_major, *found_minor) >= PYTHON_OLDEST => Ok(()),
        _ => Err(format!(
            "{PYTHON} is `{}`, the book's Python programs need {major}.{minor} or newer",
            text.trim()
        )),
    }
}

/// Whether a test that needs a tool from outside Rust (Python, Chromium) may skip when the
/// tool is missing: everywhere but in CI, where `CI` is set and a skip would hide a check.
pub fn may_skip() -> bool {
    std::env::var_os("CI").is_none()
}

/// The cargo target folder of the running test (`TARGET/debug/deps/TEST` -> `TARGET`), so
/// that a test's own builds land beside the book's even when `CARGO_TARGET_DIR` moves it.
pub fn target_dir() -> io::Result<std::path::PathBuf> {
    let test_binary = std::env::current_exe()?;
    test_binary
        .ancestors()
        .nth(3)
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| io::Error::other("test binary outside TARGET/<profile>/deps"))
}

/// `cargo test --quiet --package loom-models` as the loom models are built and run: with
/// `--cfg loom`, which changes how every crate of a build is compiled, in a target folder of
/// their own (`TARGET/loom`), so the book's other code is never rebuilt for them. Callers add
/// their own arguments (`--no-run`, `--test MODEL`).
pub fn loom_cargo(root: &std::path::Path) -> io::Result<Command> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["test", "--quiet", "--package", "loom-models"])
        .current_dir(root)
        .env("RUSTFLAGS", "--cfg loom")
        .env("CARGO_TARGET_DIR", target_dir()?.join("loom"));
    Ok(command)
}

/// A new empty folder under the system's temporary folder, for one test's files.
pub fn scratch_dir(purpose: &str) -> io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "book-{purpose}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
