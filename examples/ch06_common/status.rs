// How a child ended, in words. `ExitStatus`'s own Display says `signal: 6 (SIGABRT)
// (core dumped)` on Unix, and whether a core was dumped depends on the machine's
// settings, not on the program; this says only what the program decided.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

// ANCHOR: describe
/// "exited with status 0", "exited with status 101 (a Rust panic)",
/// "killed by signal 6 (SIGABRT)".
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(101), _) => "exited with status 101 (a Rust panic)".to_string(),
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal} ({})", signal_name(signal)),
        (None, None) => "ended, the system does not say how".to_string(),
    }
}
// ANCHOR_END: describe

fn signal_name(signal: i32) -> &'static str {
    // The numbers are the same on Linux and macOS for these four.
    match signal {
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "another signal",
    }
}
