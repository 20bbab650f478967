//! Chapter 3's priority queue: does `close` end every waiting consumer, in every
//! interleaving of two consumers and the closing thread?
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use loom_models::ch03_priority_queue::{CloseWakes, PriorityQueue};

/// Two consumers pop until the queue is closed; main pushes one item and closes.
/// Every item comes out exactly once, and both consumers end.
fn check(close_wakes: CloseWakes) {
    loom::model(move || {
        let queue = Arc::new(PriorityQueue::new(close_wakes));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    let mut taken = 0;
                    while queue.pop().is_some() {
                        taken += 1;
                    }
                    taken
                })
            })
            .collect();
        queue.push(7);
        queue.close();
        // loom reports a deadlock if a consumer is still waiting when nothing can wake it.
        let taken: u32 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
        assert_eq!(taken, 1, "the pushed item must come out exactly once");
    });
}

#[test]
fn close_with_notify_all_ends_every_consumer() {
    check(CloseWakes::All);
}

/// The buggy model on its own. loom reports the deadlock by panicking, and the cleanup
/// of the blocked threads then panics again and aborts the process, so the test below runs
/// this one in a process of its own.
#[test]
#[ignore = "fails on purpose; run by close_with_notify_one_can_leave_a_consumer_waiting"]
fn notify_one_model() {
    check(CloseWakes::One);
}

#[test]
fn close_with_notify_one_can_leave_a_consumer_waiting() {
    let test = std::env::current_exe().expect("the path of this test binary");
    let child = std::process::Command::new(test)
        .args([
            "--ignored",
            "--exact",
            "notify_one_model",
            "--test-threads",
            "1",
        ])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run the buggy model");
    let stderr = String::from_utf8_lossy(&child.stderr);
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        !child.status.success(),
        "loom found no execution that leaves a consumer waiting"
    );
    assert!(
        stderr.contains("deadlock") || stdout.contains("deadlock"),
        "the model failed, but not with loom's deadlock report:\n{stdout}\n{stderr}"
    );
}
