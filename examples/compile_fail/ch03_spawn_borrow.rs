use std::thread;

fn main() {
    let numbers = vec![1, 2, 3];
    let handle = thread::spawn(|| {
        let sum: i32 = numbers.iter().sum();
        println!("sum = {sum}");
    });
    handle.join().unwrap();
}
