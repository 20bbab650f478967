//! Chapter 17's primitives in every execution loom can schedule: each passes with the
//! orderings it needs, and loom rejects each with either end of its edge weakened.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::Ordering;
use loom::sync::Arc;
use loom::thread;
use loom_models::ch17_primitives::{channel, channel_with_orderings, MiniArc, SpinLock};
use std::panic::{catch_unwind, UnwindSafe};

/// Runs a model that loom must reject, and checks that loom's report is the one the book
/// shows: `expected`, the line loom prints for two accesses to an `UnsafeCell` that no
/// happens-before relation orders. (`LOOM_LOCATION=1` adds lines that name the cell's
/// creation and the two accesses by file, line and column.)
fn rejected(expected: &str, model: impl FnOnce() + UnwindSafe) {
    let payload = catch_unwind(model).expect_err("loom accepted the weakened version");
    let report = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert_eq!(
        report.trim_start().lines().next(),
        Some(expected),
        "{report}"
    );
}

// ANCHOR: spin_lock
/// Two threads add one each under the lock; every execution must end at 2.
fn spin_lock_model(acquire: Ordering, release: Ordering) {
    loom::model(move || {
        let lock = Arc::new(SpinLock::with_orderings(0, acquire, release));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.lock() += 1)
        };
        *lock.lock() += 1;
        other.join().unwrap();
        assert_eq!(*lock.lock(), 2);
    });
}

#[test]
fn spin_lock_passes() {
    spin_lock_model(Ordering::Acquire, Ordering::Release);
}

#[test]
fn spin_lock_with_relaxed_acquire_is_rejected() {
    rejected(
        "Causality violation: Concurrent write accesses to `UnsafeCell`.",
        || spin_lock_model(Ordering::Relaxed, Ordering::Release),
    );
}
// ANCHOR_END: spin_lock

#[test]
fn spin_lock_with_relaxed_release_is_rejected() {
    rejected(
        "Causality violation: Concurrent write accesses to `UnsafeCell`.",
        || spin_lock_model(Ordering::Acquire, Ordering::Relaxed),
    );
}

// ANCHOR: oneshot
/// One thread sends a heap value; the other tries to receive it once, at any moment.
fn oneshot_model(publish: Ordering, receive: Ordering) {
    loom::model(move || {
        let (sender, mut receiver) = channel_with_orderings(publish, receive);
        let other = thread::spawn(move || sender.send(Box::new(42)));
        if let Some(value) = receiver.try_receive() {
            assert_eq!(*value, 42);
        }
        other.join().unwrap();
    });
}
// ANCHOR_END: oneshot

#[test]
fn oneshot_passes() {
    oneshot_model(Ordering::Release, Ordering::Acquire);
}

#[test]
fn oneshot_passes_through_channel() {
    loom::model(|| {
        let (sender, mut receiver) = channel();
        let other = thread::spawn(move || sender.send(String::from("hello")));
        other.join().unwrap();
        assert_eq!(receiver.try_receive().as_deref(), Some("hello"));
        assert_eq!(receiver.try_receive(), None);
    });
}

#[test]
fn oneshot_with_relaxed_publish_is_rejected() {
    rejected(
        "Causality violation: Concurrent read and write accesses.",
        || oneshot_model(Ordering::Relaxed, Ordering::Acquire),
    );
}

#[test]
fn oneshot_with_relaxed_receive_is_rejected() {
    rejected(
        "Causality violation: Concurrent read and write accesses.",
        || oneshot_model(Ordering::Release, Ordering::Relaxed),
    );
}

// ANCHOR: arc
/// Data whose every read and whose drop loom records, so that loom can tell whether the
/// drop happens after the other thread's last read.
struct Tracked(UnsafeCell<u64>);

impl Tracked {
    fn read(&self) -> u64 {
        // SAFETY: the only write is in `drop`, which the `MiniArc` must order after every
        // read; whether it does is what loom checks.
        self.0.with(|value| unsafe { *value })
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no reference from this thread is alive, and the
        // `MiniArc`'s orderings must have made every other thread's reads happen before.
        self.0.with_mut(|value| unsafe { *value = 0 });
    }
}

/// Both threads read through a clone and drop it; either may drop last.
fn arc_model(release: Ordering, acquire: Ordering) {
    loom::model(move || {
        let first = MiniArc::with_orderings(Tracked(UnsafeCell::new(7)), release, acquire);
        let second = first.clone();
        let other = thread::spawn(move || assert_eq!(second.read(), 7));
        assert_eq!(first.read(), 7);
        drop(first);
        other.join().unwrap();
    });
}
// ANCHOR_END: arc

#[test]
fn arc_passes() {
    arc_model(Ordering::Release, Ordering::Acquire);
}

#[test]
fn arc_with_relaxed_count_down_is_rejected() {
    rejected(
        "Causality violation: Concurrent read and write accesses to `UnsafeCell`.",
        || arc_model(Ordering::Relaxed, Ordering::Acquire),
    );
}

/// A fence cannot be `Relaxed` (it panics), so the fence's weakened version is a `Release`
/// fence, which has no acquire half: it orders this thread's earlier accesses before its
/// later stores, but makes nothing the other thread did happen before the free.
#[test]
fn arc_with_release_fence_is_rejected() {
    rejected(
        "Causality violation: Concurrent read and write accesses to `UnsafeCell`.",
        || arc_model(Ordering::Release, Ordering::Release),
    );
}
