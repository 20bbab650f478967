//! Chapter 17: three primitives built by hand from atomics and `unsafe`, a spin lock, a
//! one-shot channel and a minimal `Arc`. Each keeps, as fields, the two orderings of the
//! edge it depends on, which the models in `tests/ch17_primitives.rs` weaken one at a time
//! to show that loom rejects each weaker version; the ordinary constructors (`new`,
//! `channel`) always use the correct ones.

#[cfg(loom)]
use loom::{
    cell::UnsafeCell,
    hint::spin_loop,
    sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize, Ordering},
    sync::Arc,
};
#[cfg(not(loom))]
use std::{
    hint::spin_loop,
    sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize, Ordering},
    sync::Arc,
};

use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// std's `UnsafeCell` with loom's interface: loom's own records every access made inside
/// `with` and `with_mut`, and reports two that no happens-before relation orders.
#[cfg(not(loom))]
#[derive(Debug)]
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

// ANCHOR: spin_lock
/// A lock that waits by spinning: `locked` is true while a `Guard` exists.
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
    /// The ordering of the successful `compare_exchange` that takes the lock: `Acquire`.
    acquire: Ordering,
    /// The ordering of the store that releases it: `Release`.
    release: Ordering,
}

// SAFETY: the lock lets one thread at a time reach the value, so sharing a `SpinLock<T>`
// only ever moves access to the `T` from one thread to another: `T: Send` is enough.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub fn new(value: T) -> SpinLock<T> {
        SpinLock::with_orderings(value, Ordering::Acquire, Ordering::Release)
    }

    pub fn lock(&self) -> Guard<'_, T> {
        while self
            .locked
            .compare_exchange_weak(false, true, self.acquire, Ordering::Relaxed)
            .is_err()
        {
            // Wait with plain loads, which keep the cache line shared, and try the
            // read-modify-write again only once the lock looks free.
            while self.locked.load(Ordering::Relaxed) {
                spin_loop();
            }
        }
        Guard { lock: self }
    }
}

/// Access to the value while the lock is held; dropping it unlocks.
pub struct Guard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a `&Guard` hands out `&T`, so sharing the guard between threads shares the `T`:
// this replaces the automatic `Sync` (which would follow `SpinLock<T>: Sync`, that is
// `T: Send`) with the right bound.
unsafe impl<T: Sync> Sync for Guard<'_, T> {}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock, so no other guard exists; and the previous
        // holder's `Release` store, read by the `Acquire` that took the lock, makes its
        // accesses happen before this one.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` means no other reference from this
        // guard is alive.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // Release: everything this holder wrote happens before the next `Acquire` that
        // reads this `false`.
        self.lock.locked.store(false, self.lock.release);
    }
}
// ANCHOR_END: spin_lock

impl<T> SpinLock<T> {
    /// The model's way in: a lock that is taken with `acquire` and released with
    /// `release` instead.
    pub fn with_orderings(value: T, acquire: Ordering, release: Ordering) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
            acquire,
            release,
        }
    }
}

// ANCHOR: oneshot
const EMPTY: u8 = 0;
const READY: u8 = 1;
const TAKEN: u8 = 2;

/// One value, sent once, received at most once.
struct Channel<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicU8,
    /// The ordering of the store that marks the value ready: `Release`.
    publish: Ordering,
    /// The ordering of the receiver's `compare_exchange` that takes it: `Acquire`.
    receive: Ordering,
}

// SAFETY: the state hands the value from the sender's thread to the receiver's, once.
unsafe impl<T: Send> Sync for Channel<T> {}

pub struct Sender<T> {
    channel: Arc<Channel<T>>,
}

pub struct Receiver<T> {
    channel: Arc<Channel<T>>,
}

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    channel_with_orderings(Ordering::Release, Ordering::Acquire)
}

impl<T> Sender<T> {
    /// Taking `self` makes a second send a compile-time error.
    pub fn send(self, value: T) {
        // SAFETY: the state is EMPTY, so the receiver does not touch the value, and
        // there is only one sender.
        self.channel
            .value
            .with_mut(|slot| unsafe { (*slot).write(value) });
        self.channel.state.store(READY, self.channel.publish);
    }
}

