//! Four producer-consumer queues at 1 and 2 threads, and what the bounded ones do when full.

mod ch16_common;

use ch16_common::cli;
use ch16_common::switches::Switches;
use ch16_common::timing::{rates, span_and_overlap, steal_seconds, timed_run, Rates, Run};
use crossbeam::channel;
use crossbeam::queue::{ArrayQueue, SegQueue};
use crossbeam::utils::Backoff;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ch16_queues [SECONDS]
Passes numbers through each queue for SECONDS (default 0.3) per run: on 1 thread in batches
of 512, then from a producer thread to a consumer thread, and checks that they arrive in
order. Prints millions of items per second, best and slowest of 3 runs, the 2-thread runs'
context switches, the deepest the queue got, the lowest share of a run that both threads'
windows covered and the machine's steal time; first shows what a full bounded queue does.
Last, the lock-based queue and its buggy twin with a producer that waits 1 microsecond
after each item, so that the consumer keeps finding the queue empty.
";

const CAPACITY: usize = 1024;
const BATCH: u64 = 512;
/// The value that tells the consumer the producer has finished.
const END: u64 = u64::MAX;
/// The producer publishes how many it has sent every `PUBLISH` items; the consumer reads
/// that every `SAMPLE` items, to see how deep the queue is.
const PUBLISH: u64 = 64;
const SAMPLE: u64 = 1024;
/// How long the paced producer of the last table waits after each item.
const PACE: Duration = Duration::from_micros(1);

// ANCHOR: queue
/// A queue as a producer and a consumer use it: `send` waits while the queue is full,
/// `recv` while it is empty.
trait Queue: Sync {
    fn send(&self, value: u64);
    fn recv(&self) -> u64;
}

/// Bounded, lock-free: `push` hands the value back when the queue is full, so we back off
/// (spin, then yield to the scheduler) and try again.
impl Queue for ArrayQueue<u64> {
    fn send(&self, mut value: u64) {
        let backoff = Backoff::new();
        while let Err(refused) = self.push(value) {
            value = refused;
            backoff.snooze();
        }
    }
    fn recv(&self) -> u64 {
        let backoff = Backoff::new();
        loop {
            match self.pop() {
                Some(value) => return value,
                None => backoff.snooze(),
            }
        }
    }
}

/// Unbounded, lock-free, a linked list of 31-slot blocks: `push` never fails.
impl Queue for SegQueue<u64> {
    fn send(&self, value: u64) {
        self.push(value);
    }
    fn recv(&self) -> u64 {
        let backoff = Backoff::new();
        loop {
            match self.pop() {
                Some(value) => return value,
                None => backoff.snooze(),
            }
        }
    }
}

/// Unbounded, one lock around a ring buffer that doubles when full.
impl Queue for Mutex<VecDeque<u64>> {
    fn send(&self, value: u64) {
        self.lock().unwrap().push_back(value);
    }
    fn recv(&self) -> u64 {
        let backoff = Backoff::new();
        loop {
            // The guard is a temporary of this statement: the lock is free again before
            // we back off.
            let popped = self.lock().unwrap().pop_front();
            match popped {
                Some(value) => return value,
                None => backoff.snooze(),
            }
        }
    }
}

/// The same queue with chapter 4's mistake: a `match` keeps the temporaries of its
/// scrutinee, the guard among them, until its end, so this backs off holding the lock.
struct LockHeldInBackoff(Mutex<VecDeque<u64>>);

impl Queue for LockHeldInBackoff {
    fn send(&self, value: u64) {
        self.0.lock().unwrap().push_back(value);
    }
    #[allow(clippy::significant_drop_in_scrutinee)]
    fn recv(&self) -> u64 {
        let backoff = Backoff::new();
        loop {
            match self.0.lock().unwrap().pop_front() {
                Some(value) => return value,
                None => backoff.snooze(), // still holding the lock
            }
        }
    }
}

/// Bounded channel: a full `send` and an empty `recv` put the thread to sleep until the
/// other side wakes it.
struct Channel(channel::Sender<u64>, channel::Receiver<u64>);

