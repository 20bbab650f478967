//! The livelock of the dining philosophers: five philosophers who put their left fork down
//! when the right one is taken, and try again after a fixed back-off, in lock step. Then the
//! same with a random back-off. Both runs are bounded by a number of ticks, and both are the
//! same on every run.

mod ch12_common;

use std::process::ExitCode;

use ch12_common::cli::no_arguments;
use ch12_common::lockstep::{run, Backoff, Run, PHILOSOPHERS};

const TICKS: usize = 1000;

const USAGE: &str = "\
usage: ch12_livelock

Runs five lock-step philosophers for 1000 ticks who back off when their right fork is
taken: first for a fixed tick, then for a random 0 to 2 ticks (seeded, so every run is the
same), and counts attempts and meals.
";

fn report(label: &str, run: &Run) {
    let attempts: usize = (0..PHILOSOPHERS).map(|p| run.attempts(p)).sum();
    let meals: Vec<usize> = (0..PHILOSOPHERS).map(|p| run.meals(p)).collect();
    let total: usize = meals.iter().sum();
    println!("{label}: {attempts} attempts, {total} meals");
    let per: Vec<String> = meals.iter().map(usize::to_string).collect();
    println!("  meals per philosopher: {}", per.join(" "));
    if let Some(first) = (0..TICKS).find(|&t| {
        run.moves
            .iter()
            .any(|m| m[t] == ch12_common::lockstep::Move::Ate)
    }) {
        println!("  first meal in tick {first}");
    } else {
        println!("  nobody ate in {TICKS} ticks: a livelock, stopped by the bound");
    }
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    println!("{PHILOSOPHERS} philosophers in lock step for {TICKS} ticks");
    // ANCHOR: runs
    let fixed = run(TICKS, Backoff::Fixed(1));
    report("fixed back-off of 1 tick", &fixed);
    let random = run(TICKS, Backoff::Random { max: 2, seed: 12 });
    report("random back-off of 0 to 2 ticks", &random);
    // ANCHOR_END: runs
    ExitCode::SUCCESS
}
