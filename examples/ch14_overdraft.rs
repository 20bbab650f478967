//! A bank account whose balance check and debit are two critical sections: four threads
//! each withdraw the whole balance, and an overdraft that the check should make impossible
//! happens. Then the two fixes: one critical section, and `fetch_update` on an atomic.

use std::process::{self, ExitCode};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

const USAGE: &str = "\
usage: ch14_overdraft

In each of 2000 trials, four threads each try to withdraw 100 from an account that holds
100. Counts the trials that end overdrawn, three ways: the check and the debit as two
critical sections, as one, and as one compare-and-swap loop (fetch_update), and how many
withdrawals each trial granted. The first two spend 200 us between the check and the
debit, as a call to a fraud check would.
";

const THREADS: usize = 4;
const TRIALS: usize = 2000;
const OPENING: i64 = 100;
const AMOUNT: i64 = 100;
/// The work between the check and the debit. A sleep frees the core, so the other threads
/// run their checks while it lasts, however many cores the machine has.
const WORK: Duration = Duration::from_micros(200);

trait Account: Sync {
    fn open(balance: i64) -> Self;
    /// Takes `amount` if the balance covers it; says whether it did.
    fn withdraw(&self, amount: i64) -> bool;
    fn balance(&self) -> i64;
}

// ANCHOR: split
struct SplitAccount {
    balance: Mutex<i64>,
}

impl Account for SplitAccount {
    fn open(balance: i64) -> Self {
        SplitAccount {
            balance: Mutex::new(balance),
        }
    }
    fn withdraw(&self, amount: i64) -> bool {
        // Check: the first critical section.
        let covered = *self.balance.lock().unwrap() >= amount;
        if !covered {
            return false;
        }
        // Between the two, the lock is free and another thread can withdraw. The pause
        // stands for the work a real withdrawal does here (a call to a fraud check).
        thread::sleep(WORK);
        // Act: the second critical section, on a balance the check never saw.
        *self.balance.lock().unwrap() -= amount;
        true
    }
    fn balance(&self) -> i64 {
        *self.balance.lock().unwrap()
    }
}
// ANCHOR_END: split

// ANCHOR: one_section
struct LockedAccount {
    balance: Mutex<i64>,
}

impl Account for LockedAccount {
    fn open(balance: i64) -> Self {
        LockedAccount {
            balance: Mutex::new(balance),
        }
    }
    fn withdraw(&self, amount: i64) -> bool {
        // One guard for the check and the debit: no one can come between them.
        let mut balance = self.balance.lock().unwrap();
        if *balance < amount {
            return false;
        }
        thread::sleep(WORK);
        *balance -= amount;
        true
    }
    fn balance(&self) -> i64 {
        *self.balance.lock().unwrap()
    }
}
// ANCHOR_END: one_section

// ANCHOR: fetch_update
struct AtomicAccount {
    balance: AtomicI64,
}

impl Account for AtomicAccount {
    fn open(balance: i64) -> Self {
        AtomicAccount {
            balance: AtomicI64::new(balance),
        }
    }
    fn withdraw(&self, amount: i64) -> bool {
        // The closure computes the new balance from the one it is given; the store
        // succeeds only if the balance is still that one, otherwise it runs again.
        self.balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| {
                (balance >= amount).then_some(balance - amount)
            })
            .is_ok()
    }
    fn balance(&self) -> i64 {
        self.balance.load(Ordering::Acquire)
    }
}
// ANCHOR_END: fetch_update

/// Starts a scoped thread, or ends the program with one line if the OS refuses one:
/// the threads already started would wait at the barrier for it forever.
fn spawn_or_exit<'scope, T: Send + 'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> thread::ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|err| {
            eprintln!("error: starting a thread: {err}");
            process::exit(1)
        })
}

/// One trial: every thread tries to withdraw at once. Returns the final balance and how
/// many withdrawals went through.
fn trial<A: Account>() -> (i64, usize) {
    let account = A::open(OPENING);
    let start_line = Barrier::new(THREADS);
    let granted = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                spawn_or_exit(s, || {
                    start_line.wait();
                    account.withdraw(AMOUNT)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&granted| granted)
            .count()
    });
    (account.balance(), granted)
}

fn report<A: Account>(name: &str) {
    let mut overdrawn = 0;
    // How many trials granted 0, 1, ..., THREADS withdrawals. A correct account grants
    // exactly one in every trial: not more, and not none.
    let mut granted_in = [0usize; THREADS + 1];
    for _ in 0..TRIALS {
        let (balance, granted) = trial::<A>();
        if balance < 0 {
            overdrawn += 1;
        }
        granted_in[granted] += 1;
    }
    if overdrawn == 0 {
        println!(
            "{name}: overdrawn in {overdrawn} of {TRIALS} trials; \
             exactly one withdrawal granted in {}",
            granted_in[1]
        );
    } else {
        // How often the race is won, and by how many threads, changes from run to run.
        let shares: Vec<String> = granted_in
            .iter()
            .enumerate()
            .map(|(granted, &trials)| {
                format!("{granted}: {:.1}%", 100.0 * trials as f64 / TRIALS as f64)
            })
            .collect();
        println!(
            "{name}: overdrawn in {:.1}% of {TRIALS} trials\n  \
             withdrawals granted per trial, share of trials: {}",
            100.0 * overdrawn as f64 / TRIALS as f64,
            shares.join(", ")
        );
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("{THREADS} threads each withdraw {AMOUNT} from {OPENING}, {TRIALS} trials");
    report::<SplitAccount>("check, then debit (two critical sections)");
    report::<LockedAccount>("check and debit under one lock");
    report::<AtomicAccount>("fetch_update");
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
