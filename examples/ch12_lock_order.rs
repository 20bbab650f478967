//! A lock hierarchy that the compiler checks: each mutex has a level, and locking it takes a
//! key whose level must be below it. Taking the locks in the wrong order does not compile
//! (see `examples/compile_fail/ch12_lock_order.rs`); this program takes them in the right
//! order, from two threads, many times.

use std::marker::PhantomData;
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};
use std::thread;

// ANCHOR: levels
/// `Below<L>`: while a lock of this level is held, a lock of level `L` may be taken.
#[diagnostic::on_unimplemented(
    message = "a lock of level `{L}` cannot be taken with a key of level `{Self}`",
    label = "this key's level is not below `{L}`"
)]
pub trait Below<L> {}

/// The levels of our program's locks, from first to last.
pub struct Unlocked; // no lock held yet
pub struct Accounts;
pub struct Ledger;

impl Below<Accounts> for Unlocked {}
impl Below<Ledger> for Unlocked {}
impl Below<Ledger> for Accounts {}
// ANCHOR_END: levels

// ANCHOR: ordered_mutex
/// What a thread may still lock: a key of level `L` says that every lock it holds is of
/// level `L` or lower. It cannot be copied, and `'k` ties it to the lock it came from.
pub struct Key<'k, L>(PhantomData<(&'k mut (), L)>);

impl Key<'static, Unlocked> {
    /// The key of a thread that holds no lock. Call it once, at the top of each thread.
    pub fn unlocked() -> Self {
        Key(PhantomData)
    }
}

/// A `Mutex` at level `L` of the hierarchy.
pub struct OrderedMutex<L, T> {
    inner: Mutex<T>,
    level: PhantomData<L>,
}

impl<L, T> OrderedMutex<L, T> {
    pub fn new(value: T) -> Self {
        OrderedMutex {
            inner: Mutex::new(value),
            level: PhantomData,
        }
    }

    /// Locks with a key from a lower level `P`. The key stays borrowed while the guard
    /// lives, and the new key, of this lock's level, can only take locks above it.
    pub fn lock<'k, P: Below<L>>(
        &'k self,
        _key: &'k mut Key<'_, P>,
    ) -> (MutexGuard<'k, T>, Key<'k, L>) {
        let guard = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (guard, Key(PhantomData))
    }
}
// ANCHOR_END: ordered_mutex

// ANCHOR: use
struct Bank {
    accounts: OrderedMutex<Accounts, Vec<i64>>,
    ledger: OrderedMutex<Ledger, Vec<String>>,
}

/// Moves `amount` from one account to another and writes it in the ledger: accounts first,
/// then the ledger, the only order the types allow.
fn transfer(bank: &Bank, key: &mut Key<'_, Unlocked>, from: usize, to: usize, amount: i64) {
    let (mut accounts, mut key) = bank.accounts.lock(key);
    accounts[from] -= amount;
    accounts[to] += amount;
    let (mut ledger, _) = bank.ledger.lock(&mut key);
    ledger.push(format!("{amount} from {from} to {to}"));
}
// ANCHOR_END: use

const USAGE: &str = "\
usage: ch12_lock_order

Two threads make 10000 transfers each between two accounts, taking the accounts' lock and
then the ledger's, in the order that the lock levels' types allow.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let bank = Bank {
        accounts: OrderedMutex::new(vec![100, 100]),
        ledger: OrderedMutex::new(Vec::new()),
    };
    thread::scope(|s| {
        for (from, to) in [(0, 1), (1, 0)] {
            let bank = &bank;
            s.spawn(move || {
                let mut key = Key::unlocked();
                for _ in 0..10_000 {
                    transfer(bank, &mut key, from, to, 1);
                }
            });
        }
    });
    let mut key = Key::unlocked();
    let (accounts, mut key) = bank.accounts.lock(&mut key);
    let (ledger, _) = bank.ledger.lock(&mut key);
    println!(
        "{} transfers in the ledger; the accounts hold {} and {}",
        ledger.len(),
        accounts[0],
        accounts[1]
    );
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
