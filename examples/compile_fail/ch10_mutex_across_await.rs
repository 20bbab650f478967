// Does not compile: the task holds a std::sync::MutexGuard across an `.await`.
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let task = tokio::spawn({
        let log = Arc::clone(&log);
        async move {
            let mut entries = log.lock().unwrap();
            entries.push("started");
            // The task may pause here and resume on another worker thread, guard and all.
            tokio::time::sleep(Duration::from_millis(10)).await;
            entries.push("finished");
        }
    });
    task.await.unwrap();
    println!("{:?}", log.lock().unwrap());
}
