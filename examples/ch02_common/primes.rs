// The workload of chapter 2, shared by its programs so that every table in the
// chapter measures exactly the same work.

// ANCHOR: workload
/// The first integer the experiment checks: 10^13, as in the Python original.
pub const START: u64 = 10_000_000_000_000;

/// How many consecutive integers, from `START`, the experiment checks.
pub const COUNT: u64 = 1000;

/// Trial division by 2 and by the odd numbers up to the square root: the same
/// method as the original, so that both programs do the same amount of work.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}
// ANCHOR_END: workload
