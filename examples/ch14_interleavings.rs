//! Every interleaving of two threads' steps, enumerated: the same small machine as the
//! interleaving explorer in chapter 14's page, run on the same presets. For each preset it
//! prints how many interleavings there are, the final values they reach, and how many end
//! with a value that neither serial order (all of A, then all of B, or the reverse) gives.

use std::collections::BTreeMap;
use std::fmt;
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch14_interleavings

Enumerates every interleaving of two threads, A and B, for each of the chapter's presets
(the split counter, the locked counter, fetch_add, check-then-act with one and with two
critical sections), and prints the final values and how many interleavings give a value
that no serial order gives.
";

// ANCHOR: steps
/// One step of a thread. `load` copies the shared value into the thread's register,
/// `store` copies the register back; `add` and `sub` change only the register.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Step {
    Load,
    Add(i64),
    Sub(i64),
    Store,
    Lock,
    Unlock,
    /// Adds to the shared value in one indivisible step.
    FetchAdd(i64),
    /// Ends the thread (releasing the lock, as a dropped guard does) unless the
    /// register holds at least this much.
    CheckAtLeast(i64),
}
// ANCHOR_END: steps

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Step::Load => write!(f, "load"),
            Step::Add(n) => write!(f, "add {n}"),
            Step::Sub(n) => write!(f, "sub {n}"),
            Step::Store => write!(f, "store"),
            Step::Lock => write!(f, "lock"),
            Step::Unlock => write!(f, "unlock"),
            Step::FetchAdd(n) => write!(f, "fetch_add {n}"),
            Step::CheckAtLeast(n) => write!(f, "check >= {n}"),
        }
    }
}

/// Where the two threads and the shared memory are, between two steps.
#[derive(Clone)]
struct State {
    shared: i64,
    lock_holder: Option<usize>,
    pc: [usize; 2],
    register: [i64; 2],
    done: [bool; 2],
}

// ANCHOR: machine
impl State {
    fn new(start: i64, threads: &[Vec<Step>; 2]) -> State {
        let mut state = State {
            shared: start,
            lock_holder: None,
            pc: [0, 0],
            register: [0, 0],
            done: [false, false],
        };
        for t in 0..2 {
            state.finish_if_at_end(t, threads);
        }
        state
    }

    /// A thread can take its next step unless it has ended or waits for the lock.
    fn can_run(&self, t: usize, threads: &[Vec<Step>; 2]) -> bool {
        if self.done[t] {
            return false;
        }
        let waits_for_lock = threads[t][self.pc[t]] == Step::Lock && self.lock_holder.is_some();
        !waits_for_lock
    }

    fn run(&mut self, t: usize, threads: &[Vec<Step>; 2]) {
        match threads[t][self.pc[t]] {
            Step::Load => self.register[t] = self.shared,
            Step::Add(n) => self.register[t] += n,
            Step::Sub(n) => self.register[t] -= n,
            Step::Store => self.shared = self.register[t],
            Step::Lock => self.lock_holder = Some(t),
            // Like dropping a guard: only the holder can release the lock.
            Step::Unlock if self.lock_holder == Some(t) => self.lock_holder = None,
            Step::Unlock => {}
            Step::FetchAdd(n) => self.shared += n,
            Step::CheckAtLeast(n) => {
                if self.register[t] < n {
                    self.end(t);
                    return;
                }
            }
        }
        self.pc[t] += 1;
        self.finish_if_at_end(t, threads);
    }

    fn finish_if_at_end(&mut self, t: usize, threads: &[Vec<Step>; 2]) {
        if self.pc[t] == threads[t].len() {
            self.end(t);
        }
    }

    /// A thread that ends releases the lock it holds.
    fn end(&mut self, t: usize) {
        self.done[t] = true;
        if self.lock_holder == Some(t) {
            self.lock_holder = None;
        }
    }
}
// ANCHOR_END: machine

/// How one complete schedule ended: `None` when both threads wait forever.
type Ending = Option<i64>;

