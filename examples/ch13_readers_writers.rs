//! The three readers-writers problems, each solved with a `Mutex` and a `Condvar`, under the
//! same load: four readers that read without pause and two writers that come back soon after
//! each write. For each solution: accesses per second and each side's waits.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

mod ch13_common;

use ch13_common::load::{self, ReadWrite};
use ch13_common::{cli, stats};

const USAGE: &str = "\
usage: ch13_readers_writers [SECONDS]

Runs the readers-writers load for SECONDS (default 3) on each of three locks
built from a Mutex and a Condvar: readers first, writers first, and first come,
first served. Prints accesses per second and the waits of each side.
";

/// Waits on `changed` while `blocked` holds, but not past `deadline`. Returns the guard
/// and whether the wait ended because the condition cleared (`true`) or at the deadline.
fn wait_until<'a, S>(
    changed: &Condvar,
    guard: MutexGuard<'a, S>,
    deadline: Instant,
    blocked: impl FnMut(&mut S) -> bool,
) -> (MutexGuard<'a, S>, bool) {
    let left = deadline.saturating_duration_since(Instant::now());
    let (guard, result) = changed
        .wait_timeout_while(guard, left, blocked)
        .unwrap_or_else(PoisonError::into_inner);
    (guard, !result.timed_out())
}

// ANCHOR: readers_first
/// The first readers-writers problem: no reader waits while the lock is held for reading.
/// A writer gets in only when the count of readers falls to zero.
#[derive(Default)]
struct ReadersFirst {
    state: Mutex<Readers>,
    changed: Condvar,
}

#[derive(Default)]
struct Readers {
    reading: usize,
    writing: bool,
}

impl ReadWrite for ReadersFirst {
    fn read(&self, deadline: Instant, read: impl FnOnce()) -> bool {
        let state = self.state.lock().unwrap();
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| s.writing);
        if !got {
            return false;
        }
        state.reading += 1;
        drop(state);
        read();
        let mut state = self.state.lock().unwrap();
        state.reading -= 1;
        if state.reading == 0 {
            self.changed.notify_all();
        }
        true
    }

    fn write(&self, deadline: Instant, write: impl FnOnce()) -> bool {
        let state = self.state.lock().unwrap();
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| {
            s.writing || s.reading > 0
        });
        if !got {
            return false;
        }
        state.writing = true;
        drop(state);
        write();
        self.state.lock().unwrap().writing = false;
        self.changed.notify_all();
        true
    }
}
// ANCHOR_END: readers_first

// ANCHOR: others
// ANCHOR: writers_first
/// The second problem: once a writer is waiting, no new reader gets in.
#[derive(Default)]
struct WritersFirst {
    state: Mutex<Writers>,
    changed: Condvar,
}

#[derive(Default)]
struct Writers {
    reading: usize,
    writing: bool,
    writers_waiting: usize,
}

impl ReadWrite for WritersFirst {
    fn read(&self, deadline: Instant, read: impl FnOnce()) -> bool {
        let state = self.state.lock().unwrap();
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| {
            s.writing || s.writers_waiting > 0
        });
        if !got {
            return false;
        }
        state.reading += 1;
        drop(state);
        read();
        let mut state = self.state.lock().unwrap();
        state.reading -= 1;
        if state.reading == 0 {
            self.changed.notify_all();
        }
        true
    }

    fn write(&self, deadline: Instant, write: impl FnOnce()) -> bool {
        let mut state = self.state.lock().unwrap();
        state.writers_waiting += 1;
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| {
            s.writing || s.reading > 0
        });
        state.writers_waiting -= 1;
        if !got {
            // Readers held back for this writer may go now.
            self.changed.notify_all();
            return false;
        }
        state.writing = true;
        drop(state);
        write();
        self.state.lock().unwrap().writing = false;
        self.changed.notify_all();
        true
    }
}
// ANCHOR_END: writers_first

// ANCHOR: fair
/// The third problem: first come, first served. Each arrival takes a ticket and enters in
/// ticket order; readers in a row share the lock, a writer waits for the readers ahead of it
/// to leave, and everyone behind a writer waits for it.
#[derive(Default)]
struct FirstComeFirstServed {
    state: Mutex<Tickets>,
    changed: Condvar,
}

#[derive(Default)]
struct Tickets {
    next: u64,
    serving: u64,
    reading: usize,
    writing: bool,
    /// Tickets whose holders stopped waiting: skipped when their turn comes.
    abandoned: BTreeSet<u64>,
}

impl Tickets {
    fn next_turn(&mut self) {
        self.serving += 1;
        while self.abandoned.remove(&self.serving) {
            self.serving += 1;
        }
    }

    /// Leaves the line without entering, so that nobody behind waits for this ticket.
    fn abandon(&mut self, ticket: u64) {
        if self.serving == ticket {
            self.next_turn();
        } else {
            self.abandoned.insert(ticket);
        }
    }
}

impl ReadWrite for FirstComeFirstServed {
    fn read(&self, deadline: Instant, read: impl FnOnce()) -> bool {
        let mut state = self.state.lock().unwrap();
        let ticket = state.next;
        state.next += 1;
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| {
            s.serving != ticket || s.writing
        });
        if !got {
            state.abandon(ticket);
            self.changed.notify_all();
            return false;
        }
        state.reading += 1;
        state.next_turn();
        drop(state);
        // The next ticket may be a reader, who can come in beside this one.
        self.changed.notify_all();
        read();
        let mut state = self.state.lock().unwrap();
        state.reading -= 1;
        if state.reading == 0 {
            self.changed.notify_all();
        }
        true
    }

    fn write(&self, deadline: Instant, write: impl FnOnce()) -> bool {
        let mut state = self.state.lock().unwrap();
        let ticket = state.next;
        state.next += 1;
        let (mut state, got) = wait_until(&self.changed, state, deadline, |s| {
            s.serving != ticket || s.writing || s.reading > 0
        });
        if !got {
            state.abandon(ticket);
            self.changed.notify_all();
            return false;
        }
        state.writing = true;
        state.next_turn();
        drop(state);
        write();
        self.state.lock().unwrap().writing = false;
        self.changed.notify_all();
        true
    }
}
// ANCHOR_END: fair
// ANCHOR_END: others

// ANCHOR: main
fn main() -> ExitCode {
    let run_for = match cli::seconds(USAGE, 3.0) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    println!(
        "{} readers read without pause, {} writers rest {:?} between writes; \
         each access holds the lock {:?}; {:.1} s per lock",
        load::READERS,
        load::WRITERS,
        load::WRITER_PAUSE,
        load::READ_TIME,
        run_for.as_secs_f64()
    );
    println!("{}", stats::header("lock"));
    let mut verdicts = Vec::new();
    let mut overlaps = 0;
    let mut measure = |name: &'static str, report: load::Report| {
        println!("{}", report.readers.row(name, "readers", report.seconds));
        println!("{}", report.writers.row(name, "writers", report.seconds));
        verdicts.push((
            name,
            stats::verdict("readers", &report.readers, "writers", &report.writers),
        ));
        overlaps += report.overlaps;
    };
    measure(
        "readers first",
        load::run(&ReadersFirst::default(), run_for),
    );
    measure(
        "writers first",
        load::run(&WritersFirst::default(), run_for),
    );
    measure(
        "first come first served",
        load::run(&FirstComeFirstServed::default(), run_for),
    );
    for (name, verdict) in verdicts {
        println!("{name}: {verdict}");
    }
    println!("accesses that overlapped a write: {overlaps}");
    ExitCode::SUCCESS
}
// ANCHOR_END: main
