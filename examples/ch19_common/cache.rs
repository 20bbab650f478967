// ANCHOR: cache
// A glob import, so that a module that includes this file and names its own `RwLock`
// (shuttle's, loom's) gets that one instead: an explicit import shadows a glob.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::*;

/// A connection, expensive to open: the cache exists so that each key opens one.
#[derive(Debug)]
#[allow(dead_code)] // the id is there to be printed when a test fails
pub struct Connection {
    pub id: u64,
}

static OPENED: AtomicU64 = AtomicU64::new(0);

/// Opening a connection: some work, then a fresh id.
pub fn open_connection() -> Connection {
    let mut h = 0u64;
    for i in 0..200u64 {
        h = std::hint::black_box(h.rotate_left(5) ^ i);
    }
    std::hint::black_box(h);
    Connection {
        id: OPENED.fetch_add(1, Ordering::Relaxed),
    }
}

/// One connection per key, shared by every caller that asks for that key.
#[derive(Default)]
pub struct ConnectionCache {
    map: RwLock<HashMap<u64, Arc<Connection>>>,
}

impl ConnectionCache {
    /// Check under the read lock, open outside any lock, insert under the write lock:
    /// two callers that both miss open two connections, and the second insert replaces
    /// the first, so they go away holding different ones.
    pub fn get_racy(&self, key: u64) -> Arc<Connection> {
        if let Some(conn) = self.map.read().unwrap().get(&key) {
            return Arc::clone(conn);
        }
        let conn = Arc::new(open_connection());
        self.map.write().unwrap().insert(key, Arc::clone(&conn));
        conn
    }

    /// The fix: on a miss, check again under the write lock, which no other caller can
    /// hold at the same time, and open only if the key is still missing.
    pub fn get(&self, key: u64) -> Arc<Connection> {
        if let Some(conn) = self.map.read().unwrap().get(&key) {
            return Arc::clone(conn);
        }
        let mut map = self.map.write().unwrap();
        let conn = map
            .entry(key)
            .or_insert_with(|| Arc::new(open_connection()));
        Arc::clone(conn)
    }

    #[allow(dead_code)] // used by the stress test only
    pub fn clear(&self) {
        self.map.write().unwrap().clear();
    }
}
// ANCHOR_END: cache
