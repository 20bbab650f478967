//! Chapter 14's lost update, in every interleaving loom can schedule.
#![cfg(loom)]

use loom::thread;
use loom_models::ch14_counter::Counter;
use loom_models::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How many executions the running model has started: a std counter, outside the model.
static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);
/// The two tests share `EXECUTIONS`, so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

// ANCHOR: model
/// Two threads increment once each; in every execution loom explores, the counter must
/// end at 2.
fn check(increment: fn(&Counter)) {
    EXECUTIONS.store(0, Ordering::SeqCst);
    loom::model(move || {
        EXECUTIONS.fetch_add(1, Ordering::SeqCst);
        let counter = Arc::new(Counter::new());
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || increment(&counter))
        };
        increment(&counter);
        other.join().unwrap();
        assert_eq!(counter.get(), 2, "an update was lost");
    });
}
// ANCHOR_END: model

// ANCHOR: tests
#[test]
fn split_increments_lose_an_update() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // loom reports the bad execution by panicking; the model must find one.
    let found = std::panic::catch_unwind(|| check(Counter::increment_split));
    let explored = EXECUTIONS.load(Ordering::SeqCst);
    println!("load, then store: lost an update in execution {explored}");
    assert!(found.is_err(), "loom found no lost update");
    // loom 0.7's first execution runs main's increment to the end, then the other
    // thread's; nothing orders main's store before that thread's load, so loom lets the
    // `Relaxed` load return the older 0, and both threads store 1.
    assert_eq!(explored, 1, "loom needed another number of executions");
}

#[test]
fn fetch_add_loses_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    check(Counter::increment);
    let explored = EXECUTIONS.load(Ordering::SeqCst);
    println!("fetch_add: all {explored} executions ended at 2");
    assert_eq!(explored, 4, "loom explored another number of executions");
}
// ANCHOR_END: tests
