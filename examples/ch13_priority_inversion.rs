//! Priority inversion on one simulated processor, in the shape of the Mars Pathfinder
//! incident: a low-priority task holds a mutex that a high-priority task needs, and a
//! medium-priority task that needs no mutex keeps the low one from running. Without
//! priority inheritance the high task waits for the medium one; with it, it does not.

use std::process::ExitCode;

mod ch13_common;

use ch13_common::cli;
use ch13_common::sim::{check, pathfinder, simulate, Protocol, Schedule, Step, Task};

const USAGE: &str = "\
usage: ch13_priority_inversion

Simulates three tasks on one processor, in virtual time, without and with
priority inheritance, and prints each schedule and the high task's response;
then shows that the simulator refuses a task that ends holding the mutex.
";

/// Prints a schedule: one line per task, one character per tick.
fn show(tasks: &[Task], schedule: &Schedule) {
    let ticks = schedule.lanes[0].len();
    let ruler: String = (0..ticks)
        .map(|t| char::from(b'0' + (t % 10) as u8))
        .collect();
    println!("  {:<24} {ruler}", "tick");
    for (task, lane) in tasks.iter().zip(&schedule.lanes) {
        let line: String = lane.iter().map(|tick| tick.symbol()).collect();
        println!("  {:<24} {line}", task.name);
    }
}

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: main
    let tasks = pathfinder();
    println!("= runs, # runs holding the mutex, - ready, x waits for the mutex, . absent");
    for protocol in [Protocol::Plain, Protocol::Inheritance] {
        let schedule = simulate(&tasks, protocol, 100);
        println!("{protocol:?}:");
        show(&tasks, &schedule);
        let high = &tasks[0];
        println!(
            "  the high task arrived at tick {} and finished at tick {}: {} ticks for 3 ticks of work",
            high.arrives,
            schedule.finished[0],
            schedule.finished[0] - high.arrives
        );
    }
    // ANCHOR_END: main
    // ANCHOR: check
    // A task that ended while holding the mutex would leave every task that needs it
    // waiting for ever, and the schedule would be wrong without a word: refused.
    let careless = Task {
        name: "careless",
        priority: 1,
        arrives: 0,
        steps: vec![Step::Lock, Step::Run(2)],
    };
    match check(&[careless]) {
        Err(wrong) => println!("refused: {wrong}"),
        Ok(()) => println!("accepted a task that ends holding the mutex"),
    }
    // ANCHOR_END: check
    ExitCode::SUCCESS
}
