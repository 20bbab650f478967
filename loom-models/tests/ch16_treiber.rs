//! Chapter 16's Treiber stack, in every interleaving loom can schedule.
#![cfg(loom)]

use loom::sync::atomic::Ordering;
use loom::sync::Arc;
use loom::thread;
use loom_models::ch16_treiber::Stack;
use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::sync::Mutex;

/// How many executions the running model has started: a std counter, outside the model.
static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);
/// The two tests share `EXECUTIONS`, so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

// ANCHOR: model
/// Two threads each push one value and pop one; then main empties the stack. In every
/// execution, each value must come out exactly once.
fn check(publish: Ordering) {
    EXECUTIONS.store(0, StdOrdering::SeqCst);
    loom::model(move || {
        EXECUTIONS.fetch_add(1, StdOrdering::SeqCst);
        let stack = Arc::new(Stack::new(publish));
        let other = {
            let stack = Arc::clone(&stack);
            thread::spawn(move || {
                stack.push(1);
                stack.pop()
            })
        };
        stack.push(2);
        let mine = stack.pop();
        let theirs = other.join().unwrap();
        let mut out: Vec<u32> = [mine, theirs].into_iter().flatten().collect();
        while let Some(value) = stack.pop() {
            out.push(value);
        }
        out.sort();
        assert_eq!(out, [1, 2], "a value was lost or popped twice");
    });
}
// ANCHOR_END: model

// ANCHOR: tests
#[test]
fn release_push_passes() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    check(Ordering::Release);
    let explored = EXECUTIONS.load(StdOrdering::SeqCst);
    println!("Release push: every value out once in all {explored} executions");
    // The exact count depends on loom's search order, which a patch release may change.
    assert!(explored >= 100, "loom explored only {explored} executions");
}

#[test]
fn relaxed_push_is_caught() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // loom reports the bad execution by panicking; the model must find one.
    let found = std::panic::catch_unwind(|| check(Ordering::Relaxed));
    let explored = EXECUTIONS.load(StdOrdering::SeqCst);
    let report = match &found {
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
        Ok(()) => String::new(),
    };
    println!("Relaxed push: caught in execution {explored}: {report}");
    assert!(
        found.is_err(),
        "loom found nothing wrong with a Relaxed push"
    );
    assert!(
        report.contains("Causality violation"),
        "loom reported something else: {report}"
    );
    // loom 0.7's depth-first search reaches an unordered access within a few executions;
    // the exact number depends on its search order.
    assert!(explored <= 10, "loom needed {explored} executions");
}
// ANCHOR_END: tests
