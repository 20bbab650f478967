//! Chapter 19: the connection cache whose `get_racy` checks under the read lock and inserts
//! under the write lock. The source is the book's `examples/ch19_common/cache.rs`, the same
//! file the chapter's stress test and shuttle runs compile; here it takes loom's `RwLock`
//! under `--cfg loom`. The models are in `tests/ch19_cache.rs`.

#[cfg(loom)]
pub use loom::sync::RwLock;

include!("../../examples/ch19_common/cache.rs");
