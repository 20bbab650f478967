//! Three children: one that succeeds, one that panics and one that aborts. The parent
//! reports how each ended and carries on.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::status::describe;
use std::env;
use std::io;
use std::process::{self, Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: ch06_crash
       ch06_crash --child fine|panics|aborts

Runs three copies of this program as children, one after the other: `fine` does its
work, `panics` panics and `aborts` calls std::process::abort. The parent reports how
each child ended and what it wrote on its standard error, and carries on.
";

// ANCHOR: parent
fn parent() -> io::Result<()> {
    let me = env::current_exe()?;
    let mut succeeded = 0;
    for role in ["fine", "panics", "aborts"] {
        // output() runs the child to its end, collecting what it wrote: nothing to clean up.
        let output = Command::new(&me)
            .args(["--child", role])
            .stdin(Stdio::null())
            .output()?;
        println!("{role}: {}", describe(output.status));
        if let Some(message) = panic_message(&String::from_utf8_lossy(&output.stderr)) {
            println!("{role}: its panic message: {message}");
        }
        if output.status.success() {
            succeeded += 1;
        }
    }
    println!("parent: still running; {succeeded} of 3 children succeeded");
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: children
fn child(role: &str) {
    match role {
        "fine" => {}
        // A panic in the main thread unwinds it and ends the process with status 101.
        "panics" => panic!("the work went wrong"),
        // abort ends the process at once: no unwinding, no destructors, no message.
        _ => process::abort(),
    }
}
// ANCHOR_END: children

/// The line after `thread 'main' ... panicked at FILE:LINE:COLUMN:` in what a child wrote
/// on standard error. (That first line holds the thread's id, which changes every run.)
fn panic_message(stderr: &str) -> Option<&str> {
    let mut lines = stderr.lines();
    lines.find(|line| line.contains("panicked at"))?;
    lines.next()
}

fn main() -> ExitCode {
    match cli::parse(USAGE, &["fine", "panics", "aborts"], &[]) {
        Ok(Mode::Parent(_)) => match parent() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
        Ok(Mode::Child(role)) => {
            child(role);
            ExitCode::SUCCESS
        }
        Err(status) => status,
    }
}
