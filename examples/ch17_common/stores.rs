//! Five one-line functions, compiled on their own so that the machine code rustc makes of
//! each atomic operation can be read: two stores that differ only in their ordering, a
//! `SeqCst` load, a `Relaxed` read-modify-write and a `SeqCst` fence.

use std::sync::atomic::{fence, AtomicU64, Ordering};

#[no_mangle]
pub fn store_release(cell: &AtomicU64, value: u64) {
    cell.store(value, Ordering::Release);
}

#[no_mangle]
pub fn store_seqcst(cell: &AtomicU64, value: u64) {
    cell.store(value, Ordering::SeqCst);
}

#[no_mangle]
pub fn load_seqcst(cell: &AtomicU64) -> u64 {
    cell.load(Ordering::SeqCst)
}

#[no_mangle]
pub fn add_relaxed(cell: &AtomicU64) -> u64 {
    cell.fetch_add(1, Ordering::Relaxed)
}

#[no_mangle]
pub fn fence_seqcst() {
    fence(Ordering::SeqCst);
}
