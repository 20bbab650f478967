use std::rc::Rc;
use std::thread;

fn main() {
    let numbers = Rc::new(vec![1, 2, 3, 4]);
    let mut handles = Vec::new();
    for _ in 0..2 {
        let numbers = Rc::clone(&numbers);
        handles.push(thread::spawn(move || numbers.iter().sum::<i32>()));
    }
    for handle in handles {
        println!("sum = {}", handle.join().unwrap());
    }
}
