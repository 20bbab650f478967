//! The mailbox in every interleaving and every reordering the memory model allows.
#![cfg(loom)]

use loom::thread;
use loom_models::sync::{Arc, Ordering};
use loom_models::Mailbox;

/// A reader that sees the flag must see the value, in every execution loom explores.
fn check(store: Ordering, load: Ordering) {
    loom::model(move || {
        let mailbox = Arc::new(Mailbox::new(store, load));
        let writer = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || mailbox.send(42))
        };
        if let Some(value) = mailbox.receive() {
            assert_eq!(value, 42, "the flag was seen before the value");
        }
        writer.join().unwrap();
    });
}

#[test]
fn release_and_acquire_hand_the_value_over() {
    check(Ordering::Release, Ordering::Acquire);
}

#[test]
fn relaxed_flags_can_show_a_stale_value() {
    // loom reports the bad execution by panicking; the model must find one.
    let found = std::panic::catch_unwind(|| check(Ordering::Relaxed, Ordering::Relaxed));
    assert!(found.is_err(), "loom found no execution with a stale value");
}
