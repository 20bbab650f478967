//! A child outlives its parent: `middle` starts `orphan` and exits without waiting for
//! it, and the orphan runs on. The top parent then ends the orphan through a pipe.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::parent_id;
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: ch06_orphan
       ch06_orphan --child middle|orphan

Starts a copy of this program as `middle`, which starts another copy as `orphan`
and exits without waiting for it. The orphan runs on after its parent has gone;
the top parent tells it that middle has exited, and ends it by closing the pipe
that the orphan reads.
";

// ANCHOR: middle
/// The middle process starts the orphan, which inherits our standard input and
/// output (pipes to the top parent), and returns without waiting for it. Dropping a
/// `Child` neither waits for the process nor kills it.
fn middle() -> io::Result<()> {
    let orphan = Command::new(env::current_exe()?)
        .args(["--child", "orphan"])
        .spawn()?;
    drop(orphan);
    Ok(())
}
// ANCHOR_END: middle

// ANCHOR: orphan
/// The orphan waits to hear its first parent's pid from the top parent, which sends
/// it only once middle has exited, and checks that its parent is now someone else.
fn orphan() -> io::Result<()> {
    let mut lines = io::stdin().lock().lines();
    let middle_pid: u32 = match lines.next() {
        Some(line) => line?.trim().parse().map_err(io::Error::other)?,
        None => return Ok(()), // the top parent has gone: nothing to report to
    };
    println!("orphan: still running after my parent exited");
    println!(
        "orphan: adopted by another process: {}",
        parent_id() != middle_pid
    );
    // Read on until the top parent closes the pipe: that is our signal to end.
    for line in lines {
        line?;
    }
    println!("orphan: my input has closed, so I end");
    Ok(())
}
// ANCHOR_END: orphan

// ANCHOR: parent
fn parent() -> io::Result<()> {
    let mut middle = ChildGuard::spawn(
        Command::new(env::current_exe()?)
            .args(["--child", "middle"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )?;
    // The orphan holds these pipes too, so they outlive middle.
    let mut to_orphan = middle.stdin.take().expect("piped");
    let from_orphan = BufReader::new(middle.stdout.take().expect("piped"));
    let middle_pid = middle.id();
    println!("parent: middle {}", describe(middle.wait()?));

    writeln!(to_orphan, "{middle_pid}")?;
    let mut from_orphan = from_orphan.lines();
    for line in from_orphan.by_ref().take(2) {
        println!("{}", line?);
    }
    // Closing the orphan's input ends it. Its output reaches its end only when every
    // process that could write to it has closed it: then the orphan is gone.
    drop(to_orphan);
    for line in from_orphan {
        println!("{}", line?);
    }
    println!("parent: the orphan's output has closed: it has ended");
    Ok(())
}
// ANCHOR_END: parent

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["middle", "orphan"], &[]) {
        Ok(Mode::Parent(_)) => parent(),
        Ok(Mode::Child("middle")) => middle(),
        Ok(Mode::Child(_)) => orphan(),
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
