// The lock levels of examples/ch12_lock_order.rs, and a function that takes the ledger's
// lock before the accounts'. It does not compile.
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard};

#[diagnostic::on_unimplemented(
    message = "a lock of level `{L}` cannot be taken with a key of level `{Self}`",
    label = "this key's level is not below `{L}`"
)]
pub trait Below<L> {}

pub struct Unlocked;
pub struct Accounts;
pub struct Ledger;

impl Below<Accounts> for Unlocked {}
impl Below<Ledger> for Unlocked {}
impl Below<Ledger> for Accounts {}

pub struct Key<'k, L>(PhantomData<(&'k mut (), L)>);

pub struct OrderedMutex<L, T> {
    inner: Mutex<T>,
    level: PhantomData<L>,
}

impl<L, T> OrderedMutex<L, T> {
    pub fn lock<'k, P: Below<L>>(
        &'k self,
        _key: &'k mut Key<'_, P>,
    ) -> (MutexGuard<'k, T>, Key<'k, L>) {
        (self.inner.lock().unwrap(), Key(PhantomData))
    }
}

pub struct Bank {
    accounts: OrderedMutex<Accounts, Vec<i64>>,
    ledger: OrderedMutex<Ledger, Vec<String>>,
}

/// Writes the ledger first, then moves the money: the ledger's lock, then the accounts'.
pub fn transfer(bank: &Bank, key: &mut Key<'_, Unlocked>, from: usize, to: usize) {
    let (mut ledger, mut key) = bank.ledger.lock(key);
    ledger.push(format!("1 from {from} to {to}"));
    let (mut accounts, _) = bank.accounts.lock(&mut key);
    accounts[from] -= 1;
    accounts[to] += 1;
}

fn main() {}
