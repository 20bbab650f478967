//! Chapter 17's primitives on std's threads, atomics and cell, for Miri: built without
//! `--cfg loom`, `loom_models::ch17_primitives` is plain std code, and
//! `cargo +nightly miri test -p loom-models --test ch17_primitives_std` runs it under Miri's
//! data-race detector and weak-memory emulation. The three tests with the right orderings
//! pass natively and under Miri; the two `#[ignore]`d ones weaken one end of an edge, pass
//! natively (x86-64 and the compiler happened not to break them), and are for Miri to reject
//! (`-- --ignored`).
#![cfg(not(loom))]

use loom_models::ch17_primitives::{channel_with_orderings, MiniArc, SpinLock};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread;

/// Few enough rounds that Miri, which interprets every operation, finishes in seconds.
const ADDS: usize = 20;

#[test]
fn spin_lock_counts_every_add() {
    let lock = Arc::new(SpinLock::new(0));
    let other = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || (0..ADDS).for_each(|_| *lock.lock() += 1))
    };
    (0..ADDS).for_each(|_| *lock.lock() += 1);
    other.join().unwrap();
    assert_eq!(*lock.lock(), 2 * ADDS);
}

/// One thread sends a heap value; the main thread polls until it has received it, so the
/// receive always reads the sender's `READY`.
fn oneshot(publish: Ordering, receive: Ordering) {
    let (sender, mut receiver) = channel_with_orderings(publish, receive);
    let other = thread::spawn(move || sender.send(Box::new(42)));
    let value = loop {
        match receiver.try_receive() {
            Some(value) => break value,
            None => thread::yield_now(),
        }
    };
    assert_eq!(*value, 42);
    other.join().unwrap();
}

#[test]
fn oneshot_delivers() {
    oneshot(Ordering::Release, Ordering::Acquire);
}

#[test]
#[ignore = "a data race by the model: run it under Miri with --ignored"]
fn oneshot_with_relaxed_publish() {
    oneshot(Ordering::Relaxed, Ordering::Acquire);
}

/// Both threads read through a clone and drop it; either may drop last and free.
fn arc(release: Ordering, acquire: Ordering) {
    let first = MiniArc::with_orderings(Box::new(7u64), release, acquire);
    let second = first.clone();
    let other = thread::spawn(move || assert_eq!(**second, 7));
    assert_eq!(**first, 7);
    drop(first);
    other.join().unwrap();
}

#[test]
fn arc_frees_after_every_use() {
    arc(Ordering::Release, Ordering::Acquire);
}

#[test]
#[ignore = "a data race by the model: run it under Miri with --ignored"]
fn arc_with_relaxed_count_down() {
    arc(Ordering::Relaxed, Ordering::Acquire);
}
