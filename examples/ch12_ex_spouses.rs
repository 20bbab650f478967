//! Exercise 2 of chapter 12: the original's livelock, two spouses who each let the other eat
//! first, in lock step and bounded; then the same with a tie-break.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

const ROUNDS: usize = 1000;

// ANCHOR: solution
struct Spouse {
    name: &'static str,
    hungry: AtomicBool,
}

/// One spouse's meal, round by round: look at the partner, then act. Returns the round in
/// which this spouse ate, if any. `tie_break`: when both are hungry, the smaller name eats.
fn dine(
    me: &Spouse,
    partner: &Spouse,
    fork: &Mutex<()>,
    step: &Barrier,
    tie_break: bool,
) -> Option<usize> {
    let mut ate_in = None;
    for round in 0..ROUNDS {
        let i_am_hungry = me.hungry.load(Ordering::Relaxed);
        let partner_hungry = partner.hungry.load(Ordering::Relaxed);
        let my_turn = !partner_hungry || (tie_break && me.name < partner.name);
        step.wait(); // both have looked before either acts
        if i_am_hungry && my_turn {
            let _fork = fork.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            me.hungry.store(false, Ordering::Relaxed);
            ate_in = Some(round);
        }
        step.wait(); // both have acted before either looks again
    }
    ate_in
}

fn dinner(tie_break: bool) -> [Option<usize>; 2] {
    let wife = Spouse {
        name: "Wife",
        hungry: AtomicBool::new(true),
    };
    let husband = Spouse {
        name: "Husband",
        hungry: AtomicBool::new(true),
    };
    let fork = Mutex::new(());
    let step = Barrier::new(2);
    thread::scope(|s| {
        let w = spawn_or_exit(s, || dine(&wife, &husband, &fork, &step, tie_break));
        let h = spawn_or_exit(s, || dine(&husband, &wife, &fork, &step, tie_break));
        [
            w.join().expect("wife's thread"),
            h.join().expect("husband's thread"),
        ]
    })
}
// ANCHOR_END: solution

/// Starts a scoped thread, or, if the system refuses one, says so and ends the program at once:
/// the threads already started would otherwise wait at the barrier for one that never came.
fn spawn_or_exit<'scope, 'env, T, F>(
    s: &'scope thread::Scope<'scope, 'env>,
    f: F,
) -> thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a thread: {e}");
            std::process::exit(1)
        })
}

fn report(label: &str, meals: [Option<usize>; 2]) {
    let said = |who: &str, ate: Option<usize>| match ate {
        Some(round) => format!("{who} ate in round {round}"),
        None => format!("{who} never ate"),
    };
    println!(
        "{label}: {}, {}",
        said("Wife", meals[0]),
        said("Husband", meals[1])
    );
}

const USAGE: &str = "\
usage: ch12_ex_spouses

Two hungry spouses, one fork. Each looks at the other and eats only if the other is not
hungry: a livelock, stopped after 1000 rounds. Then with a tie-break: when both are hungry,
the smaller name eats first.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    report(&format!("polite, {ROUNDS} rounds"), dinner(false));
    report("with a tie-break", dinner(true));
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