impl Queue for Channel {
    fn send(&self, value: u64) {
        self.0
            .send(value)
            .expect("the receiver lives as long as the sender");
    }
    fn recv(&self) -> u64 {
        self.1
            .recv()
            .expect("the sender lives as long as the receiver")
    }
}
// ANCHOR_END: queue

// ANCHOR: measure
/// One thread sends 512 values and receives them, batch after batch, for `budget`: the
/// queue is never full or empty, so nothing waits. Clears `in_order` if a value is wrong.
fn one_thread(queue: &dyn Queue, budget: Duration, in_order: &AtomicBool) -> Result<Run, String> {
    timed_run(1, budget, |_| {
        let mut next = 0;
        move || {
            (next..next + BATCH).for_each(|i| queue.send(i));
            for i in next..next + BATCH {
                if queue.recv() != i {
                    in_order.store(false, Relaxed);
                }
            }
            next += BATCH;
            BATCH
        }
    })
}

/// A producer thread sends for `budget`, then `END`, waiting `pace` (a spin on the clock)
/// after each item; this thread receives and checks the order. Also returns the deepest the
/// queue was seen (sampled every `SAMPLE` items).
fn two_threads(
    queue: &dyn Queue,
    budget: Duration,
    pace: Duration,
) -> Result<(Run, bool, u64), String> {
    let sent = AtomicU64::new(0);
    let steal_before = steal_seconds();
    thread::scope(|s| {
        let producer = thread::Builder::new()
            .spawn_scoped(s, || {
                // Sends `END` however the producer stops, a panic included, so the
                // consumer's loop below always ends.
                struct SendEnd<'a>(&'a dyn Queue);
                impl Drop for SendEnd<'_> {
                    fn drop(&mut self) {
                        self.0.send(END);
                    }
                }
                let _end = SendEnd(queue);
                let before = Switches::now();
                let start = Instant::now();
                let mut i = 0;
                while start.elapsed() < budget {
                    for i in i..i + PUBLISH {
                        queue.send(i);
                        if !pace.is_zero() {
                            let next = Instant::now() + pace;
                            while Instant::now() < next {
                                std::hint::spin_loop();
                            }
                        }
                    }
                    i += PUBLISH;
                    sent.store(i, Relaxed);
                }
                ((start, Instant::now()), i, Switches::now().since(before))
            })
            .map_err(|e| format!("could not start the producer: {e}"))?;
        let before = Switches::now();
        let consumer_start = Instant::now();
        let (mut received, mut in_order, mut deepest) = (0, true, 0);
        loop {
            let value = queue.recv();
            if value == END {
                break;
            }
            in_order &= value == received;
            received += 1;
            if received % SAMPLE == 0 {
                deepest = deepest.max(sent.load(Relaxed).saturating_sub(received));
            }
        }
        let end = Instant::now();
        let consumer = Switches::now().since(before);
        let (window, items, producer) = producer
            .join()
            .map_err(|_| "the producer panicked".to_string())?;
        let switches = Switches {
            slept: producer.slept + consumer.slept,
            preempted: producer.preempted + consumer.preempted,
        };
        let (elapsed, overlap) = span_and_overlap(&[window, (consumer_start, end)]);
        let run = Run {
            ops: items,
            elapsed,
            switches,
            overlap,
            steal: steal_seconds() - steal_before,
        };
        Ok((run, in_order && received == items, deepest))
    })
}
// ANCHOR_END: measure

