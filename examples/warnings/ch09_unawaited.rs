// Compiles, with a warning: calling an `async fn` only creates a future, and this program
// drops it without ever polling it, so "hello" is never printed.

async fn greet() {
    println!("hello");
}

fn main() {
    greet();
    println!("main is done");
}
