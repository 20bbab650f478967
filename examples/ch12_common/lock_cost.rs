// What an uncontended parking_lot `Mutex` costs per lock and unlock, measured the same way by
// `ch12_lock_cost` (built without parking_lot's deadlock detector) and by
// `ch12-parking-lot-detector` (a package of its own, built with it), so that their lines can
// be set side by side.

use std::time::Instant;

// ANCHOR: lock_cost
/// Rounds, and lock-and-unlock pairs per round: each round lasts tens of milliseconds, long
/// enough that one preemption by the scheduler moves it by a few percent at most.
pub const ROUNDS: usize = 9;
pub const PAIRS: u32 = 5_000_000;

/// Times `ROUNDS` rounds of `PAIRS` lock-and-unlock pairs of one uncontended parking_lot
/// `Mutex`, and prints whether the deadlock detector is compiled in, and the fastest, median
/// and slowest round in nanoseconds per pair. Noise only ever adds time, so the fastest
/// round is the estimate, and the others show how much the machine disturbed the rest.
pub fn parking_lot_mutex(detector: bool) {
    let lock = parking_lot::Mutex::new(0u64);
    let mut ns: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PAIRS {
                *std::hint::black_box(&lock).lock() += 1;
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(PAIRS)
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    println!(
        "deadlock_detection {}: parking_lot::Mutex, ns per lock and unlock, {ROUNDS} rounds of {PAIRS}:",
        if detector { "on" } else { "off" }
    );
    println!(
        "  fastest {:.1}, median {:.1}, slowest {:.1}",
        ns[0],
        ns[ROUNDS / 2],
        ns[ROUNDS - 1]
    );
}
// ANCHOR_END: lock_cost
