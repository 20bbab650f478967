//! x <- x*x - x + 1, twenty times from x = 3, in exact arithmetic.

use std::time::Instant;

use num_bigint::BigUint;

// ANCHOR: iterate
fn f(x: &BigUint) -> BigUint {
    x * x - x + 1u32
}

fn main() {
    let start = Instant::now();
    let mut x = BigUint::from(3u32);
    for _ in 0..20 {
        // Each step needs the whole of the step before it.
        x = f(&x);
    }
    let elapsed = start.elapsed();

    println!("x has {} decimal digits", x.to_string().len());
    println!("last five digits: {}", &x % 100_000u32);
    println!("took {:.3} s", elapsed.as_secs_f64());
}
// ANCHOR_END: iterate
