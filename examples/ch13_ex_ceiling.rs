//! Exercise: the priority ceiling protocol. Runs the Pathfinder tasks of
//! `ch13_priority_inversion` under the three protocols of the simulator and prints, for
//! each, when the high task finished and how many ticks it spent waiting for the mutex.

use std::process::ExitCode;

mod ch13_common;

use ch13_common::cli;
use ch13_common::sim::{pathfinder, simulate, Protocol, Tick};

const USAGE: &str = "\
usage: ch13_ex_ceiling

Simulates the three Pathfinder tasks under no protocol, priority inheritance
and the priority ceiling, and prints the high task's response and its ticks
blocked on the mutex.
";

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: solution
    let tasks = pathfinder();
    let high = &tasks[0];
    for protocol in [Protocol::Plain, Protocol::Inheritance, Protocol::Ceiling] {
        let schedule = simulate(&tasks, protocol, 100);
        let lane: String = schedule.lanes[0].iter().map(|t| t.symbol()).collect();
        let blocked = schedule.lanes[0]
            .iter()
            .filter(|&&t| t == Tick::Blocked)
            .count();
        println!(
            "{:<12} high task {lane:<16} response {:>2} ticks, blocked on the mutex {blocked} ticks",
            format!("{protocol:?}:"),
            schedule.finished[0] - high.arrives,
        );
    }
    // ANCHOR_END: solution
    ExitCode::SUCCESS
}
