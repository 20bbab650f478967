//! Chapter 3's priority queue under a steady stream of urgent work: eight urgent jobs that
//! queue themselves again each time they run, two workers, and a routine job every 5 ms.
//! Ranked by urgency alone, the routine jobs wait for ever; with ageing they are served.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::process::ExitCode;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod ch13_common;

use ch13_common::stats::Side;
use ch13_common::{cli, stats};

const USAGE: &str = "\
usage: ch13_ageing [SECONDS]

Runs two workers on a priority queue for SECONDS (default 3) under each of two
rankings, by urgency and by urgency with ageing, and prints the waits of the
urgent and the routine jobs.
";

const WORKERS: usize = 2;
const URGENT_JOBS: usize = 8;
const JOB_TIME: Duration = Duration::from_millis(1);
const ROUTINE_EVERY: Duration = Duration::from_millis(5);
/// With ageing, the head start an urgent job has over a routine one.
const HEAD_START: Duration = Duration::from_millis(20);

// ANCHOR: queue
/// Chapter 3's queue (`examples/ch03_priority_queue.rs`), cut down to what this program
/// uses: the highest priority first, and among equals the first pushed.
struct PriorityQueue<P, T> {
    state: Mutex<State<P, T>>,
    changed: Condvar,
}

struct State<P, T> {
    heap: BinaryHeap<Entry<P, T>>,
    pushed: u64,
    closed: bool,
}

impl<P: Ord, T> PriorityQueue<P, T> {
    fn new() -> Self {
        let state = State {
            heap: BinaryHeap::new(),
            pushed: 0,
            closed: false,
        };
        PriorityQueue {
            state: Mutex::new(state),
            changed: Condvar::new(),
        }
    }

    fn push(&self, priority: P, item: T) {
        let mut state = self.state.lock().unwrap();
        let order = Reverse(state.pushed);
        state.pushed += 1;
        state.heap.push(Entry {
            priority,
            order,
            item,
        });
        drop(state);
        self.changed.notify_one();
    }

    /// The best item, waiting while the queue is empty and open; `None` once closed and empty.
    fn pop(&self) -> Option<T> {
        let state = self.state.lock().unwrap();
        let mut state = self
            .changed
            .wait_while(state, |s| s.heap.is_empty() && !s.closed)
            .unwrap();
        state.heap.pop().map(|entry| entry.item)
    }

    fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.changed.notify_all();
    }
}

struct Entry<P, T> {
    priority: P,
    order: Reverse<u64>,
    item: T,
}

impl<P: Ord, T> Ord for Entry<P, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.priority, self.order).cmp(&(&other.priority, other.order))
    }
}

impl<P: Ord, T> PartialOrd for Entry<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<P: Ord, T> PartialEq for Entry<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<P: Ord, T> Eq for Entry<P, T> {}
// ANCHOR_END: queue

// ANCHOR: ranking
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Urgency {
    Routine,
    Urgent,
}

struct Job {
    urgency: Urgency,
    pushed: Instant,
}

/// The rank of a job in the queue: larger is served first.
#[derive(Clone, Copy)]
enum Ranking {
    /// Urgent before routine, whatever their age.
    ByUrgency,
    /// A job's priority grows with its age, and an urgent job starts `HEAD_START` ahead.
    /// Growing at the same rate for every job, it ranks jobs like an earliest-deadline
    /// rule: the key is the time of the push, less the head start, smallest first.
    Ageing,
}

impl Ranking {
    fn rank(self, job: &Job, start: Instant) -> (Urgency, Reverse<Duration>) {
        match self {
            Ranking::ByUrgency => (job.urgency, Reverse(Duration::ZERO)),
            Ranking::Ageing => {
                let since_start = job.pushed - start;
                let key = match job.urgency {
                    Urgency::Urgent => since_start,
                    Urgency::Routine => since_start + HEAD_START,
                };
                // One rank for all, so that age alone decides.
                (Urgency::Routine, Reverse(key))
            }
        }
    }
}
// ANCHOR_END: ranking

// ANCHOR: run
fn run(ranking: Ranking, run_for: Duration) -> (Side, Side, f64) {
    let queue = PriorityQueue::new();
    let start = Instant::now();
    let deadline = start + run_for;
    let push = |urgency| {
        let job = Job {
            urgency,
            pushed: Instant::now(),
        };
        queue.push(ranking.rank(&job, start), job);
    };
    for _ in 0..URGENT_JOBS {
        push(Urgency::Urgent);
    }
    let (mut urgent, mut routine) = thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    let (mut urgent, mut routine) = (Side::default(), Side::default());
                    while let Some(job) = queue.pop() {
                        let side = match job.urgency {
                            Urgency::Urgent => &mut urgent,
                            Urgency::Routine => &mut routine,
                        };
                        side.waits.push(job.pushed.elapsed());
                        side.done += 1;
                        thread::sleep(JOB_TIME);
                        // An urgent job is periodic: it queues itself again after each run.
                        if job.urgency == Urgency::Urgent && Instant::now() < deadline {
                            push(Urgency::Urgent);
                        }
                        if Instant::now() >= deadline {
                            break;
                        }
                    }
                    (urgent, routine)
                })
            })
            .collect();
        // The routine jobs arrive at a steady pace until the deadline.
        while Instant::now() < deadline {
            push(Urgency::Routine);
            thread::sleep(ROUTINE_EVERY);
        }
        // No worker can then wait for ever on an empty queue.
        queue.close();
        let (mut urgent, mut routine) = (Side::default(), Side::default());
        for worker in workers {
            let (u, r) = worker.join().expect("a worker panicked");
            urgent.merge(u);
            routine.merge(r);
        }
        (urgent, routine)
    });
    // What is still queued at the end has waited since its push, and is counted so.
    while let Some(job) = queue.pop() {
        let side = match job.urgency {
            Urgency::Urgent => &mut urgent,
            Urgency::Routine => &mut routine,
        };
        side.waits.push(job.pushed.elapsed());
    }
    (urgent, routine, start.elapsed().as_secs_f64())
}
// ANCHOR_END: run

fn main() -> ExitCode {
    let run_for = match cli::seconds(USAGE, 3.0) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    println!(
        "{WORKERS} workers, {URGENT_JOBS} periodic urgent jobs, a routine job every {:?}, \
         {:?} per job; {:.1} s per ranking",
        ROUTINE_EVERY,
        JOB_TIME,
        run_for.as_secs_f64()
    );
    println!("{}", stats::header("ranking"));
    let mut verdicts = Vec::new();
    for (name, ranking) in [
        ("by urgency", Ranking::ByUrgency),
        ("with ageing", Ranking::Ageing),
    ] {
        let (urgent, routine, seconds) = run(ranking, run_for);
        println!("{}", urgent.row(name, "urgent", seconds));
        println!("{}", routine.row(name, "routine", seconds));
        verdicts.push((
            name,
            stats::verdict("urgent jobs", &urgent, "routine jobs", &routine),
        ));
    }
    for (name, verdict) in verdicts {
        println!("{name}: {verdict}");
    }
    ExitCode::SUCCESS
}
