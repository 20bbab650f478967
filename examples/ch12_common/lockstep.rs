// Five philosophers whose clocks tick together. Each philosopher is a thread and each fork a
// `Mutex`; barriers divide time into ticks of three phases, so every run with the same
// back-off and seed makes the same moves:
//
//   1. a hungry philosopher who is not backing off picks up the left fork;
//   2. a philosopher who holds the left fork tries the right one with `try_lock`: with it,
//      the philosopher eats; without it, that is a failed attempt;
//   3. everyone puts down what they hold. An eater thinks for one tick and is hungry
//      again; a philosopher who failed backs off for some ticks before trying again.
//
// Forks are only ever held between phases 1 and 3, so in phase 1 every fork is free, and in
// phase 2 philosopher i's right fork is taken exactly when philosopher i + 1 picked up a left
// fork in the same tick.

use std::sync::{Barrier, Mutex};
use std::thread;

pub const PHILOSOPHERS: usize = 5;

/// How long a philosopher who failed waits before trying again.
#[derive(Clone, Copy)]
pub enum Backoff {
    /// Always the same number of ticks.
    Fixed(u32),
    /// A number of ticks drawn from 0..=max by a generator seeded with `seed + i` for
    /// philosopher i.
    Random { max: u32, seed: u64 },
}

/// What one philosopher did in one tick.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Move {
    /// Thinking, or backing off: no fork touched.
    Idle,
    /// Picked up the left fork, found the right one taken, put the left one down.
    Failed,
    /// Held both forks and ate.
    Ate,
}

/// The whole run: `moves[p][t]` is what philosopher p did in tick t.
pub struct Run {
    pub moves: Vec<Vec<Move>>,
}

impl Run {
    pub fn meals(&self, p: usize) -> usize {
        self.moves[p].iter().filter(|m| **m == Move::Ate).count()
    }
    pub fn attempts(&self, p: usize) -> usize {
        self.moves[p].iter().filter(|m| **m != Move::Idle).count()
    }
}

// ANCHOR: philosopher
fn philosopher(
    me: usize,
    ticks: usize,
    forks: &[Mutex<()>],
    phase: &Barrier,
    backoff: Backoff,
) -> Vec<Move> {
    let left = &forks[me];
    let right = &forks[(me + 1) % forks.len()];
    let mut rng = match backoff {
        Backoff::Random { seed, .. } => fastrand::Rng::with_seed(seed + me as u64),
        Backoff::Fixed(_) => fastrand::Rng::with_seed(0),
    };
    let mut rest = 0; // ticks to wait before the next attempt
    let mut moves = Vec::with_capacity(ticks);
    for _ in 0..ticks {
        let trying = rest == 0;
        // Phase 1: pick up the left fork (it is always free at this point).
        let left_fork = if trying { left.try_lock().ok() } else { None };
        phase.wait();
        // Phase 2: the right fork, without waiting for it.
        let right_fork = if trying { right.try_lock().ok() } else { None };
        let this_tick = match (&left_fork, &right_fork) {
            (Some(_), Some(_)) => Move::Ate,
            (Some(_), None) => Move::Failed,
            _ => Move::Idle,
        };
        phase.wait();
        // Phase 3: put the forks down, and decide when to try again.
        drop(right_fork);
        drop(left_fork);
        rest = match this_tick {
            Move::Ate => 1, // one tick of thinking
            Move::Failed => match backoff {
                Backoff::Fixed(ticks) => ticks,
                Backoff::Random { max, .. } => rng.u32(0..=max),
            },
            Move::Idle => rest.saturating_sub(1),
        };
        moves.push(this_tick);
        phase.wait();
    }
    moves
}
// ANCHOR_END: philosopher

/// Runs five philosophers in lock step for `ticks` ticks.
pub fn run(ticks: usize, backoff: Backoff) -> Run {
    let forks: Vec<Mutex<()>> = (0..PHILOSOPHERS).map(|_| Mutex::new(())).collect();
    let phase = Barrier::new(PHILOSOPHERS);
    let moves = thread::scope(|s| {
        let handles: Vec<_> = (0..PHILOSOPHERS)
            .map(|me| {
                let (forks, phase) = (&forks, &phase);
                thread::Builder::new()
                    .spawn_scoped(s, move || philosopher(me, ticks, forks, phase, backoff))
                    .unwrap_or_else(|e| {
                        // The others would wait at the barrier for this one for good.
                        eprintln!("error: cannot start a thread: {e}");
                        std::process::exit(1)
                    })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a philosopher panicked"))
            .collect()
    });
    Run { moves }
}
