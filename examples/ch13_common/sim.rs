// A one-processor scheduler in virtual time, for chapter 13's priority inversion: tasks
// with fixed priorities, one mutex, and a choice of what the mutex does for the task that
// holds it. Every tick, the ready task of highest priority runs; nothing here reads a clock,
// so every run prints the same schedule.

use std::cmp::Reverse;

// ANCHOR: model
/// What a task does next: compute for some ticks, or take or release the one mutex
/// (which takes no time).
#[derive(Clone, Copy)]
pub enum Step {
    Run(u32),
    Lock,
    Unlock,
}

pub struct Task {
    pub name: &'static str,
    /// Higher runs first.
    pub priority: u32,
    pub arrives: u32,
    pub steps: Vec<Step>,
}

/// What the mutex does for the priority of the task that holds it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    /// Nothing: the holder keeps its own priority.
    Plain,
    /// Priority inheritance: while a task waits for the mutex, the holder runs at the
    /// waiter's priority, if that is higher than its own.
    Inheritance,
    /// Priority ceiling: whoever holds the mutex runs at the highest priority of all the
    /// tasks that ever take it, from the moment it takes it.
    Ceiling,
}
// ANCHOR_END: model

// ANCHOR: tasks
/// The three tasks, named after their counterparts on Pathfinder.
pub fn pathfinder() -> Vec<Task> {
    vec![
        Task {
            name: "high   (bus manager)",
            priority: 3,
            arrives: 2,
            steps: vec![Step::Lock, Step::Run(2), Step::Unlock, Step::Run(1)],
        },
        Task {
            name: "medium (communications)",
            priority: 2,
            arrives: 3,
            steps: vec![Step::Run(8)],
        },
        Task {
            name: "low    (weather data)",
            priority: 1,
            arrives: 0,
            steps: vec![Step::Lock, Step::Run(4), Step::Unlock, Step::Run(1)],
        },
    ]
}
// ANCHOR_END: tasks

/// What one task did in one tick.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    Absent,
    Running,
    RunningLocked,
    Ready,
    Blocked,
}

impl Tick {
    pub fn symbol(self) -> char {
        match self {
            Tick::Absent => '.',
            Tick::Running => '=',
            Tick::RunningLocked => '#',
            Tick::Ready => '-',
            Tick::Blocked => 'x',
        }
    }
}

pub struct Schedule {
    /// For each task, what it did in each tick.
    pub lanes: Vec<Vec<Tick>>,
    /// For each task, the tick at whose end it finished.
    pub finished: Vec<u32>,
}

struct State {
    step: usize,
    left_in_step: u32,
    blocked: bool,
}

/// Checks that the scheduler below can run `tasks` as written: a task has steps and ends
/// with a run, a run takes at least one tick, a lock is followed by a run, an unlock comes
/// at the end of the run before it, a task unlocks only the mutex it holds and never locks
/// it twice (a non-reentrant mutex would wait for itself for ever), and a task releases the
/// mutex before it ends (or every task that needs it would wait for ever).
pub fn check(tasks: &[Task]) -> Result<(), String> {
    for task in tasks {
        let name = task.name;
        if !matches!(task.steps.last(), Some(Step::Run(_) | Step::Unlock)) {
            return Err(format!(
                "{name}: a task must end with a Run step, or an Unlock after one"
            ));
        }
        let mut held = false;
        for (k, step) in task.steps.iter().enumerate() {
            let wrong = match step {
                Step::Run(0) => "a Run step must last at least one tick",
                Step::Lock if held => "a Lock step while it holds the mutex",
                Step::Lock if !matches!(task.steps.get(k + 1), Some(Step::Run(_))) => {
                    "a Lock step must be followed by a Run step"
                }
                Step::Unlock if !held => "an Unlock step must follow a Lock",
                Step::Unlock if !matches!(task.steps[k - 1], Step::Run(_)) => {
                    "an Unlock step must follow a Run step"
                }
                _ => "",
            };
            if !wrong.is_empty() {
                return Err(format!("{name}: {wrong}"));
            }
            match step {
                Step::Lock => held = true,
                Step::Unlock => held = false,
                Step::Run(_) => {}
            }
        }
        if held {
            return Err(format!("{name}: the task ends holding the mutex"));
        }
    }
    Ok(())
}

