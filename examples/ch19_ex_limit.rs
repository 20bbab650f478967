//! Exercise: a connection limit whose `try_acquire` loads the count, compares it with the
//! limit and stores it plus one. shuttle finds the schedule in which three callers get in
//! under a limit of two; the fix, a compare-and-swap loop, passes the same schedules.

use std::process::ExitCode;
use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use shuttle::scheduler::RandomScheduler;
use shuttle::sync::atomic::AtomicUsize;
use shuttle::{Config, Runner};

const USAGE: &str = "\
usage: ch19_ex_limit

Three callers try to get one of two slots of a connection limit, under 1000 shuttle
schedules (seed 1), with a load-then-store `try_acquire` and with a compare-and-swap one.
Prints the first schedule in which more than two got in, if any.
";

const SCHEDULES: usize = 1000;

// ANCHOR: limit
pub struct Limit {
    active: AtomicUsize,
    max: usize,
}

impl Limit {
    /// The bug: another caller can store between this load and this store.
    pub fn try_acquire_racy(&self) -> bool {
        let now = self.active.load(Ordering::SeqCst);
        if now < self.max {
            self.active.store(now + 1, Ordering::SeqCst);
            true
        } else {
            false
        }
    }

    /// The fix: the store happens only if the count is still the one compared.
    pub fn try_acquire(&self) -> bool {
        self.active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                (now < self.max).then_some(now + 1)
            })
            .is_ok()
    }
}
// ANCHOR_END: limit

/// Three callers at once; returns how many got a slot.
fn three_callers(acquire: fn(&Limit) -> bool) -> usize {
    let limit = Arc::new(Limit {
        active: AtomicUsize::new(0),
        max: 2,
    });
    let others: Vec<_> = (0..2)
        .map(|_| {
            let limit = Arc::clone(&limit);
            shuttle::thread::spawn(move || acquire(&limit))
        })
        .collect();
    let mut admitted = usize::from(acquire(&limit));
    for other in others {
        admitted += usize::from(other.join().unwrap());
    }
    admitted
}

/// The first of `SCHEDULES` schedules (seed 1) in which more than two got in.
fn hunt(acquire: fn(&Limit) -> bool) -> Option<usize> {
    let run = Arc::new(StdAtomicUsize::new(0));
    let first = Arc::new(StdAtomicUsize::new(0));
    let (r, f) = (Arc::clone(&run), Arc::clone(&first));
    // Every ordering here is SeqCst. shuttle treats any other as SeqCst and says so once on
    // standard error; a reader who tries Relaxed can set `config.silence_warnings = true`.
    let config = Config::new();
    Runner::new(RandomScheduler::new_from_seed(1, SCHEDULES), config).run(move || {
        let this = r.fetch_add(1, Ordering::Relaxed) + 1;
        if f.load(Ordering::Relaxed) == 0 && three_callers(acquire) > 2 {
            f.store(this, Ordering::Relaxed);
        }
    });
    match first.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let racy = hunt(Limit::try_acquire_racy);
    let fixed = hunt(Limit::try_acquire);
    // shuttle installed a panic hook of its own on its first run, around ours: put ours
    // back on top, so that a closed pipe still ends the program quietly.
    quiet_on_closed_pipe();
    for (name, found) in [("load, then store", racy), ("compare-and-swap", fixed)] {
        match found {
            Some(n) => println!("{name}: three callers got in, in schedule {n}"),
            None => println!("{name}: at most two got in, in all {SCHEDULES} schedules"),
        }
    }
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
