// The Python original's "concurrent" version, translated directly: twenty
// threads, each applying the step once to the same variable. (std only, so it
// keeps just the last five digits; the step gives the same last five digits
// whether or not the higher ones are kept.)
use std::thread;

fn f(x: u64) -> u64 {
    (x * x - x + 1) % 100_000
}

fn main() {
    let mut result = 3;
    thread::scope(|s| {
        for _ in 0..20 {
            s.spawn(|| {
                result = f(result);
            });
        }
    });
    println!("last five digits: {result}");
}