impl<T> Receiver<T> {
    /// The value, if it has been sent and not yet received; never waits.
    pub fn try_receive(&mut self) -> Option<T> {
        // Acquire pairs with the sender's Release: seeing READY means seeing the value.
        self.channel
            .state
            .compare_exchange(READY, TAKEN, self.channel.receive, Ordering::Relaxed)
            .ok()?;
        // SAFETY: this `Acquire` read READY, which the sender stored with `Release` after
        // writing the value, so the write happens before this read, and the sender is
        // done with the slot; TAKEN, now stored, means nothing reads it again, not even
        // `Drop`.
        Some(
            self.channel
                .value
                .with(|slot| unsafe { (*slot).assume_init_read() }),
        )
    }
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        // The last `Arc` is being dropped, which happens after every other use.
        if self.state.load(Ordering::Relaxed) == READY {
            // SAFETY: the value was sent and never received.
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_drop() });
        }
    }
}
// ANCHOR_END: oneshot

/// The model's way in: a channel whose sender marks the value ready with `publish`, and
/// whose receiver takes it with `receive`.
pub fn channel_with_orderings<T>(publish: Ordering, receive: Ordering) -> (Sender<T>, Receiver<T>) {
    let channel = Arc::new(Channel {
        value: UnsafeCell::new(MaybeUninit::uninit()),
        state: AtomicU8::new(EMPTY),
        publish,
        receive,
    });
    (
        Sender {
            channel: Arc::clone(&channel),
        },
        Receiver { channel },
    )
}

// ANCHOR: arc
/// A reference-counted pointer: every clone shares one allocation, freed by the last drop.
pub struct MiniArc<T> {
    inner: NonNull<Inner<T>>,
}

struct Inner<T> {
    count: AtomicUsize,
    /// The ordering of the `fetch_sub` in `drop`: `Release`.
    release: Ordering,
    /// The ordering of the fence in the last `drop`: `Acquire`.
    acquire: Ordering,
    data: T,
}

// SAFETY: clones on several threads share the `T` (so `T: Sync`), and whichever thread
// drops the last one drops the `T` (so `T: Send`).
unsafe impl<T: Send + Sync> Send for MiniArc<T> {}
unsafe impl<T: Send + Sync> Sync for MiniArc<T> {}

impl<T> MiniArc<T> {
    pub fn new(data: T) -> MiniArc<T> {
        MiniArc::with_orderings(data, Ordering::Release, Ordering::Acquire)
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: the allocation lives while any `MiniArc` to it does, and this is one.
        unsafe { self.inner.as_ref() }
    }
}

impl<T> Deref for MiniArc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner().data
    }
}

impl<T> Clone for MiniArc<T> {
    fn clone(&self) -> MiniArc<T> {
        // Relaxed: the new clone needs no data from anyone; the count only has to stay
        // exact, and a read-modify-write never loses an increment.
        if self.inner().count.fetch_add(1, Ordering::Relaxed) > usize::MAX / 2 {
            std::process::abort(); // leaked clones on the way to overflowing the count
        }
        MiniArc { inner: self.inner }
    }
}

impl<T> Drop for MiniArc<T> {
    fn drop(&mut self) {
        // Release: this clone's uses of the data happen before the count drops...
        if self.inner().count.fetch_sub(1, self.inner().release) == 1 {
            // ...and Acquire: the thread that frees it sees every other clone's uses.
            fence(self.inner().acquire);
            // SAFETY: the count was 1, so this was the last clone; nothing else can reach
            // the allocation, which `Box::leak` made in `with_orderings`. Every other
            // clone's `Release` decrement heads a release sequence that this `fetch_sub`
            // continues, so the `Acquire` fence after it synchronizes with all of them:
            // every other clone's uses of the data happen before this free.
            drop(unsafe { Box::from_raw(self.inner.as_ptr()) });
        }
    }
}
// ANCHOR_END: arc

impl<T> MiniArc<T> {
    /// The model's way in: an `Arc` whose `drop` counts down with `release` and whose
    /// last drop fences with `acquire` (a fence cannot be `Relaxed`: it panics).
    pub fn with_orderings(data: T, release: Ordering, acquire: Ordering) -> MiniArc<T> {
        let inner = Box::leak(Box::new(Inner {
            count: AtomicUsize::new(1),
            release,
            acquire,
            data,
        }));
        MiniArc {
            inner: NonNull::from(inner),
        }
    }
}