fn main() -> ExitCode {
    let budget = match cli::seconds(USAGE, 0.3) {
        Ok(budget) => budget,
        Err(status) => return status,
    };
    // ANCHOR: full
    let small = ArrayQueue::new(2);
    let _ = (small.push(1), small.push(2));
    println!("ArrayQueue, capacity 2, holding 1 and 2:");
    println!("  push(3) -> {:?}", small.push(3));
    println!(
        "  force_push(3) -> {:?} (the oldest, displaced)",
        small.force_push(3)
    );
    let (sender, receiver) = channel::bounded(2);
    let _ = (sender.send(1), sender.send(2));
    println!("bounded channel, capacity 2, holding 1 and 2:");
    // Each error hands the value back; its message says why.
    let refused = sender
        .try_send(3)
        .map_err(|e| (e.to_string(), e.into_inner()));
    println!("  try_send(3) -> {refused:?}");
    let waited = sender
        .send_timeout(3, Duration::from_millis(10))
        .map_err(|e| (e.to_string(), e.into_inner()));
    println!("  send_timeout(3, 10 ms) -> {waited:?}");
    let _ = receiver.recv();
    println!(
        "  after one recv(), try_send(3) -> {:?}",
        sender.try_send(3)
    );
    // ANCHOR_END: full
    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "millions of items per second, best (slowest) of 3 runs of {:.2} s;",
        budget.as_secs_f64()
    );
    println!(
        "2-thread runs: thousands of context switches per second, deepest queue in thousands,"
    );
    println!(
        "lowest share of a run both threads' windows covered, steal time as a share of both cores:"
    );
    println!(
        "{:<28} {:>14} {:>13} {:>6} {:>9} {:>8} {:>7} {:>7}",
        "queue", "1 thread", "2 threads", "slept", "preempted", "deepest", "overlap", "steal"
    );
    type Make = fn() -> Box<dyn Queue>;
    let queues: [(&str, Make); 4] = [
        ("ArrayQueue (bounded 1024)", || {
            Box::new(ArrayQueue::new(CAPACITY))
        }),
        ("SegQueue (unbounded)", || Box::new(SegQueue::new())),
        ("Mutex<VecDeque> (unbounded)", || {
            Box::new(Mutex::new(VecDeque::new()))
        }),
        ("channel::bounded(1024)", || {
            let (sender, receiver) = channel::bounded(CAPACITY);
            Box::new(Channel(sender, receiver))
        }),
    ];
    let in_order = AtomicBool::new(true);
    for (name, make) in queues {
        let mut deepest = 0;
        let measured = rates(3, || one_thread(&*make(), budget, &in_order)).and_then(|one| {
            let two = rates(3, || {
                let (run, ok, depth) = two_threads(&*make(), budget, Duration::ZERO)?;
                if !ok {
                    in_order.store(false, Relaxed);
                }
                deepest = deepest.max(depth);
                Ok(run)
            })?;
            Ok((one, two))
        });
        let (one, two): (Rates, Rates) = match measured {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{name:<28} {:>14} {:>13} {:>6.1} {:>9.1} {:>8.1} {}",
            one.cell(),
            two.cell(),
            two.slept_per_s / 1e3,
            two.preempted_per_s / 1e3,
            deepest as f64 / 1e3,
            two.placement(7),
        );
    }
    // ANCHOR: paced
    println!(
        "producer waiting {} microsecond after each item, 2 threads, same columns:",
        PACE.as_micros()
    );
    let paced: [(&str, Make); 2] = [
        ("Mutex<VecDeque> (unbounded)", || {
            Box::new(Mutex::new(VecDeque::new()))
        }),
        ("  lock held in back-off", || {
            Box::new(LockHeldInBackoff(Mutex::new(VecDeque::new())))
        }),
    ];
    for (name, make) in paced {
        let mut deepest = 0;
        let two = rates(3, || {
            let (run, ok, depth) = two_threads(&*make(), budget, PACE)?;
            if !ok {
                in_order.store(false, Relaxed);
            }
            deepest = deepest.max(depth);
            Ok(run)
        });
        let two = match two {
            Ok(two) => two,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{name:<28} {:>14} {:>13} {:>6.1} {:>9.1} {:>8.1} {}",
            "",
            two.cell(),
            two.slept_per_s / 1e3,
            two.preempted_per_s / 1e3,
            deepest as f64 / 1e3,
            two.placement(7),
        );
    }
    // ANCHOR_END: paced
    println!(
        "every item arrived once, in order: {}",
        in_order.load(Relaxed)
    );
    ExitCode::SUCCESS
}
