//! Two threads take two locks in opposite orders and deadlock; bounded `try_lock` loops stop
//! the deadlock and report it. Then the same transfers, with one global lock order, finish.

use std::process::ExitCode;
use std::sync::{Barrier, Mutex, TryLockError};
use std::thread;

// How often a thread tries its second lock before it backs off.
const TRIES: u32 = 1000;
const TRANSFERS: u32 = 10_000;

const USAGE: &str = "\
usage: ch03_deadlock

Two threads lock accounts a and b in opposite orders and deadlock; each gives up after
1000 tries of its second lock. Then both transfer 10000 times in each direction, taking
the locks in one global order, and finish.
";

// ANCHOR: account
struct Account {
    // The global lock order: an account with a smaller id is always locked first.
    id: u32,
    name: &'static str,
    balance: Mutex<i64>,
}
// ANCHOR_END: account

// ANCHOR: deadlock
/// Locks `from`, then tries to lock `to`, up to TRIES times, to move 10 between them.
fn try_transfer(from: &Account, to: &Account, both_hold: &Barrier, both_done: &Barrier) {
    let label = format!("{} to {}", from.name, to.name);
    let mut from_balance = from.balance.lock().unwrap();
    println!("{label}: holding {}, trying {}", from.name, to.name);
    // Make the unlucky timing certain: go on once the other holds its first lock too.
    both_hold.wait();

    let (mut moved, mut poisoned) = (false, false);
    for _ in 0..TRIES {
        match to.balance.try_lock() {
            Ok(mut to_balance) => {
                *from_balance -= 10;
                *to_balance += 10;
                moved = true;
                break;
            }
            // Taken: let the other thread run, then try again.
            Err(TryLockError::WouldBlock) => thread::yield_now(),
            // A thread panicked while holding it: stop, but still reach `both_done`
            // below, so that the other thread is not left waiting there for ever.
            Err(TryLockError::Poisoned(_)) => {
                poisoned = true;
                break;
            }
        }
    }
    if moved {
        println!("{label}: moved 10");
    } else if !poisoned {
        println!(
            "{label}: {} still taken after {TRIES} tries, backing off",
            to.name
        );
    }
    // Hold on until the other thread is done trying too, so that neither slips through
    // the moment the other lets go, and every run ends the same way.
    both_done.wait();
    assert!(!poisoned, "{label}: {} was poisoned by a panic", to.name);
    // Backing off: `from_balance` is dropped here, which releases the first lock.
}

fn deadlock(a: &Account, b: &Account) {
    let (both_hold, both_done) = (Barrier::new(2), Barrier::new(2));
    thread::scope(|s| {
        // One thread locks a, then b; the other b, then a.
        s.spawn(|| try_transfer(a, b, &both_hold, &both_done));
        s.spawn(|| try_transfer(b, a, &both_hold, &both_done));
    });
}
// ANCHOR_END: deadlock

// ANCHOR: ordered
/// Moves `amount` from one account to the other, taking the two locks in the
/// global order, by id, whichever way the money goes.
fn transfer(from: &Account, to: &Account, amount: i64) {
    if from.id == to.id {
        // Same account: nothing moves, and locking its mutex twice would deadlock.
        return;
    }
    let (mut from_balance, mut to_balance) = if from.id < to.id {
        let from_balance = from.balance.lock().unwrap();
        (from_balance, to.balance.lock().unwrap())
    } else {
        let to_balance = to.balance.lock().unwrap();
        (from.balance.lock().unwrap(), to_balance)
    };
    *from_balance -= amount;
    *to_balance += amount;
}

fn ordered(a: &Account, b: &Account) {
    thread::scope(|s| {
        s.spawn(|| (0..TRANSFERS).for_each(|_| transfer(a, b, 1)));
        s.spawn(|| (0..TRANSFERS).for_each(|_| transfer(b, a, 1)));
    });
    println!("ordered: {TRANSFERS} transfers each way, and both threads finished");
}
// ANCHOR_END: ordered

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let a = Account {
        id: 1,
        name: "a",
        balance: Mutex::new(100),
    };
    let b = Account {
        id: 2,
        name: "b",
        balance: Mutex::new(100),
    };
    let balances = |a: &Account, b: &Account| {
        let (a, b) = (*a.balance.lock().unwrap(), *b.balance.lock().unwrap());
        format!("a has {a}, b has {b}")
    };

    deadlock(&a, &b);
    println!("main: after the deadlock, {}", balances(&a, &b));
    ordered(&a, &b);
    println!("main: after the ordered transfers, {}", balances(&a, &b));
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
