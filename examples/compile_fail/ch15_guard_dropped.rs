use std::sync::Mutex;

struct Interpreter {
    queue: Vec<u64>,
    primes: Vec<u64>,
}

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

fn main() {
    let gil = Mutex::new(Interpreter {
        queue: (10..20).collect(),
        primes: Vec::new(),
    });
    let mut interpreter = gil.lock().unwrap();
    let n = interpreter.queue.pop().unwrap();
    let found = &interpreter.primes; // borrowed from the guard
    drop(interpreter); // release the lock for the check...
    if is_prime(n) && !found.contains(&n) {
        // ...while still holding a view of what it guards
        println!("{n} is a new prime");
    }
}