// ANCHOR: simulate
/// Runs the tasks on one processor until all have finished, or for `horizon` ticks.
/// Panics with `check`'s message if the tasks break one of its rules.
pub fn simulate(tasks: &[Task], protocol: Protocol, horizon: u32) -> Schedule {
    if let Err(wrong) = check(tasks) {
        panic!("{wrong}");
    }
    // The ceiling: the highest priority of any task that takes the mutex.
    let ceiling = tasks
        .iter()
        .filter(|t| t.steps.iter().any(|s| matches!(s, Step::Lock)))
        .map(|t| t.priority)
        .max()
        .unwrap_or(0);
    let mut state: Vec<State> = tasks
        .iter()
        .map(|t| State {
            step: 0,
            left_in_step: first_run(&t.steps, 0),
            blocked: false,
        })
        .collect();
    let mut holder: Option<usize> = None;
    let mut last: Option<usize> = None;
    let mut lanes = vec![Vec::new(); tasks.len()];
    let mut finished = vec![None; tasks.len()];
    for now in 0..horizon {
        if finished.iter().all(Option::is_some) {
            break;
        }
        // Lock steps take no time: pick again until a task computes for this tick.
        let mut ran = None;
        // Who waited for the mutex during this tick, before an unlock at its end.
        let mut blocked: Vec<bool> = Vec::new();
        loop {
            let effective = |i: usize| -> u32 {
                let own = tasks[i].priority;
                if holder != Some(i) {
                    return own;
                }
                match protocol {
                    Protocol::Plain => own,
                    Protocol::Ceiling => own.max(ceiling),
                    Protocol::Inheritance => (0..tasks.len())
                        .filter(|&w| state[w].blocked)
                        .map(|w| tasks[w].priority)
                        .fold(own, u32::max),
                }
            };
            // The ready task of highest priority; on a tie, the one that ran last keeps
            // the processor, then the one that arrived first.
            let pick = (0..tasks.len())
                .filter(|&i| tasks[i].arrives <= now && finished[i].is_none() && !state[i].blocked)
                .max_by_key(|&i| (effective(i), last == Some(i), Reverse(tasks[i].arrives)));
            let Some(i) = pick else { break };
            match tasks[i].steps[state[i].step] {
                Step::Lock if holder.is_some() => state[i].blocked = true,
                Step::Lock => {
                    holder = Some(i);
                    advance(&mut state[i], &tasks[i].steps);
                }
                Step::Unlock => unreachable!("checked above: an unlock follows its run"),
                Step::Run(_) => {
                    ran = Some((i, holder == Some(i)));
                    blocked = state.iter().map(|s| s.blocked).collect();
                    state[i].left_in_step -= 1;
                    if state[i].left_in_step == 0 {
                        advance(&mut state[i], &tasks[i].steps);
                        // The unlock happens at the end of the run that precedes it.
                        while let Some(Step::Unlock) = tasks[i].steps.get(state[i].step) {
                            holder = None;
                            // Every waiter tries again; the scheduler picks among them.
                            state.iter_mut().for_each(|s| s.blocked = false);
                            advance(&mut state[i], &tasks[i].steps);
                        }
                    }
                    if state[i].step >= tasks[i].steps.len() {
                        finished[i] = Some(now + 1);
                    }
                    break;
                }
            }
        }
        if ran.is_none() {
            blocked = state.iter().map(|s| s.blocked).collect();
        }
        for (i, lane) in lanes.iter_mut().enumerate() {
            lane.push(match ran {
                Some((r, true)) if r == i => Tick::RunningLocked,
                Some((r, false)) if r == i => Tick::Running,
                _ if tasks[i].arrives > now || finished[i].is_some_and(|f| f <= now) => {
                    Tick::Absent
                }
                _ if blocked[i] => Tick::Blocked,
                _ => Tick::Ready,
            });
        }
        last = ran.map(|(i, _)| i).or(last);
    }
    Schedule {
        lanes,
        finished: finished.into_iter().map(|f| f.unwrap_or(horizon)).collect(),
    }
}
// ANCHOR_END: simulate

fn first_run(steps: &[Step], at: usize) -> u32 {
    match steps.get(at) {
        Some(Step::Run(n)) => *n,
        _ => 0,
    }
}

fn advance(state: &mut State, steps: &[Step]) {
    state.step += 1;
    state.left_in_step = first_run(steps, state.step);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(steps: Vec<Step>) -> Vec<Task> {
        vec![Task {
            name: "t",
            priority: 1,
            arrives: 0,
            steps,
        }]
    }

    #[test]
    fn pathfinder_is_accepted() {
        assert_eq!(check(&pathfinder()), Ok(()));
    }

    #[test]
    fn a_task_that_ends_holding_the_mutex_is_rejected() {
        let wrong = check(&task(vec![Step::Lock, Step::Run(2)]));
        assert_eq!(wrong, Err("t: the task ends holding the mutex".to_string()));
    }

    #[test]
    fn malformed_steps_are_rejected() {
        assert!(check(&task(vec![Step::Run(0)])).is_err());
        assert!(check(&task(vec![Step::Lock, Step::Lock, Step::Run(1)])).is_err());
        assert!(check(&task(vec![Step::Run(1), Step::Unlock])).is_err());
        assert!(check(&task(vec![Step::Lock, Step::Unlock])).is_err());
        assert!(check(&task(vec![Step::Lock])).is_err());
    }
}
