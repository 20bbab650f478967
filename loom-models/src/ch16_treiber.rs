//! Chapter 16: Treiber's lock-free stack, in the form loom can check. The book's listing
//! (`examples/ch16_treiber.rs`) frees popped nodes with crossbeam-epoch, whose internals loom
//! cannot see; this model keeps every popped node until the stack is dropped, so no address
//! is reused while threads run. It checks the algorithm (the links, the compare-exchanges,
//! their orderings), not the reclamation. Both fields of a node are loom `UnsafeCell`s, so
//! loom checks that every write of a value or a link happens before every read of it. The
//! models are in `tests/ch16_treiber.rs`.

// ANCHOR: stack
#[cfg(loom)]
use loom::cell::UnsafeCell;
#[cfg(loom)]
use loom::sync::atomic::{AtomicPtr, Ordering};
use std::ptr;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicPtr, Ordering};
// loom cannot see a std lock: this one is fine only because no loom operation runs while it
// is held. Holding it across a loom atomic or `UnsafeCell` access can deadlock the model.
use std::sync::Mutex;

/// Outside loom, a plain `UnsafeCell` with loom's closure-based interface.
#[cfg(not(loom))]
struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

struct Node<T> {
    /// Written by `push` before the node is published, taken by the one `pop` that
    /// unlinks it. loom tracks every access to it.
    value: UnsafeCell<Option<T>>,
    /// Written by `push` (again on each retry) before the node is published, read by every
    /// `pop` that finds the node at the head. loom tracks these accesses too.
    next: UnsafeCell<*mut Node<T>>,
}

pub struct Stack<T> {
    head: AtomicPtr<Node<T>>,
    /// How `push` publishes its node: `Release` is correct, `Relaxed` is the bug.
    publish: Ordering,
    /// Popped nodes, freed only when the stack is dropped (after the threads are joined).
    retired: Mutex<Vec<*mut Node<T>>>,
}

impl<T> Stack<T> {
    pub fn new(publish: Ordering) -> Stack<T> {
        Stack {
            head: AtomicPtr::new(ptr::null_mut()),
            publish,
            retired: Mutex::new(Vec::new()),
        }
    }

    pub fn push(&self, value: T) {
        let node = Box::into_raw(Box::new(Node {
            value: UnsafeCell::new(Some(value)),
            next: UnsafeCell::new(ptr::null_mut()),
        }));
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` came from `Box::into_raw` just above and no other thread can
            // see it until the compare-exchange below succeeds.
            unsafe { (*node).next.with_mut(|next| *next = head) };
            match self
                .head
                .compare_exchange(head, node, self.publish, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }

    pub fn pop(&self) -> Option<T> {
        loop {
            let head = self.head.load(Ordering::Acquire);
            if head.is_null() {
                return None;
            }
            // SAFETY: `head` was published by a push (the `Acquire` load synchronises with
            // its `Release`, so its write of `next` happened before this read) and nodes
            // are freed only in `drop`, so it is still allocated.
            let next = unsafe { (*head).next.with(|next| *next) };
            if self
                .head
                .compare_exchange(head, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                // SAFETY: our compare-exchange unlinked `head`, so no other pop can reach
                // its value; the push that wrote it happened before our `Acquire` load.
                let value = unsafe { (*head).value.with_mut(|value| (*value).take()) };
                self.retired.lock().unwrap().push(head);
                return value;
            }
        }
    }
}
// ANCHOR_END: stack

impl<T> Drop for Stack<T> {
    fn drop(&mut self) {
        let mut node = self.head.load(Ordering::Acquire);
        while !node.is_null() {
            // SAFETY: `&mut self` means no other thread uses the stack; every node still
            // linked came from `Box::into_raw` and is freed once, here.
            let boxed = unsafe { Box::from_raw(node) };
            // SAFETY: the node is ours alone now, and its link was written before it was
            // published.
            node = boxed.next.with(|next| unsafe { *next });
        }
        for node in self.retired.get_mut().unwrap().drain(..) {
            // SAFETY: a retired node was unlinked by exactly one pop and is freed once.
            drop(unsafe { Box::from_raw(node) });
        }
    }
}

// SAFETY: values move between threads only through `push` and `pop`, so `T: Send` is all a
// value needs; the raw pointers are reached only through the atomic head and are freed
// only in `drop`, which has the stack to itself.
unsafe impl<T: Send> Send for Stack<T> {}
// SAFETY: as for `Send`: `&Stack` gives only `push` and `pop`, which hand each value to one
// thread.
unsafe impl<T: Send> Sync for Stack<T> {}
