//! Chapter 19's connection cache in every interleaving loom can schedule.
#![cfg(loom)]

use loom::thread;
use loom_models::ch19_cache::{Connection, ConnectionCache};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many executions the running model has started: a std counter, outside the model.
static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);
/// The two tests share `EXECUTIONS`, so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

// ANCHOR: model
/// Two callers ask an empty cache for the same key; in every execution loom explores,
/// they must go away with the same connection.
fn check(get: fn(&ConnectionCache, u64) -> Arc<Connection>) {
    EXECUTIONS.store(0, Ordering::SeqCst);
    loom::model(move || {
        EXECUTIONS.fetch_add(1, Ordering::SeqCst);
        let cache = loom::sync::Arc::new(ConnectionCache::default());
        let other = {
            let cache = loom::sync::Arc::clone(&cache);
            thread::spawn(move || get(&cache, 7))
        };
        let mine = get(&cache, 7);
        let theirs = other.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs), "two connections for one key");
    });
}
// ANCHOR_END: model

#[test]
fn racy_cache_hands_out_two_connections() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let found = std::panic::catch_unwind(|| check(ConnectionCache::get_racy));
    let explored = EXECUTIONS.load(Ordering::SeqCst);
    println!("get_racy: two connections in execution {explored}");
    assert!(found.is_err(), "loom found no second connection");
    assert_eq!(explored, 2, "loom needed another number of executions");
}

#[test]
fn fixed_cache_hands_out_one() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    check(ConnectionCache::get);
    let explored = EXECUTIONS.load(Ordering::SeqCst);
    println!("get: all {explored} executions handed out one connection");
    assert_eq!(explored, 14, "loom explored another number of executions");
}