// ANCHOR: enumerate
/// Every schedule from `state`, depth first, A's step tried before B's.
/// `path` is the schedule so far: which thread ran each step.
fn enumerate(
    state: &State,
    threads: &[Vec<Step>; 2],
    path: &mut Vec<usize>,
    found: &mut Vec<(Vec<usize>, Ending)>,
) {
    if state.done == [true, true] {
        found.push((path.clone(), Some(state.shared)));
        return;
    }
    let runnable: Vec<usize> = (0..2).filter(|&t| state.can_run(t, threads)).collect();
    if runnable.is_empty() {
        found.push((path.clone(), None));
    }
    for t in runnable {
        let mut next = state.clone();
        next.run(t, threads);
        path.push(t);
        enumerate(&next, threads, path, found);
        path.pop();
    }
}
// ANCHOR_END: enumerate

/// The final value when the threads run one after the other, in `order`.
fn serial(start: i64, threads: &[Vec<Step>; 2], order: [usize; 2]) -> Ending {
    let mut state = State::new(start, threads);
    for t in order {
        while state.can_run(t, threads) {
            state.run(t, threads);
        }
    }
    (state.done == [true, true]).then_some(state.shared)
}

struct Preset {
    name: &'static str,
    start: i64,
    threads: [Vec<Step>; 2],
}

fn presets() -> Vec<Preset> {
    use Step::*;
    let same = |steps: Vec<Step>| [steps.clone(), steps];
    vec![
        Preset {
            name: "split counter",
            start: 0,
            threads: same(vec![Load, Add(1), Store]),
        },
        Preset {
            name: "locked counter",
            start: 0,
            threads: same(vec![Lock, Load, Add(1), Store, Unlock]),
        },
        Preset {
            name: "fetch_add counter",
            start: 0,
            threads: same(vec![FetchAdd(1)]),
        },
        Preset {
            name: "check, then act",
            start: 100,
            threads: same(vec![
                Lock,
                Load,
                CheckAtLeast(100),
                Unlock,
                Lock,
                Load,
                Sub(100),
                Store,
                Unlock,
            ]),
        },
        Preset {
            name: "check and act under one lock",
            start: 100,
            threads: same(vec![Lock, Load, CheckAtLeast(100), Sub(100), Store, Unlock]),
        },
    ]
}

fn list(steps: &[Step]) -> String {
    steps
        .iter()
        .map(Step::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(ending: Ending) -> String {
    ending.map_or("stuck".to_string(), |v| v.to_string())
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    for preset in presets() {
        let threads = &preset.threads;
        println!(
            "{}: start {}; A: {}; B: {}",
            preset.name,
            preset.start,
            list(&threads[0]),
            list(&threads[1])
        );
        let mut found = Vec::new();
        enumerate(
            &State::new(preset.start, threads),
            threads,
            &mut Vec::new(),
            &mut found,
        );
        let mut endings: BTreeMap<Ending, usize> = BTreeMap::new();
        for (_, ending) in &found {
            *endings.entry(*ending).or_default() += 1;
        }
        let serial_endings = [
            serial(preset.start, threads, [0, 1]),
            serial(preset.start, threads, [1, 0]),
        ];
        let finals: Vec<String> = endings
            .iter()
            .map(|(ending, count)| format!("{} ({count})", describe(*ending)))
            .collect();
        println!(
            "  {} interleavings; final values: {}; one thread after the other gives {}",
            found.len(),
            finals.join(", "),
            describe(serial_endings[0])
                + &if serial_endings[1] == serial_endings[0] {
                    String::new()
                } else {
                    format!(" or {}", describe(serial_endings[1]))
                }
        );
        let wrong: Vec<(usize, &Vec<usize>)> = found
            .iter()
            .enumerate()
            .filter(|(_, (_, ending))| !serial_endings.contains(ending))
            .map(|(i, (path, _))| (i + 1, path))
            .collect();
        print!("  {} of {} give another result", wrong.len(), found.len());
        match wrong.first() {
            None => println!(),
            Some((number, path)) => {
                let mut pc = [0, 0];
                let steps: Vec<String> = path
                    .iter()
                    .map(|&t| {
                        pc[t] += 1;
                        format!("{} {}", ["A", "B"][t], threads[t][pc[t] - 1])
                    })
                    .collect();
                println!("; the first is number {number}: {}", steps.join(", "));
            }
        }
    }
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
