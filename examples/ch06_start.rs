//! Starts two copies of this program as children and watches them: their process ids,
//! `wait`, `try_wait`, a time limit and `kill`.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use std::env;
use std::io::{self, Read};
use std::os::unix::process::parent_id;
use std::process::{self, Child, Command, ExitCode, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch06_start
       ch06_start --child quick|stuck

Starts two copies of this program as children and watches them. `quick` reports
its process id and its parent's, and exits; `stuck` waits for input that never
comes, so the parent waits for it at most 0.3 s and then kills it. The parent
starts each child with `--child ROLE`.
";

/// How long the parent waits for `stuck`: Python's `join(timeout=0.3)`.
const WAIT_LIMIT: Duration = Duration::from_millis(300);
/// How often `wait_at_most` looks again.
const POLL_EVERY: Duration = Duration::from_millis(10);

// ANCHOR: parent
fn parent() -> io::Result<()> {
    let me = env::current_exe()?;
    // quick's standard output is a pipe to us, so that we can read what it says.
    let mut quick = ChildGuard::spawn(
        Command::new(&me)
            .args(["--child", "quick"])
            .stdout(Stdio::piped()),
    )?;
    // stuck reads its standard input: a pipe that we hold open and never write to.
    let mut stuck = ChildGuard::spawn(
        Command::new(&me)
            .args(["--child", "stuck"])
            .stdin(Stdio::piped()),
    )?;
    println!("parent: started quick and stuck, two copies of this program");

    let mut said = String::new();
    quick
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut said)?;
    let (pid, its_parent) = parse_pids(&said)?;
    println!(
        "quick: its pid is the one Child::id gave us: {}",
        pid == quick.id()
    );
    println!(
        "quick: its parent's pid is ours: {}",
        its_parent == process::id()
    );
    println!("parent: quick {}", describe(quick.wait()?));

    // try_wait never blocks; None means the child is still running (Python's is_alive()).
    println!(
        "parent: stuck is still running: {}",
        stuck.try_wait()?.is_none()
    );
    match wait_at_most(&mut stuck, WAIT_LIMIT)? {
        Some(status) => println!("parent: stuck {}", describe(status)),
        None => {
            println!("parent: stuck did not end within {WAIT_LIMIT:?}, killing it");
            stuck.kill()?;
            println!("parent: stuck {}", describe(stuck.wait()?));
        }
    }
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: wait_at_most
/// Python's `join(timeout)`: waits until the child ends or `limit` has passed, and
/// says which (`None`: still running). The standard library has no wait with a time
/// limit, so this polls `try_wait`, which never blocks.
fn wait_at_most(child: &mut Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(POLL_EVERY);
    }
}
// ANCHOR_END: wait_at_most

// ANCHOR: children
/// The child `quick`: says who it is and who its parent is, and exits.
fn quick() -> io::Result<()> {
    println!("{} {}", process::id(), parent_id());
    Ok(())
}

/// The child `stuck` stands for a child that hangs: it reads its standard input to
/// the end, and its parent never writes to it or closes it.
fn stuck() -> io::Result<()> {
    io::copy(&mut io::stdin().lock(), &mut io::sink())?;
    Ok(())
}
// ANCHOR_END: children

fn parse_pids(said: &str) -> io::Result<(u32, u32)> {
    let mut numbers = said.split_whitespace().map(str::parse::<u32>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(pid)), Some(Ok(parent))) => Ok((pid, parent)),
        _ => Err(io::Error::other(format!(
            "quick said `{said}`, not two pids"
        ))),
    }
}

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["quick", "stuck"], &[]) {
        Ok(Mode::Parent(_)) => parent(),
        Ok(Mode::Child("quick")) => quick(),
        Ok(Mode::Child(_)) => stuck(),
        Err(status) => return status,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
