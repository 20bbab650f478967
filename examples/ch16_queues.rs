//! Four producer-consumer queues at 1 and 2 threads, and what the bounded ones do when full.

use cpu_time::ProcessTime;
use crossbeam::channel;
use crossbeam::queue::{ArrayQueue, SegQueue};
use crossbeam::utils::Backoff;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ch16_queues [ITEMS]
Passes ITEMS numbers (default 2000000) through each queue: on 1 thread in batches of 512,
then from a producer thread to a consumer thread, and checks that they arrive in order.
Prints millions of items per second, best of 3 runs; first shows what a full bounded queue
does.
";

const CAPACITY: usize = 1024;
const BATCH: u64 = 512;

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
            match self.lock().unwrap().pop_front() {
                Some(value) => return value,
                None => backoff.snooze(),
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
/// Best of 3 runs of `items` values through a fresh queue: on one thread, in batches that
/// never fill it, or from a producer to a consumer. Returns items per second and whether
/// every item arrived, in order.
fn items_per_second(make: fn() -> Box<dyn Queue>, two_threads: bool, items: u64) -> (f64, bool) {
    let mut best = Duration::MAX;
    let mut in_order = true;
    for _ in 0..3 {
        let queue = make();
        let began = Instant::now();
        let mut expected = 0;
        let mut receive = |queue: &dyn Queue| {
            in_order &= queue.recv() == expected;
            expected += 1;
        };
        if two_threads {
            thread::scope(|s| {
                let queue = &*queue;
                s.spawn(move || (0..items).for_each(|i| queue.send(i)));
                (0..items).for_each(|_| receive(queue));
            });
        } else {
            for start in (0..items).step_by(BATCH as usize) {
                let end = (start + BATCH).min(items);
                (start..end).for_each(|i| queue.send(i));
                (start..end).for_each(|_| receive(&*queue));
            }
        }
        best = best.min(began.elapsed());
    }
    (items as f64 / best.as_secs_f64(), in_order)
}
// ANCHOR_END: measure

fn main() -> ExitCode {
    let items = match count_argument(USAGE, 2_000_000) {
        Ok(n) => n,
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
    println!("millions of items per second, best of 3, {items} items:");
    println!("{:<30} {:>10} {:>10}", "queue", "1 thread", "2 threads");
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
    let mut all_in_order = true;
    // Processor time over wall time while two threads ran: on a busy machine, less than 2.
    let mut busy = (Duration::ZERO, Duration::ZERO);
    for (name, make) in queues {
        let (one, ok1) = items_per_second(make, false, items);
        let (cpu, wall) = (ProcessTime::now(), Instant::now());
        let (two, ok2) = items_per_second(make, true, items);
        busy = (busy.0 + cpu.elapsed(), busy.1 + wall.elapsed());
        all_in_order &= ok1 && ok2;
        println!("{name:<30} {:>10.2} {:>10.2}", one / 1e6, two / 1e6);
    }
    println!("every item arrived once, in order: {all_in_order}");
    println!(
        "cores busy during the 2-thread runs: {:.2} (of 2: both threads ran throughout)",
        busy.0.as_secs_f64() / busy.1.as_secs_f64()
    );
    ExitCode::SUCCESS
}

// The command line: `--help` prints the usage, one optional positive count is read, anything
// else is refused with one `error:` line and exit status 2.
fn count_argument(usage: &str, default: u64) -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let count = match args.next() {
        None => return Ok(default),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) => match arg.to_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!(
                    "error: expected a positive whole number, got `{}` (try --help)",
                    arg.to_string_lossy()
                );
                return Err(ExitCode::from(2));
            }
        },
    };
    if let Some(extra) = args.next() {
        eprintln!(
            "error: unexpected argument `{}` (try --help)",
            extra.to_string_lossy()
        );
        return Err(ExitCode::from(2));
    }
    Ok(count)
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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
