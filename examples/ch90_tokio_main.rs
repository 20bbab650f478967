// Scratch: proves that a #[tokio::main] program (a proc-macro crate) goes through the pipeline.
use std::time::Duration;

// ANCHOR: main
#[tokio::main]
async fn main() {
    let mut tasks = tokio::task::JoinSet::new();
    for (name, millis) in [("A", 30), ("B", 20), ("C", 10)] {
        tasks.spawn(async move {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            name
        });
    }
    let mut finished = Vec::new();
    while let Some(name) = tasks.join_next().await {
        finished.push(name.expect("a task does not panic"));
    }
    finished.sort_unstable();
    println!("tasks finished: {}", finished.join(" "));
}
// ANCHOR_END: main
