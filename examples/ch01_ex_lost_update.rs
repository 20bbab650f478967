//! Exercise solution: the last five digits of every term of x <- x*x - x + 1
//! from x = 3, to see which terms end in 45807, the Python race's answer.

// ANCHOR: endings
/// The step on the last five digits alone: the last five digits of
/// x*x - x + 1 depend only on the last five digits of x.
fn f_mod(x: u64) -> u64 {
    (x * x - x + 1) % 100_000
}

fn main() {
    let mut x = 3;
    for step in 1..=20 {
        x = f_mod(x);
        let mark = if x == 45807 {
            "   <- what the racing Python printed"
        } else {
            ""
        };
        println!("after step {step:>2}: {x:>5}{mark}");
    }
}
// ANCHOR_END: endings
